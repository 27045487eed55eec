/**
 * The Interpolate panel's state: endpoints A and B (picked in the 3D view or by index),
 * method and frame count, one result per method (frames, 3D path, image-space lengths), the
 * frame scrubber and playback.
 */
import { createContext } from 'svelte';
import { INTERPOLATION_METHODS, LATENT_DEFAULTS, type InterpolateSpecIn, type InterpolationMethod, type LatentPathResult, type ProgressEvent } from '../../src/contract';
import type { TrainedRun } from './app-state';
import type { Bridge } from './bridge-api';
import { describeError, isCancelled, type ShownError } from './errors';
import { base64ToF32, stripUrl, type ShownStrip } from './explore-strip';
import { finishSpec, revokeShown } from './generate.svelte';
import { INTERPOLATE_FIELDS } from './latent-forms';
import { fieldError, type CheckedField } from './limits';
import type { Tasks } from './tasks.svelte';

export type Method = InterpolationMethod;
export const METHODS: readonly Method[] = INTERPOLATION_METHODS;

/**
 * The parts of the 3D view (LatentView) a path uses, named here so that this store and its unit
 * test do not pull the scene's modules in.
 */
export interface PathView {
  readonly scene: { invalidate(): void } | null;
  readonly paths: { removePath(method: Method): void };
  /** Draws the path under the view's layout and returns where its frames lie. */
  showPath(method: Method, z: number[][]): Promise<Float32Array>;
}

export interface PathShown {
  result: LatentPathResult;
  strip: ShownStrip;
  /** The pixel-art finished frames, when finishing was on for this run. */
  finished: ShownStrip | null;
  points: Float32Array;
  spec: InterpolateSpecIn;
}

export class Interpolation {
  /** The ends: image indices picked in the 3D view or typed. */
  a = $state<number | null>(null);
  b = $state<number | null>(null);
  method = $state<Method>(LATENT_DEFAULTS.interpolateMethod);
  frames = $state(LATENT_DEFAULTS.interpolateFrames);
  /** Hierarchical model: the detail layer re-inferred from A and B ('endpoints') or redrawn from the prior. */
  detail = $state<'endpoints' | 'prior'>('endpoints');
  /** The method whose result is on screen, and its frame under the scrubber. */
  shown = $state<Method>(LATENT_DEFAULTS.interpolateMethod);
  frame = $state(0);
  playing = $state(false);
  running = $state<Method | null>(null);
  /** Pixel-art finishing of the frames (off by default) and its palette size. */
  pixelArt = $state(false);
  pixelColors = $state(LATENT_DEFAULTS.pixelArtColors);
  error = $state<ShownError | null>(null);
  /** One result per method, so the three can be compared. */
  results = $state<Partial<Record<Method, PathShown>>>({});
  current = $derived<PathShown | null>(this.results[this.shown] ?? null);

  #bridge: Bridge;
  #tasks: Tasks;
  #view: PathView;
  #run: () => TrainedRun | null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #controller: AbortController | null = null;

  constructor(bridge: Bridge, tasks: Tasks, view: PathView, run: () => TrainedRun | null) {
    this.#bridge = bridge;
    this.#tasks = tasks;
    this.#view = view;
    this.#run = run;
  }

  /** A click in the 3D view: fills A, then B, then starts over at A. */
  pick(index: number): void {
    if (this.a === null || this.b !== null) {
      this.b = null;
      this.a = index;
    } else this.b = index;
    this.clear();
  }

  setEnd(which: 'a' | 'b', index: number | null): void {
    this[which] = index;
    this.clear();
  }

  swap(): void {
    [this.a, this.b] = [this.b, this.a];
    this.clear();
  }

  async run(method: Method = this.method): Promise<void> {
    const r = this.#run();
    if (!r || this.a === null || this.b === null) return;
    const fields: CheckedField[] = [['Frames', this.frames, INTERPOLATE_FIELDS.frames]];
    if (this.pixelArt) fields.push(['Colours', this.pixelColors, INTERPOLATE_FIELDS.pixelColors]);
    const refused = fieldError(fields);
    if (refused) {
      // Named in the panel; nothing is sent and the results on screen stay.
      this.error = { message: refused, advice: 'Change the value and try again.' };
      return;
    }
    this.#controller?.abort();
    const ours = (this.#controller = new AbortController());
    this.running = method;
    this.error = null;
    const spec: InterpolateSpecIn = {
      runDir: r.runDir,
      dataset: r.dataset,
      waypoints: [{ index: this.a }, { index: this.b }],
      method,
      frames: this.frames,
      lower: this.detail,
      ...finishSpec(this.pixelArt, this.pixelColors),
    };
    const task = this.#tasks.start(`Interpolating (${method})`, () => ours.abort());
    try {
      const result = await this.#bridge.call('latent.interpolate', spec, {
        signal: ours.signal,
        onProgress: (p) => task.update(p.total ? p.done / p.total : null, progressWords(p)),
      });
      // Reset meanwhile (another model or dataset): this path belongs to the old one.
      if (ours.signal.aborted) return;
      revokeShown(this.results[method]);
      // Placed under the view's layout (UMAP/t-SNE put the frames among their nearest images).
      const points = await this.#view.showPath(method, result.z).catch(() => base64ToF32(result.points));
      this.results[method] = { result, strip: stripUrl(result.strip), finished: result.finished ? stripUrl(result.finished.strip) : null, points, spec };
      this.stop();
      this.shown = method;
      this.frame = 0;
    } catch (err) {
      if (!isCancelled(err)) this.error = describeError(err);
    } finally {
      task.end();
      if (this.#controller === ours) this.#controller = null;
      if (this.running === method) this.running = null;
    }
  }

  togglePlay(): void {
    if (this.playing) {
      this.stop();
      return;
    }
    if (!this.results[this.shown]) return;
    this.playing = true;
    this.#timer = setInterval(() => {
      const n = this.results[this.shown]?.strip.count ?? 1;
      this.frame = (this.frame + 1) % n;
    }, 110);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.playing = false;
  }

  /** The ends changed: every method's path and frames go. */
  clear(): void {
    this.stop();
    for (const m of METHODS) {
      revokeShown(this.results[m]);
      delete this.results[m];
      this.#view.paths.removePath(m);
    }
    this.#view.scene?.invalidate();
  }

  /**
   * Another model: its paths and frames go. Another dataset: the ends A and B go too (their
   * indices named images that are no longer there).
   */
  reset(scope: 'model' | 'dataset'): void {
    this.#controller?.abort();
    this.#controller = null;
    this.clear();
    this.running = null;
    this.error = null;
    this.frame = 0;
    if (scope === 'dataset') {
      this.a = null;
      this.b = null;
    }
  }
}

/** The Interpolate panel's state: the explorer makes it (a click in the 3D view picks A and B). */
export const [useInterpolation, provideInterpolation] = createContext<Interpolation>();

/** What the status bar says about a path in progress: the geodesic's optimisation step and energy, or the frames decoded. */
export function progressWords(p: ProgressEvent<'latent.interpolate'>): string {
  const counts = `${p.done}${p.total ? ` / ${p.total}` : ''}`;
  if (p.phase === 'geodesic') return `geodesic step ${counts}${p.data ? `, energy ${p.data.energy.toFixed(3)}` : ''}`;
  return `${p.phase} ${counts}`;
}
