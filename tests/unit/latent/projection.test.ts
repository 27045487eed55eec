import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../../src/latent/linalg';
import { axesProjection, pcaProjection, projectPoints, unprojectPoint } from '../../../src/latent/projection';
import { ELLIPSOID_K, ellipsoidAxes, posteriorEllipsoids, priorEllipsoid, projectedCovariance } from '../../../src/latent/ellipsoids';
import { Rng } from '../../../src/model/rng';

/** A random orthogonal J x J matrix (rows), from Gram-Schmidt on Gaussian vectors. */
function randomRotation(J: number, rng: Rng): Float64Array[] {
  const rows: Float64Array[] = [];
  while (rows.length < J) {
    const v = Float64Array.from(rng.normals(J));
    for (const r of rows) {
      const d = r.reduce((s, x, k) => s + x * v[k], 0);
      for (let k = 0; k < J; k++) v[k] -= d * r[k];
    }
    const n = Math.hypot(...v);
    rows.push(v.map((x) => x / n));
  }
  return rows;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, k) => s + x * b[k], 0);

describe('symmetric eigendecomposition (Jacobi)', () => {
  it('recovers the eigenpairs of Q diag(d) Q^T', () => {
    const J = 12;
    const rng = new Rng(3);
    const Q = randomRotation(J, rng);
    const d = Array.from({ length: J }, (_, i) => J - i + 0.5);
    const A = new Float64Array(J * J);
    for (let a = 0; a < J; a++) for (let b = 0; b < J; b++) for (let k = 0; k < J; k++) A[a * J + b] += Q[k][a] * d[k] * Q[k][b];
    const { values, vectors } = symmetricEigen(A, J);
    for (let k = 0; k < J; k++) {
      expect(values[k]).toBeCloseTo(d[k], 9);
      expect(Math.abs(dot(vectors[k], Q[k]))).toBeCloseTo(1, 9);
    }
  });
});

describe('PCA projection of posterior means', () => {
  // Data with known principal axes: standard normals scaled by sd, then rotated by Q, plus an offset.
  const J = 10;
  const N = 20000;
  const sd = [3, 2, 1.5, 0.5, 0.4, 0.3, 0.2, 0.2, 0.1, 0.1];
  const rng = new Rng(7);
  const Q = randomRotation(J, rng);
  const offset = Array.from({ length: J }, (_, j) => j - 4);
  const data = new Float32Array(N * J);
  for (let i = 0; i < N; i++) {
    const e = rng.normals(J);
    for (let j = 0; j < J; j++) {
      let s = offset[j];
      for (let k = 0; k < J; k++) s += Q[k][j] * sd[k] * e[k];
      data[i * J + j] = s;
    }
  }
  const p = pcaProjection(data, N, J);

  it('finds the generating directions and the centre', () => {
    expect(p.method).toBe('pca');
    for (let r = 0; r < 3; r++) expect(Math.abs(dot(p.components[r], Q[r]))).toBeGreaterThan(0.995);
    for (let j = 0; j < J; j++) expect(p.centre[j]).toBeCloseTo(offset[j], 1);
  });

  it('reports the generating variance shares', () => {
    const total = sd.reduce((s, x) => s + x * x, 0);
    // Sampling error of a variance from 20k draws is about 1%; allow 3.5%.
    for (let r = 0; r < 3; r++) expect(Math.abs(p.explained[r] / ((sd[r] * sd[r]) / total) - 1)).toBeLessThan(0.035);
  });

  it('projects points to y = P (z - m) with the variances along the axes', () => {
    const y = projectPoints(p, data, N);
    for (let r = 0; r < 3; r++) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < N; i++) m += y[i * 3 + r] / N;
      for (let i = 0; i < N; i++) v += (y[i * 3 + r] - m) ** 2 / N;
      expect(m).toBeCloseTo(0, 1);
      expect(Math.sqrt(v)).toBeCloseTo(sd[r], 1);
    }
  });

  it('maps a 3D point back with z = m + P^T y, inverting the projection on the PCA subspace', () => {
    const y = [1.5, -0.7, 2.2];
    const z = unprojectPoint(p, y);
    const back = projectPoints(p, z, 1);
    for (let r = 0; r < 3; r++) expect(back[r]).toBeCloseTo(y[r], 5);
    // And z - m lies in the span of the three components.
    const resid = z.map((v, j) => v - p.centre[j] - p.components.reduce((s, row, r) => s + row[j] * y[r], 0));
    expect(Math.hypot(...resid)).toBeLessThan(1e-9);
  });

  it('is deterministic', () => {
    const again = pcaProjection(data, N, J);
    expect(Array.from(again.components[0])).toEqual(Array.from(p.components[0]));
  });

  it('uses the latent axes directly when J <= 3', () => {
    const two = new Float32Array([1, 2, 3, 5, 5, 8]);
    const q = pcaProjection(two, 3, 2);
    expect(q.method).toBe('axes');
    const y = projectPoints(q, two, 3);
    expect(Array.from(y.slice(0, 3))).toEqual([-2, -3, 0]);
    expect(q.explained[0] + q.explained[1]).toBeCloseTo(1, 9);
  });

  it('uses three chosen dimensions as axes', () => {
    const q = axesProjection(data, N, J, [4, 0, 9]);
    const y = projectPoints(q, data, 1);
    expect(y[0]).toBeCloseTo(data[4] - q.centre[4], 5);
    expect(y[1]).toBeCloseTo(data[0] - q.centre[0], 5);
    expect(() => axesProjection(data, N, J, [0, 1, 10])).toThrow(/dimensions 0 to 9/);
  });
});

