/**
 * The Generate panel's conditional-model tools: the selected image redrawn as every label
 * ("same z, other label", one row per label) and one z decoded from one label to another.
 */
import type { LabelPathSpecIn, LatentLabelPathResult, LatentRelabelResult } from '../../src/contract';
import type { TrainedRun } from './app-state.svelte';
import type { Bridge } from './bridge';
import { describeError, isCancelled, type ShownError } from './errors';
import { stripUrl, type ShownStrip } from './explore-strip';
import type { Tasks } from './tasks.svelte';

export function createConditional(bridge: Bridge, tasks: Tasks, run: () => TrainedRun | null) {
  const s = $state({
    from: null as string | null,
    to: null as string | null,
    frames: 8,
    busy: null as 'relabel' | 'path' | null,
    error: null as ShownError | null,
  });
  let relabelled = $state.raw<{ result: LatentRelabelResult; strip: ShownStrip; index: number } | null>(null);
  let labelPath = $state.raw<{ result: LatentLabelPathResult; strip: ShownStrip; spec: LabelPathSpecIn } | null>(null);

  // The call in flight: a reset (another model) aborts it so its answer is not shown.
  let current: AbortController | null = null;

  async function call<T>(kind: 'relabel' | 'path', what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T | null> {
    const controller = new AbortController();
    current = controller;
    s.busy = kind;
    s.error = null;
    const task = tasks.start(what, () => controller.abort());
    try {
      const result = await fn(controller.signal);
      return controller.signal.aborted ? null : result;
    } catch (err) {
      if (!isCancelled(err) && !controller.signal.aborted) s.error = describeError(err);
      return null;
    } finally {
      task.end();
      if (current === controller) {
        current = null;
        s.busy = null;
      }
    }
  }

  return {
    state: s,
    /** Another model or dataset: its redrawn images and label path go, the labels are picked again. */
    reset() {
      current?.abort();
      current = null;
      if (relabelled) URL.revokeObjectURL(relabelled.strip.url);
      if (labelPath) URL.revokeObjectURL(labelPath.strip.url);
      relabelled = null;
      labelPath = null;
      Object.assign(s, { from: null, to: null, busy: null, error: null });
    },
    get relabelled() {
      return relabelled;
    },
    get labelPath() {
      return labelPath;
    },
    /** Image `index` at its own z = mu(x, y_own), decoded as every label of the model. */
    async relabel(index: number) {
      const r = run();
      if (!r) return;
      const result = await call('relabel', `Redrawing image ${index + 1} as every label`, (signal) =>
        bridge.call('latent.relabel', { runDir: r.runDir, dataset: r.dataset, images: [{ index }] }, { signal }),
      );
      if (!result) return;
      if (relabelled) URL.revokeObjectURL(relabelled.strip.url);
      relabelled = { result, strip: stripUrl(result.strip), index };
    },
    /** From label `from` to label `to` at the selected image's z (else at the origin, z = 0). */
    async path(index: number | null, latentDim: number) {
      const r = run();
      if (!r || !s.from || !s.to) return;
      const spec: LabelPathSpecIn = { runDir: r.runDir, dataset: r.dataset, at: index === null ? { z: new Array<number>(latentDim).fill(0) } : { index }, from: s.from, to: s.to, frames: s.frames };
      const result = await call('path', `From "${s.from}" to "${s.to}"`, (signal) => bridge.call('latent.labelPath', spec, { signal }));
      if (!result) return;
      if (labelPath) URL.revokeObjectURL(labelPath.strip.url);
      labelPath = { result, strip: stripUrl(result.strip), spec };
    },
  };
}

export type Conditional = ReturnType<typeof createConditional>;
