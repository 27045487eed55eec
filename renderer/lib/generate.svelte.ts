/**
 * The Generate panel's state: a grid of prior samples (temperature, seed) with the
 * memorisation check, a traversal grid for a chosen dimension, and images decoded where the
 * user clicks in the 3D view.
 */
import { createContext } from 'svelte';
import {
  LATENT_DEFAULTS,
  type LatentGenerated,
  type LatentSessionPhase,
  type ProgressEvent,
  type LatentTraversal,
  type PixelArtFinishIn,
  type SampleSpecIn,
  type TraverseSpecIn,
} from '../../src/contract';
import type { TrainedRun } from './app-state';
import type { Bridge } from './bridge-api';
import { Conditional } from './conditional.svelte';
import { describeError, isCancelled, type ShownError } from './errors';
import { stripUrl, type ShownStrip } from './explore-strip';
import { GENERATE_FIELDS } from './latent-forms';
import { fieldError, type CheckedField } from './limits';
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

type GenerateKind = 'sample' | 'traverse' | 'decode';
/** The channels the panel calls; their progress phases are the contract's (ProgressPhaseByChannel). */
type GenerateChannel = 'latent.sample' | 'latent.traverse' | 'latent.decode';

/** What each phase's progress counts (the prior's fit counts rounds and EM iterations, not images). */
const PHASE_UNITS: Record<LatentSessionPhase, string> = {
  encoding: 'images',
  decoding: 'images',
  'fitting prior (details)': 'images',
  'fitting prior (directions)': 'rounds',
  'fitting prior (mixture)': 'iterations',
};

export class Generation {
  temperature = $state(LATENT_DEFAULTS.temperature);
  /** Hierarchical model: temperature of the detail layer z2 ~ p(z2|z1) (0 = its mean, smooth). */
  detail = $state(LATENT_DEFAULTS.detail);
  /** Draw z where the training images lie (a mixture fitted to their means) or from N(0, I). */
  prior = $state(LATENT_DEFAULTS.prior);
  /** Hierarchical model, fitted prior: fine detail from the nearest training image (crisp) or the model's own (smooth). */
  detailFrom = $state(LATENT_DEFAULTS.detailFrom);
  seed = $state(LATENT_DEFAULTS.seed);
  /** Show a real draw of p(x|z) (the likelihood's per-pixel noise) instead of the mean image. */
  pixelNoise = $state(false);
  count = $state(LATENT_DEFAULTS.sampleCount);
  dim = $state(0);
  steps = $state(LATENT_DEFAULTS.traverseSteps);
  /** Base of the traversal: the selected image, else the origin. */
  traverseFromSelected = $state(false);
  decodeOnClick = $state(false);
  /** Pixel-art finishing of samples and traversals (off by default) and its palette size. */
  pixelArt = $state(false);
  pixelColors = $state(LATENT_DEFAULTS.pixelArtColors);
  /**
   * Conditional model: the label samples, traversals and clicked points are drawn as (null until
   * the panel picks the first of the model's labels).
   */
  label = $state<string | null>(null);
  busy = $state<GenerateKind | null>(null);
  error = $state<ShownError | null>(null);
  samples = $state.raw<(Shown<LatentGenerated> & { spec: SampleSpecIn }) | null>(null);
  traversal = $state.raw<(Shown<LatentTraversal> & { spec: TraverseSpecIn }) | null>(null);
  /** The last clicked point: where (in which linear layout's coordinates) and what it decoded to. */
  decoded = $state.raw<{ strip: ShownStrip; point: [number, number, number]; axes: [number, number, number] | null; z: number[] } | null>(null);
  /** A conditional model's tools: the selected image as every label, a path between two labels. */
  readonly conditional: Conditional;

  #bridge: Bridge;
  #tasks: Tasks;
  #run: () => TrainedRun | null;
  // The call in flight: a reset (another model) aborts it so its answer is not shown.
  #current: AbortController | null = null;

  constructor(bridge: Bridge, tasks: Tasks, run: () => TrainedRun | null) {
    this.#bridge = bridge;
    this.#tasks = tasks;
    this.#run = run;
    this.conditional = new Conditional(bridge, tasks, run);
  }

  /** Another model or dataset: samples, traversal and decoded points of the old one go (settings stay). */
  reset(): void {
    this.#current?.abort();
    this.#current = null;
    revokeShown(this.samples);
    revokeShown(this.traversal);
    if (this.decoded) URL.revokeObjectURL(this.decoded.strip.url);
    this.samples = null;
    this.traversal = null;
    this.decoded = null;
    // A label belongs to the model; the panel picks the new model's first one.
    this.label = null;
    this.busy = null;
    this.error = null;
    this.conditional.reset();
  }

