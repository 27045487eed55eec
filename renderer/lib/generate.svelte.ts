/**
 * The Generate panel's state: a grid of prior samples (temperature, seed) with the
 * memorisation check, a traversal grid for a chosen dimension, and images decoded where the
 * user clicks in the 3D view.
 */
import {
  DEFAULT_SAMPLE_DETAIL,
  PIXEL_ART_COLORS,
  type LatentGenerated,
  type ProgressEvent,
  type LatentTraversal,
  type PixelArtFinishIn,
  type SampleSpecIn,
  type TraverseSpecIn,
} from '../../src/contract';
import type { TrainedRun } from './app-state.svelte';
import type { Bridge } from './bridge';
import { createConditional } from './conditional.svelte';
import { describeError, isCancelled, type ShownError } from './errors';
import { stripUrl, type ShownStrip } from './explore-strip';
import type { Tasks } from './tasks.svelte';

export interface Shown<R> {
  result: R;
  strip: ShownStrip;
  /** The pixel-art finished images, when finishing was on. */
  finished: ShownStrip | null;
}

/** A result's strips as object URLs (raw, and finished when present). */
export function shownOf<R extends { strip: LatentGenerated['strip']; finished?: LatentGenerated['finished'] }>(result: R): Shown<R> {
  return { result, strip: stripUrl(result.strip), finished: result.finished ? stripUrl(result.finished.strip) : null };
}

export function revokeShown(shown: { strip: ShownStrip; finished: ShownStrip | null } | null | undefined): void {
  if (!shown) return;
  URL.revokeObjectURL(shown.strip.url);
  if (shown.finished) URL.revokeObjectURL(shown.finished.url);
}

/** The finish part of a spec: nothing unless pixel-art finishing is on. */
export function finishSpec(on: boolean, colors: number): { finish?: PixelArtFinishIn } {
  return on ? { finish: { palette: 'dataset', colors } } : {};
}

export function createGeneration(bridge: Bridge, tasks: Tasks, run: () => TrainedRun | null) {
  const s = $state({
    temperature: 1,
    /** Hierarchical model: temperature of the detail layer z2 ~ p(z2|z1) (0 = its mean, smooth). */
    detail: DEFAULT_SAMPLE_DETAIL,
    /** Draw z where the training images lie (a mixture fitted to their means) or from N(0, I). */
    prior: 'fitted' as 'fitted' | 'standard',
    seed: 0,
    /** Show a real draw of p(x|z) (the likelihood's per-pixel noise) instead of the mean image. */
    pixelNoise: false,
    count: 16,
    dim: 0,
    steps: 7,
    /** Base of the traversal: the selected image, else the origin. */
    traverseFromSelected: false,
    decodeOnClick: false,
    /** Pixel-art finishing of samples and traversals (off by default) and its palette size. */
    pixelArt: false,
    pixelColors: PIXEL_ART_COLORS.default as number,
    /**
     * Conditional model: the label samples, traversals and clicked points are drawn as (null until
     * the panel picks the first of the model's labels).
     */
    label: null as string | null,
    busy: null as 'sample' | 'traverse' | 'decode' | null,
    error: null as ShownError | null,
  });
  let samples = $state.raw<(Shown<LatentGenerated> & { spec: SampleSpecIn }) | null>(null);
  let traversal = $state.raw<(Shown<LatentTraversal> & { spec: TraverseSpecIn }) | null>(null);
  /** The last clicked point: where (in which linear layout's coordinates) and what it decoded to. */
  let decoded = $state.raw<{ strip: ShownStrip; point: [number, number, number]; axes: [number, number, number] | null; z: number[] } | null>(null);

  // The call in flight: a reset (another model) aborts it so its answer is not shown.
  let current: AbortController | null = null;

  async function call<T>(kind: 'sample' | 'traverse' | 'decode', label: string, fn: (options: { signal: AbortSignal; onProgress: (p: ProgressEvent) => void }) => Promise<T>): Promise<T | null> {
    const controller = new AbortController();
    current = controller;
    s.busy = kind;
    s.error = null;
    const task = tasks.start(label, () => controller.abort());
    try {
      // Encoding the dataset (first use) and decoding many images report how far they are.
      const onProgress = (p: ProgressEvent) => task.update(p.total ? p.done / p.total : null, `${p.phase} ${p.done}${p.total ? ` / ${p.total}` : ''} images`);
      const result = await fn({ signal: controller.signal, onProgress });
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

  const conditional = createConditional(bridge, tasks, run);

  /** The chosen label, for a conditional model only (an unconditional one refuses labels). */
  const labelSpec = (): { label?: string } => (s.label ? { label: s.label } : {});

  return {
    state: s,
    /** A conditional model's tools: the selected image as every label, a path between two labels. */
    conditional,
    /** Another model or dataset: samples, traversal and decoded points of the old one go (settings stay). */
    reset() {
      current?.abort();
      current = null;
      revokeShown(samples);
      revokeShown(traversal);
      if (decoded) URL.revokeObjectURL(decoded.strip.url);
      samples = null;
      traversal = null;
      decoded = null;
      // A label belongs to the model; the panel picks the new model's first one.
      Object.assign(s, { label: null, busy: null, error: null });
      conditional.reset();
    },
    get samples() {
      return samples;
    },
    get traversal() {
      return traversal;
    },
    get decoded() {
      return decoded;
    },
    async sample() {
      const r = run();
      if (!r) return;
      const spec: SampleSpecIn = {
        runDir: r.runDir,
        dataset: r.dataset,
        count: s.count,
        temperature: s.temperature,
        detail: s.detail,
        prior: s.prior,
        seed: s.seed,
        pixelNoise: s.pixelNoise,
        memorisation: true,
        ...finishSpec(s.pixelArt, s.pixelColors),
        ...labelSpec(),
      };
      const result = await call('sample', s.label ? `Sampling "${s.label}"` : 'Sampling from the prior', (options) => bridge.call('latent.sample', spec, options));
      if (!result) return;
      revokeShown(samples);
      samples = { ...shownOf(result), spec };
    },
    async reseed() {
      s.seed = (s.seed + 1) % 1_000_000;
      await this.sample();
    },
    async traverse(base: number | null) {
      const r = run();
      if (!r) return;
      const spec: TraverseSpecIn = {
        runDir: r.runDir,
        dataset: r.dataset,
        dims: [s.dim],
        steps: s.steps,
        base: base === null ? null : { index: base },
        memorisation: true,
        ...finishSpec(s.pixelArt, s.pixelColors),
        ...labelSpec(),
      };
      const result = await call('traverse', `Traversing dimension ${s.dim}`, (options) => bridge.call('latent.traverse', spec, options));
      if (!result) return;
      revokeShown(traversal);
      traversal = { ...shownOf(result), spec };
    },
    /**
     * Decode a point of a linear layout's 3D view: the engine maps it back with z = m + P^T y
     * (`axes` null: PCA; else the three latent dimensions shown, the others at their mean).
     */
    async decodeAt(point: [number, number, number], axes: [number, number, number] | null) {
      const r = run();
      if (!r) return;
      const result = await call('decode', 'Decoding the clicked point', (options) =>
        bridge.call('latent.decode', { runDir: r.runDir, dataset: r.dataset, points: [point], axes, ...labelSpec() }, options),
      );
      if (!result) return;
      if (decoded) URL.revokeObjectURL(decoded.strip.url);
      decoded = { strip: stripUrl(result.strip), point, axes, z: result.z[0] };
    },
  };
}

export type Generation = ReturnType<typeof createGeneration>;
