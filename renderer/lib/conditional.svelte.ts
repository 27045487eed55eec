/**
 * The Generate panel's conditional-model tools: the selected image redrawn as every label
 * ("same z, other label", one row per label) and one z decoded from one label to another.
 */
import { LATENT_DEFAULTS, type LabelPathSpecIn, type LatentLabelPathResult, type LatentRelabelResult } from '../../src/contract';
import type { TrainedRun } from './app-state';
import type { Bridge } from './bridge-api';
import { describeError, isCancelled, type ShownError } from './errors';
import { stripUrl, type ShownStrip } from './explore-strip';
import type { Tasks } from './tasks.svelte';

export class Conditional {
  /** The label path's ends (picked by the panel from the model's labels) and its frame count. */
  from = $state<string | null>(null);
  to = $state<string | null>(null);
  frames = $state(LATENT_DEFAULTS.stripFrames);
  busy = $state<'relabel' | 'path' | null>(null);
  error = $state<ShownError | null>(null);
  relabelled = $state.raw<{ result: LatentRelabelResult; strip: ShownStrip; index: number } | null>(null);
  labelPath = $state.raw<{ result: LatentLabelPathResult; strip: ShownStrip; spec: LabelPathSpecIn } | null>(null);

  #bridge: Bridge;
  #tasks: Tasks;
  #run: () => TrainedRun | null;
  // The call in flight: a reset (another model) aborts it so its answer is not shown.
  #current: AbortController | null = null;

  constructor(bridge: Bridge, tasks: Tasks, run: () => TrainedRun | null) {
    this.#bridge = bridge;
    this.#tasks = tasks;
    this.#run = run;
  }

  /** Another model or dataset: its redrawn images and label path go, the labels are picked again. */
  reset(): void {
    this.#current?.abort();
    this.#current = null;
    if (this.relabelled) URL.revokeObjectURL(this.relabelled.strip.url);
    if (this.labelPath) URL.revokeObjectURL(this.labelPath.strip.url);
    this.relabelled = null;
    this.labelPath = null;
    this.from = null;
    this.to = null;
    this.busy = null;
    this.error = null;
  }

  /** Image `index` at its own z = mu(x, y_own), decoded as every label of the model. */
  async relabel(index: number): Promise<void> {
    const r = this.#run();
    if (!r) return;
    const result = await this.#call('relabel', `Redrawing image ${index + 1} as every label`, (signal) =>
      this.#bridge.call('latent.relabel', { runDir: r.runDir, dataset: r.dataset, images: [{ index }] }, { signal }),
    );
    if (!result) return;
    if (this.relabelled) URL.revokeObjectURL(this.relabelled.strip.url);
    this.relabelled = { result, strip: stripUrl(result.strip), index };
  }

  /** From label `from` to label `to` at the selected image's z (else at the origin, z = 0). */
  async path(index: number | null, latentDim: number): Promise<void> {
    const r = this.#run();
    if (!r || !this.from || !this.to) return;
    const at = index === null ? { z: new Array<number>(latentDim).fill(0) } : { index };
    const spec: LabelPathSpecIn = { runDir: r.runDir, dataset: r.dataset, at, from: this.from, to: this.to, frames: this.frames };
    const result = await this.#call('path', `From "${this.from}" to "${this.to}"`, (signal) => this.#bridge.call('latent.labelPath', spec, { signal }));
    if (!result) return;
    if (this.labelPath) URL.revokeObjectURL(this.labelPath.strip.url);
    this.labelPath = { result, strip: stripUrl(result.strip), spec };
  }

  async #call<T>(kind: 'relabel' | 'path', what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T | null> {
    const controller = new AbortController();
    this.#current = controller;
    this.busy = kind;
    this.error = null;
    const task = this.#tasks.start(what, () => controller.abort());
    try {
      const result = await fn(controller.signal);
      return controller.signal.aborted ? null : result;
    } catch (err) {
      if (!isCancelled(err) && !controller.signal.aborted) this.error = describeError(err);
      return null;
    } finally {
      task.end();
      if (this.#current === controller) {
        this.#current = null;
        this.busy = null;
      }
    }
  }
}
