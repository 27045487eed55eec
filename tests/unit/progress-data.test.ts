/**
 * Progress events carry a typed payload and phase per channel (the contract's ProgressDataByChannel
 * and ProgressPhaseByChannel): what a handler may send, and how a listener of all events narrows
 * one to its channel. The type
 * assertions are checked by tsc (tests are in its program); the narrowing at run time too. (The
 * renderer's bridge.call types onProgress the same way; svelte-check checks its callers.)
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { isProgressOf, type FittedPriorPhase, type ImportProgressData, type LayoutProgressData, type ProgressEvent, type TrainProgress } from '../../src/contract';
import type { EngineHandler, HandlerContext } from '../../src/host/handler';

describe('progress data per channel', () => {
  it('is the channel’s own type, and nothing for a channel that sends none', () => {
    expectTypeOf<ProgressEvent<'train.run'>['data']>().toEqualTypeOf<TrainProgress | undefined>();
    expectTypeOf<ProgressEvent<'dataset.import'>['data']>().toEqualTypeOf<ImportProgressData | undefined>();
    expectTypeOf<ProgressEvent<'latent.layout'>['data']>().toEqualTypeOf<LayoutProgressData | undefined>();
    expectTypeOf<ProgressEvent<'latent.interpolate'>['data']>().toEqualTypeOf<{ energy: number } | undefined>();
    expectTypeOf<ProgressEvent<'export.frames'>['data']>().toEqualTypeOf<undefined>();
  });

  it("lets a handler send only its channel's data", () => {
    type ImportUpdate = Parameters<HandlerContext<'dataset.import'>['progress']>[0];
    expectTypeOf<{ phase: 'importing'; done: 1; total: 2; data: { stage: 'neighbours' } }>().not.toExtend<ImportUpdate>();
    expectTypeOf<{ phase: 'importing'; done: 1; total: 2; data: ImportProgressData }>().toExtend<ImportUpdate>();
    expectTypeOf<Parameters<EngineHandler<'export.frames'>>[1]>().toEqualTypeOf<HandlerContext<'export.frames'>>();
  });

  it("names each channel's phases, so a misspelt or another channel's phase does not compile", () => {
    expectTypeOf<ProgressEvent<'dataset.import'>['phase']>().toEqualTypeOf<'importing' | 'writing' | 'done'>();
    expectTypeOf<ProgressEvent<'train.run'>['phase']>().toEqualTypeOf<'training' | 'plan' | 'checkpoint' | 'paused' | 'resumed' | 'stopped'>();
    expectTypeOf<ProgressEvent<'export.frames'>['phase']>().toEqualTypeOf<'encoding' | 'decoding' | FittedPriorPhase | 'writing'>();
    expectTypeOf<ProgressEvent<'latent.interpolate'>['phase']>().toEqualTypeOf<'encoding' | 'decoding' | FittedPriorPhase | 'geodesic'>();
    // A channel that reports no progress has no phase to send.
    expectTypeOf<ProgressEvent<'dataset.info'>['phase']>().toBeNever();
    type SampleUpdate = Parameters<HandlerContext<'latent.sample'>['progress']>[0];
    expectTypeOf<{ phase: 'decoding'; done: 1; total: 2 }>().toExtend<SampleUpdate>();
    expectTypeOf<{ phase: 'decodng'; done: 1; total: 2 }>().not.toExtend<SampleUpdate>();
    expectTypeOf<{ phase: 'geodesic'; done: 1; total: 2 }>().not.toExtend<SampleUpdate>();
  });

  it("narrows an event of any request to one channel's by its channel name", () => {
    const events: ProgressEvent[] = [
      { requestId: 'a', channel: 'dataset.import', phase: 'importing', done: 3, total: 9, data: { scanned: 9, decoded: 3, fromCache: 0, imported: 3, skipped: 0 } },
      { requestId: 'b', channel: 'latent.layout', phase: 'layout', done: 1, total: 4, data: { stage: 'optimising' } },
    ];
    const imports = events.filter((e) => isProgressOf(e, 'dataset.import'));
    expect(imports.map((e) => e.data?.imported)).toEqual([3]);
    const layouts = events.filter((e) => isProgressOf(e, 'latent.layout'));
    expect(layouts.map((e) => e.data?.stage)).toEqual(['optimising']);
    expectTypeOf(imports[0].data).toEqualTypeOf<ImportProgressData | undefined>();
  });
});
