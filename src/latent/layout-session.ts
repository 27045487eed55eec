/**
 * A run's nonlinear layout of its dataset: from the cache when the model, data, method and
 * seed match, else computed from the session's posterior means and stored.
 */
import type { LatentSession } from './session';
import { readLayout, writeLayout, type LayoutKey } from './layout-cache';
import { computeLayout, placeAmong, UMAP_DEFAULTS, type LayoutOptions, type NonlinearLayout } from './layouts';
import { TSNE_DEFAULTS } from './tsne';

export interface SessionLayout {
  method: NonlinearLayout;
  seed: number;
  /** count x 3. */
  points: Float32Array;
  cached: boolean;
  /** Seconds the computation took (when cached: when it ran). */
  seconds: number;
}

export function layoutKey(s: LatentSession, method: NonlinearLayout, seed: number): LayoutKey {
  const params: Record<string, number> = method === 'umap' ? { ...UMAP_DEFAULTS } : { perplexity: TSNE_DEFAULTS.perplexity, iterations: TSNE_DEFAULTS.iterations, theta: TSNE_DEFAULTS.theta };
  return { modelKey: s.run.modelKey, datasetHash: s.dataset.index.datasetHash, count: s.latents.count, latentDim: s.latents.latentDim, method, seed, params };
}

export async function sessionLayout(s: LatentSession, runDir: string, method: NonlinearLayout, opts: LayoutOptions): Promise<SessionLayout> {
  const key = layoutKey(s, method, opts.seed);
  const stored = await readLayout(runDir, key);
  if (stored) return { method, seed: opts.seed, points: stored.points, cached: true, seconds: stored.seconds };
  const started = performance.now();
  const { mu, count, latentDim } = s.latents;
  const points = await computeLayout(method, mu, count, latentDim, opts);
  const seconds = (performance.now() - started) / 1000;
  await writeLayout(runDir, key, { points, seconds });
  return { method, seed: opts.seed, points, cached: false, seconds };
}

/** Latent vectors (row after row) placed in a layout among their nearest images. */
export function placeInLayout(s: LatentSession, layout: SessionLayout, z: Float32Array, queries: number): Promise<Float32Array> {
  const { mu, count, latentDim } = s.latents;
  return placeAmong(z, queries, mu, count, latentDim, layout.points);
}