  async sample(): Promise<void> {
    const r = this.#run();
    if (
      !r ||
      this.#refused([
        ['Count', this.count, GENERATE_FIELDS.count],
        ['Temperature', this.temperature, GENERATE_FIELDS.temperature],
        ['Detail', this.detail, GENERATE_FIELDS.detail],
        ...this.#paletteField(),
      ])
    )
      return;
    const spec: SampleSpecIn = {
      runDir: r.runDir,
      dataset: r.dataset,
      count: this.count,
      temperature: this.temperature,
      detail: this.detail,
      prior: this.prior,
      detailFrom: this.detailFrom,
      seed: this.seed,
      pixelNoise: this.pixelNoise,
      memorisation: true,
      ...finishSpec(this.pixelArt, this.pixelColors),
      ...this.#labelSpec(),
    };
    const result = await this.#call('sample', this.label ? `Sampling "${this.label}"` : 'Sampling from the prior', (options) => this.#bridge.call('latent.sample', spec, options));
    if (!result) return;
    revokeShown(this.samples);
    this.samples = { ...shownOf(result), spec };
  }

  async reseed(): Promise<void> {
    this.seed = (this.seed + 1) % 1_000_000;
    await this.sample();
  }

  async traverse(base: number | null): Promise<void> {
    const r = this.#run();
    if (!r || this.#refused([['Steps', this.steps, GENERATE_FIELDS.steps], ...this.#paletteField()])) return;
    const spec: TraverseSpecIn = {
      runDir: r.runDir,
      dataset: r.dataset,
      dims: [this.dim],
      steps: this.steps,
      base: base === null ? null : { index: base },
      memorisation: true,
      ...finishSpec(this.pixelArt, this.pixelColors),
      ...this.#labelSpec(),
    };
    const result = await this.#call('traverse', `Traversing dimension ${this.dim}`, (options) => this.#bridge.call('latent.traverse', spec, options));
    if (!result) return;
    revokeShown(this.traversal);
    this.traversal = { ...shownOf(result), spec };
  }

  /**
   * Decode a point of a linear layout's 3D view: the engine maps it back with z = m + P^T y
   * (`axes` null: PCA; else the three latent dimensions shown, the others at their mean).
   */
  async decodeAt(point: [number, number, number], axes: [number, number, number] | null): Promise<void> {
    const r = this.#run();
    if (!r) return;
    const result = await this.#call('decode', 'Decoding the clicked point', (options) =>
      this.#bridge.call('latent.decode', { runDir: r.runDir, dataset: r.dataset, points: [point], axes, ...this.#labelSpec() }, options),
    );
    if (!result) return;
    if (this.decoded) URL.revokeObjectURL(this.decoded.strip.url);
    this.decoded = { strip: stripUrl(result.strip), point, axes, z: result.z[0] };
  }

  /** The palette size is checked only when finishing is on (the field is disabled otherwise). */
  #paletteField(): CheckedField[] {
    return this.pixelArt ? [['Colours', this.pixelColors, GENERATE_FIELDS.pixelColors]] : [];
  }

  /** Shows the first field outside its range in the panel, so nothing is sent. */
  #refused(fields: CheckedField[]): boolean {
    const message = fieldError(fields);
    if (message) this.error = { message, advice: 'Change the value and try again.' };
    return message !== null;
  }

  /** The chosen label, for a conditional model only (an unconditional one refuses labels). */
  #labelSpec(): { label?: string } {
    return this.label ? { label: this.label } : {};
  }

  async #call<T>(kind: GenerateKind, label: string, fn: (options: { signal: AbortSignal; onProgress: (p: ProgressEvent<GenerateChannel>) => void }) => Promise<T>): Promise<T | null> {
    const controller = new AbortController();
    this.#current = controller;
    this.busy = kind;
    this.error = null;
    const task = this.#tasks.start(label, () => controller.abort());
    try {
      // Encoding the dataset (first use) and decoding many images report how far they are.
      const onProgress = (p: ProgressEvent<GenerateChannel>) => task.update(p.total ? p.done / p.total : null, `${p.phase} ${p.done}${p.total ? ` / ${p.total}` : ''} ${PHASE_UNITS[p.phase]}`);
      const result = await fn({ signal: controller.signal, onProgress });
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

/** The Generate panel's state: the explorer makes it (the 3D view's clicks decode through it). */
export const [useGeneration, provideGeneration] = createContext<Generation>();
