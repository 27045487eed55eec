/**
 * New latent vectors (vae-theory.md section 4): samples of the prior N(0, tau^2 I) or of an
 * image's posterior q(z|x), and traversals that sweep one dimension with the others held.
 */
import { AtlasError } from '../errors';
import { Rng } from '../model/rng';
import type { Vector } from './interpolate';

/** z ~ N(0, tau^2 I), seeded. */
export function samplePrior(count: number, latentDim: number, temperature: number, seed: number): Vector[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Array.from(rng.normals(latentDim), (e) => temperature * e));
}

/** z = mu + tau * sigma * eps: q(z|x) of one image (tau = 1), narrowed or widened by tau. */
export function samplePosterior(mu: ArrayLike<number>, logvar: ArrayLike<number>, count: number, temperature: number, seed: number): Vector[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const eps = rng.normals(mu.length);
    return Array.from(mu, (m, j) => m + temperature * Math.exp(0.5 * logvar[j]) * eps[j]);
  });
}

/** `steps` values evenly from -range to range. */
export function sweepValues(steps: number, range: number): number[] {
  return Array.from({ length: steps }, (_, i) => -range + (2 * range * i) / (steps - 1));
}

/** One row per dimension in `dims`: the base vector with that dimension set to each value. */
export function traversal(base: ArrayLike<number>, dims: number[], values: number[]): Vector[] {
  for (const d of dims) if (d >= base.length) throw new AtlasError('invalid_input', `Dimension ${d} does not exist: the model's latent dimensions are 0 to ${base.length - 1}.`);
  const out: Vector[] = [];
  for (const d of dims)
    for (const v of values) {
      const z = Array.from(base);
      z[d] = v;
      out.push(z);
    }
  return out;
}
