/**
 * The Interpolate panel's state: endpoints A and B (picked in the 3D view or by index),
 * method and frame count, one result per method (frames, 3D path, image-space lengths), the
 * frame scrubber and playback.
 */
import { PIXEL_ART_COLORS, type InterpolateSpecIn, type LatentPathResult } from '../../src/contract';
import type { TrainedRun } from './app-state.svelte';
import type { Bridge } from './bridge';
import { describeError, isCancelled, type ShownError } from './errors';
import { base64ToF32, stripUrl, type ShownStrip } from './explore-strip';
import { finishSpec, revokeShown } from './generate.svelte';
import type { LatentView } from './latent-view.svelte';
import type { Tasks } from './tasks.svelte';

export type Method = 'linear' | 'slerp' | 'geodesic';
export const METHODS: Method[] = ['linear', 'slerp', 'geodesic'];

export interface PathShown {
  result: LatentPathResult;
  strip: ShownStrip;
  /** The pixel-art finished frames, when finishing was on for this run. */
  finished: ShownStrip | null;
  points: Float32Array;
  spec: InterpolateSpecIn;
}

export function createInterpolation(bridge: Bridge, tasks: Tasks, view: LatentView, run: () => TrainedRun | null) {
  const s = $state({
    a: null as number | null,
    b: null as number | null,
    method: 'slerp' as Method,
    frames: 16,
    /** Hierarchical model: the detail layer re-inferred from A and B ('endpoints') or redrawn from the prior. */
    detail: 'endpoints' as 'endpoints' | 'prior',
    shown: 'slerp' as Method,
    frame: 0,
    playing: false,
    running: null as Method | null,
    /** Pixel-art finishing of the frames (off by default) and its palette size. */
    pixelArt: false,
    pixelColors: PIXEL_ART_COLORS.default as number,
    error: null as ShownError | null,
  });
  const results = $state<Partial<Record<Method, PathShown>>>({});
  let timer: ReturnType<typeof setInterval> | null = null;
  let controller: AbortController | null = null;

  const stop = () => {
    if (timer) clearInterval(timer);
    timer = null;
    s.playing = false;
  };

  const clearResults = () => {
    stop();
    for (const m of METHODS) {
      revokeShown(results[m]);
      delete results[m];
      view.paths.removePath(m);
    }
    view.scene?.invalidate();
  };

  return {
    state: s,
    results,
    /** A click in the 3D view: fills A, then B, then starts over at A. */
    pick(index: number) {
      if (s.a === null || (s.a !== null && s.b !== null)) {
        if (s.b !== null) s.b = null;
        s.a = index;
      } else s.b = index;
      clearResults();
    },
    setEnd(which: 'a' | 'b', index: number | null) {
      s[which] = index;
      clearResults();
    },
    swap() {
      [s.a, s.b] = [s.b, s.a];
      clearResults();
    },
    get current(): PathShown | null {
      return results[s.shown] ?? null;
    },
    async run(method: Method = s.method) {
      const r = run();
      if (!r || s.a === null || s.b === null) return;
      controller?.abort();
      const ours = (controller = new AbortController());
      s.running = method;
      s.error = null;
      const spec: InterpolateSpecIn = {
        runDir: r.runDir,
        dataset: r.dataset,
        waypoints: [{ index: s.a }, { index: s.b }],
        method,
        frames: s.frames,
        lower: s.detail,
        ...finishSpec(s.pixelArt, s.pixelColors),
      };
      const task = tasks.start(`Interpolating (${method})`, () => ours.abort());
      try {
        const result = await bridge.call('latent.interpolate', spec, {
          signal: ours.signal,
          onProgress: (p) => task.update(p.total ? p.done / p.total : null, p.message ?? ''),
        });
        // Reset meanwhile (another model or dataset): this path belongs to the old one.
        if (ours.signal.aborted) return;
        revokeShown(results[method]);
        // Placed under the view's layout (UMAP/t-SNE put the frames among their nearest images).
        const points = await view.showPath(method, result.z).catch(() => base64ToF32(result.points));
        results[method] = { result, strip: stripUrl(result.strip), finished: result.finished ? stripUrl(result.finished.strip) : null, points, spec };
        stop();
        s.shown = method;
        s.frame = 0;
      } catch (err) {
        if (!isCancelled(err)) s.error = describeError(err);
      } finally {
        task.end();
        if (controller === ours) controller = null;
        if (s.running === method) s.running = null;
      }
    },
    togglePlay() {
      if (s.playing) return stop();
      const shown = results[s.shown];
      if (!shown) return;
      s.playing = true;
      timer = setInterval(() => {
        const n = results[s.shown]?.strip.count ?? 1;
        s.frame = (s.frame + 1) % n;
      }, 110);
    },
    stop,
    clear: clearResults,
    /**
     * Another model: its paths and frames go. Another dataset: the ends A and B go too (their
     * indices named images that are no longer there).
     */
    reset(scope: 'model' | 'dataset') {
      controller?.abort();
      controller = null;
      clearResults();
      s.running = null;
      s.error = null;
      s.frame = 0;
      if (scope === 'dataset') {
        s.a = null;
        s.b = null;
      }
    },
  };
}

export type Interpolation = ReturnType<typeof createInterpolation>;
