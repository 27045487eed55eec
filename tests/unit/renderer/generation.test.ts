import { describe, expect, it, vi } from 'vitest';
import { labelPathSpecSchema, sampleSpecSchema, type LatentGenerated, type ProgressEvent } from '../../../src/contract';
import type { TrainedRun } from '../../../renderer/lib/app-state';
import type { Bridge } from '../../../renderer/lib/bridge-api';
import { BridgeError } from '../../../renderer/lib/bridge-error';
import { Generation } from '../../../renderer/lib/generate.svelte';
import { Tasks } from '../../../renderer/lib/tasks.svelte';

const run = { runDir: '/p/runs/r1', dataset: '/p/dataset' } as TrainedRun;

/** What the engine answers for `count` images (the strip's bytes need not be a real PNG here). */
function generated(count: number): LatentGenerated {
  return {
    z: Array.from({ length: count }, (_, i) => [i, 0]),
    points: Buffer.from(new Float32Array(count * 3).buffer).toString('base64'),
    strip: { png: Buffer.from('png bytes').toString('base64'), count, columns: count, cell: 8 },
    nearest: null,
  };
}

type Asked = { channel: string; spec: Record<string, unknown>; signal: AbortSignal; onProgress?: (p: ProgressEvent) => void; answer: (r: unknown) => void };

function setup() {
  const asked: Asked[] = [];
  const call = vi.fn(
    (channel: string, spec: Record<string, unknown>, options: { signal: AbortSignal; onProgress?: (p: ProgressEvent) => void }) =>
      new Promise((answer) => asked.push({ channel, spec, signal: options.signal, onProgress: options.onProgress, answer })),
  );
  const bridge = { mode: 'web', call, on: () => () => {} } as unknown as Bridge;
  const tasks = new Tasks();
  return { gen: new Generation(bridge, tasks, () => run), asked, tasks };
}

describe('Generation (the Generate panel)', () => {
  it('samples with the panel settings, shows the progress in the status bar, then the images', async () => {
    const { gen, asked, tasks } = setup();
    gen.count = 4;
    gen.temperature = 0.7;
    gen.seed = 12;
    const sampling = gen.sample();
    expect(gen.busy).toBe('sample');
    expect(asked[0].channel).toBe('latent.sample');
    // Unconditional and not finished: no label, no finish; and what is sent is what the engine accepts.
    expect(asked[0].spec).toMatchObject({ runDir: run.runDir, dataset: run.dataset, count: 4, temperature: 0.7, seed: 12, memorisation: true, detailFrom: 'nearest' });
    expect(asked[0].spec).not.toHaveProperty('label');
    expect(asked[0].spec).not.toHaveProperty('finish');
    expect(() => sampleSpecSchema.parse(asked[0].spec)).not.toThrow();
    asked[0].onProgress?.({ requestId: 'r1', phase: 'encoding', done: 5, total: 10 } as ProgressEvent);
    expect(tasks.current).toMatchObject({ label: 'Sampling from the prior', fraction: 0.5, detail: 'encoding 5 / 10 images' });
    // The prior's fit counts what each of its stages counts.
    asked[0].onProgress?.({ requestId: 'r1', phase: 'fitting prior (mixture)', done: 12, total: 100 } as ProgressEvent);
    expect(tasks.current?.detail).toBe('fitting prior (mixture) 12 / 100 iterations');
    asked[0].onProgress?.({ requestId: 'r1', phase: 'fitting prior (directions)', done: 3, total: 60 } as ProgressEvent);
    expect(tasks.current?.detail).toBe('fitting prior (directions) 3 / 60 rounds');
    asked[0].answer(generated(4));
    await sampling;
    expect(gen.busy).toBeNull();
    expect(tasks.current).toBeNull();
    expect(gen.samples?.strip.count).toBe(4);
    expect(gen.samples?.spec.seed).toBe(12);
  });

  it('a conditional model samples its chosen label, finished when pixel-art finishing is on; Reseed draws again with the next seed', async () => {
    const { gen, asked, tasks } = setup();
    gen.label = 'shield';
    gen.pixelArt = true;
    gen.pixelColors = 24;
    gen.seed = 3;
    const reseeding = gen.reseed();
    expect(gen.seed).toBe(4);
    expect(asked[0].spec).toMatchObject({ seed: 4, label: 'shield', finish: { palette: 'dataset', colors: 24 } });
    expect(tasks.current?.label).toBe('Sampling "shield"');
    asked[0].answer(generated(16));
    await reseeding;
    expect(gen.samples?.spec.label).toBe('shield');
  });

  it('another model drops the answer still on its way, the images and the label; the settings stay', async () => {
    const { gen, asked } = setup();
    gen.label = 'shield';
    gen.temperature = 1.3;
    const first = gen.sample();
    asked[0].answer(generated(2));
    await first;
    const second = gen.sample();
    gen.reset();
    expect(asked[1].signal.aborted).toBe(true);
    asked[1].answer(generated(3));
    await second;
    expect([gen.samples, gen.label, gen.busy, gen.error]).toEqual([null, null, null, null]);
    expect(gen.temperature).toBe(1.3);
  });

  it('an engine error is shown with what to do', async () => {
    const bridge = { mode: 'web', call: async () => Promise.reject(new Error('decoder weights missing')), on: () => () => {} } as unknown as Bridge;
    const gen = new Generation(bridge, new Tasks(), () => run);
    await gen.sample();
    expect(gen.error?.message).toBe('decoder weights missing');
    expect(gen.error?.advice).not.toBe('');
    expect(gen.busy).toBeNull();
  });

  it('Esc cancels a running sample: no error, no images', async () => {
    const tasks = new Tasks();
    const cancelled = new BridgeError({ code: 'cancelled', message: 'Cancelled' });
    const call = (_channel: string, _spec: unknown, options: { signal: AbortSignal }) => new Promise((_, reject) => options.signal.addEventListener('abort', () => reject(cancelled)));
    const gen = new Generation({ mode: 'web', call, on: () => () => {} } as unknown as Bridge, tasks, () => run);
    const sampling = gen.sample();
    expect(tasks.cancelCurrent()).toBe(true);
    await sampling;
    expect([gen.error, gen.samples, gen.busy, tasks.current]).toEqual([null, null, null, null]);
  });

  it('the label path runs at the origin (z = 0) without a selected image, else at that image', async () => {
    const { gen, asked } = setup();
    const cond = gen.conditional;
    cond.from = 'plain';
    cond.to = 'shield';
    const atOrigin = cond.path(null, 3);
    expect(asked[0].channel).toBe('latent.labelPath');
    expect(asked[0].spec).toMatchObject({ at: { z: [0, 0, 0] }, from: 'plain', to: 'shield' });
    expect(() => labelPathSpecSchema.parse(asked[0].spec)).not.toThrow();
    asked[0].answer({ z: [0, 0, 0], t: [0, 1], strip: generated(2).strip });
    await atOrigin;
    expect(cond.labelPath?.strip.count).toBe(2);
    void cond.path(7, 3);
    expect(asked[1].spec).toMatchObject({ at: { index: 7 } });
    gen.reset();
    expect([cond.labelPath, cond.from, cond.to]).toEqual([null, null, null]);
  });
});
