/**
 * The fitted prior of a latent session: a Gaussian mixture over the training split's posterior
 * means (see mixture.ts for why), fitted once per encoding and kept beside it in memory.
 */
import type { Latents } from './encode';
import { fitMixture, type GaussianMixture } from './mixture';
import { Rng } from '../model/rng';
import type { LatentSession } from './session';

/** Components of the mixture: enough for the main modes of a sprite set, few enough to fit in seconds. */
export const FITTED_PRIOR_COMPONENTS = 10;
/** The fit uses at most this many training images (a seeded subset): EM cost grows with the count. */
export const FITTED_PRIOR_MAX_POINTS = 5000;

const fitted = new WeakMap<Latents, GaussianMixture>();

export function fittedPrior(s: Pick<LatentSession, 'latents' | 'dataset'>): GaussianMixture {
  const known = fitted.get(s.latents);
  if (known) return known;
  const train = s.dataset.indicesOf('train');
  const rows = train.length >= 2 ? train : Array.from({ length: s.latents.count }, (_, i) => i);
  const mixture = fitPriorToMeans(s.latents.mu, s.latents.latentDim, rows);
  fitted.set(s.latents, mixture);
  return mixture;
}

/** The mixture over the means of images `rows` (count x J in `mu`), subsampled to the cap. */
export function fitPriorToMeans(mu: Float32Array, J: number, rows: number[]): GaussianMixture {
  const use = rows.length > FITTED_PRIOR_MAX_POINTS ? seededSubset(rows, FITTED_PRIOR_MAX_POINTS, 0) : rows;
  const points = new Float64Array(use.length * J);
  use.forEach((i, r) => points.set(mu.subarray(i * J, (i + 1) * J), r * J));
  return fitMixture(points, use.length, J, { components: FITTED_PRIOR_COMPONENTS, seed: 0 });
}

/** `k` of `items` in their original order, the same for the same seed (partial Fisher-Yates). */
function seededSubset(items: number[], k: number, seed: number): number[] {
  const rng = new Rng(seed);
  const a = items.slice();
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.uniform() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k).sort((x, y) => x - y);
}
