/**
 * Posterior ellipsoids in the 3D view (vae-theory.md section 5): q(z|x) = N(mu, diag(sigma^2))
 * pushed through y = P (z - m) has covariance S = P diag(sigma^2) P^T. Its eigenvectors are the
 * ellipsoid's axes and k * sqrt(eigenvalue) their half-lengths.
 */
import { symmetricEigen } from './linalg';
import type { Projection } from './projection';

/** k for the ellipsoids that enclose 19.9%, 73.8% and 95% of a 3D Gaussian's mass. */
export const ELLIPSOID_K = [1, 2, 2.796] as const;

/**
 * A 3 x 3 matrix in column-major order (Three.js Matrix3.fromArray) whose columns are the
 * ellipsoid's axes scaled to the k = 1 half-lengths: the unit sphere times it is the ellipsoid.
 */
export function ellipsoidAxes(cov3: ArrayLike<number>): number[] {
  const { values, vectors } = symmetricEigen(cov3, 3);
  const out: number[] = [];
  for (let c = 0; c < 3; c++) {
    const len = Math.sqrt(Math.max(values[c], 0));
    for (let r = 0; r < 3; r++) out.push(vectors[c][r] * len);
  }
  return out;
}

/** S = P diag(variance) P^T, row-major 3 x 3. */
export function projectedCovariance(p: Projection, variance: ArrayLike<number>, offset = 0): Float64Array {
  const J = p.latentDim;
  const s = new Float64Array(9);
  for (let a = 0; a < 3; a++)
    for (let b = a; b < 3; b++) {
      let sum = 0;
      const ra = p.components[a];
      const rb = p.components[b];
      for (let j = 0; j < J; j++) sum += ra[j] * rb[j] * variance[offset + j];
      s[a * 3 + b] = sum;
      s[b * 3 + a] = sum;
    }
  return s;
}

/** Every image's ellipsoid axes from its log-variance (count x J): Float32 count x 9. */
export function posteriorEllipsoids(p: Projection, logvar: ArrayLike<number>, count: number): Float32Array {
  const J = p.latentDim;
  const out = new Float32Array(count * 9);
  const variance = new Float64Array(J);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < J; j++) variance[j] = Math.exp(logvar[i * J + j]);
    out.set(ellipsoidAxes(projectedCovariance(p, variance)), i * 9);
  }
  return out;
}

/** The prior N(0, I) under the same map: centre -P m, covariance P P^T. */
export function priorEllipsoid(p: Projection): { centre: [number, number, number]; axes: number[] } {
  const centre = [0, 1, 2].map((r) => {
    let s = 0;
    for (let j = 0; j < p.latentDim; j++) s -= p.components[r][j] * p.centre[j];
    return s;
  }) as [number, number, number];
  return { centre, axes: ellipsoidAxes(projectedCovariance(p, new Float64Array(p.latentDim).fill(1))) };
}