describe('posterior ellipsoids', () => {
  const J = 6;
  const rng = new Rng(11);
  const rows = randomRotation(J, rng).slice(0, 3);
  const p = {
    method: 'pca' as const,
    latentDim: J,
    centre: Float64Array.from([0.5, -1, 2, 0, 0.3, 1]),
    components: rows as [Float64Array, Float64Array, Float64Array],
    explained: [0.5, 0.3, 0.1] as [number, number, number],
    axes: null,
  };
  const sigma = [0.2, 1.5, 0.7, 0.05, 1.1, 0.4];
  const mu = [1, 2, -1, 0.5, 0, -2];

  it('matches the covariance of Monte Carlo samples of q(z|x) pushed through P', () => {
    const N = 100_000;
    const zs = new Float32Array(N * J);
    for (let i = 0; i < N; i++) {
      const e = rng.normals(J);
      for (let j = 0; j < J; j++) zs[i * J + j] = mu[j] + sigma[j] * e[j];
    }
    const y = projectPoints(p, zs, N);
    const mean = [0, 1, 2].map((r) => y.filter((_, k) => k % 3 === r).reduce((s, v) => s + v, 0) / N);
    const empirical = new Float64Array(9);
    for (let i = 0; i < N; i++) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) empirical[a * 3 + b] += ((y[i * 3 + a] - mean[a]) * (y[i * 3 + b] - mean[b])) / N;
    const logvar = Float32Array.from(sigma, (s) => Math.log(s * s));
    const axes = posteriorEllipsoids(p, logvar, 1);
    // The ellipsoid matrix A (columns = scaled axes) satisfies A A^T = S.
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        let s = 0;
        for (let c = 0; c < 3; c++) s += axes[c * 3 + a] * axes[c * 3 + b];
        expect(s).toBeCloseTo(empirical[a * 3 + b], 1);
        expect(Math.abs(s - empirical[a * 3 + b])).toBeLessThan(0.02 * Math.max(1, Math.abs(empirical[a * 3 + a])));
      }
  });

  it('gives orthogonal axes whose lengths are sqrt of the eigenvalues of S', () => {
    const S = projectedCovariance(
      p,
      sigma.map((s) => s * s),
    );
    const A = ellipsoidAxes(S);
    const { values } = symmetricEigen(S, 3);
    for (let c = 0; c < 3; c++) {
      const col = A.slice(c * 3, c * 3 + 3);
      expect(Math.hypot(...col)).toBeCloseTo(Math.sqrt(values[c]), 9);
      for (let d = c + 1; d < 3; d++) expect(dot(col, A.slice(d * 3, d * 3 + 3))).toBeCloseTo(0, 9);
    }
    expect(ELLIPSOID_K).toEqual([1, 2, 2.796]);
  });

  it('maps the prior to a unit sphere centred at -P m', () => {
    const prior = priorEllipsoid(p);
    for (let r = 0; r < 3; r++) expect(prior.centre[r]).toBeCloseTo(-dot(rows[r], p.centre), 9);
    for (let c = 0; c < 3; c++) expect(Math.hypot(...prior.axes.slice(c * 3, c * 3 + 3))).toBeCloseTo(1, 9);
  });
});
