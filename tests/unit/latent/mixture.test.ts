import { describe, expect, it } from 'vitest';
import { cholesky, fitMixture, gaussianLogDensity, mixtureFit, mixtureLogDensity, sampleMixture } from '../../../src/latent/mixture';
import { runCancellable } from '../../../src/latent/stepwise';
import { fitPriorToMeans } from '../../../src/latent/fitted-prior';
import { Rng } from '../../../src/model/rng';

/** count points of dim values: N(mean, sd^2 I) per cluster, row-major, seeded. */
function clusters(specs: { n: number; mean: number[]; sd: number }[], seed = 1): { x: Float64Array; count: number; dim: number } {
  const rng = new Rng(seed);
  const dim = specs[0].mean.length;
  const count = specs.reduce((s, c) => s + c.n, 0);
  const x = new Float64Array(count * dim);
  let r = 0;
  for (const c of specs)
    for (let i = 0; i < c.n; i++, r++) {
      const e = rng.normals(dim);
      for (let j = 0; j < dim; j++) x[r * dim + j] = c.mean[j] + c.sd * e[j];
    }
  return { x, count, dim };
}

const covOf = (l: Float64Array, n: number) =>
  Array.from({ length: n * n }, (_, k) => {
    const i = Math.floor(k / n);
    const j = k % n;
    let s = 0;
    for (let t = 0; t < n; t++) s += l[i * n + t] * l[j * n + t];
    return s;
  });

describe('Gaussian helpers', () => {
  it('factors a 2x2 SPD matrix as the hand-computed Cholesky factor', () => {
    const l = cholesky([4, 2, 2, 3], 2);
    expect(l[0]).toBeCloseTo(2, 12);
    expect(l[1]).toBe(0);
    expect(l[2]).toBeCloseTo(1, 12);
    expect(l[3]).toBeCloseTo(Math.SQRT2, 12);
    expect(() => cholesky([1, 2, 2, 1], 2)).toThrow(/not positive definite/);
  });

  it('log-density matches the 1-D closed form and the 2-D one with an explicit inverse', () => {
    const s = 1.7;
    const want1 = -0.5 * Math.log(2 * Math.PI) - Math.log(s) - (0.4 - -0.3) ** 2 / (2 * s * s);
    expect(gaussianLogDensity([0.4], [-0.3], Float64Array.of(s), 1)).toBeCloseTo(want1, 12);
    // Sigma = [[4, 2], [2, 3]]: det 8, inverse [[3, -2], [-2, 4]] / 8.
    const d = [1.5, -0.5];
    const quad = (3 * d[0] * d[0] - 4 * d[0] * d[1] + 4 * d[1] * d[1]) / 8;
    const want2 = -Math.log(2 * Math.PI) - 0.5 * Math.log(8) - 0.5 * quad;
    expect(gaussianLogDensity([2.5, 0.5], [1, 1], cholesky([4, 2, 2, 3], 2), 2)).toBeCloseTo(want2, 12);
  });
});

describe('fitMixture', () => {
  it('with one component is the maximum-likelihood Gaussian: sample mean, ML covariance, closed-form likelihood', () => {
    const { x, count, dim } = clusters([{ n: 400, mean: [1, -2, 0.5], sd: 0.7 }]);
    const m = fitMixture(x, count, dim, { components: 1, ridge: 0 });
    const mean = [0, 1, 2].map((j) => Array.from({ length: count }, (_, i) => x[i * dim + j]).reduce((a, b) => a + b) / count);
    m.means[0].forEach((v, j) => expect(v).toBeCloseTo(mean[j], 10));
    const cov = covOf(m.choleskys[0], dim);
    for (let a = 0; a < dim; a++)
      for (let b = 0; b < dim; b++) {
        let s = 0;
        for (let i = 0; i < count; i++) s += (x[i * dim + a] - mean[a]) * (x[i * dim + b] - mean[b]);
        expect(cov[a * dim + b]).toBeCloseTo(s / count, 10);
      }
    // At the ML fit the mean Mahalanobis distance is exactly dim, so the mean log-likelihood is
    // -dim/2 (1 + log 2 pi) - 1/2 log det Sigma.
    let logDet = 0;
    for (let i = 0; i < dim; i++) logDet += 2 * Math.log(m.choleskys[0][i * dim + i]);
    expect(m.logLikelihood).toBeCloseTo(-0.5 * dim * (1 + Math.log(2 * Math.PI)) - 0.5 * logDet, 9);
    expect(m.weights[0]).toBe(1);
  });

  it('finds two well-separated clusters with their shares and means', () => {
    const { x, count, dim } = clusters([
      { n: 300, mean: [10, 0], sd: 1 },
      { n: 100, mean: [-10, 5], sd: 0.5 },
    ]);
    const m = fitMixture(x, count, dim, { components: 2, seed: 3 });
    const order = m.means[0][0] > 0 ? [0, 1] : [1, 0];
    expect(m.weights[order[0]]).toBeCloseTo(0.75, 6);
    expect(m.weights[order[1]]).toBeCloseTo(0.25, 6);
    const meanOf = (from: number, to: number, j: number) => Array.from({ length: to - from }, (_, i) => x[(from + i) * dim + j]).reduce((a, b) => a + b) / (to - from);
    expect(m.means[order[0]][0]).toBeCloseTo(meanOf(0, 300, 0), 6);
    expect(m.means[order[1]][1]).toBeCloseTo(meanOf(300, 400, 1), 6);
    // A point between the clusters is far less likely than one at a cluster centre.
    expect(mixtureLogDensity(m, [0, 2.5])).toBeLessThan(mixtureLogDensity(m, [10, 0]) - 20);
  });

  it('keeps the weighted component means equal to the data mean (an EM identity), and is deterministic per seed', () => {
    const { x, count, dim } = clusters(
      [
        { n: 120, mean: [0, 0, 0, 0], sd: 1 },
        { n: 80, mean: [3, 1, -2, 0], sd: 0.6 },
      ],
      4,
    );
    const a = fitMixture(x, count, dim, { components: 5, seed: 9 });
    const b = fitMixture(x, count, dim, { components: 5, seed: 9 });
    expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
    for (let j = 0; j < dim; j++) {
      let want = 0;
      for (let i = 0; i < count; i++) want += x[i * dim + j];
      const got = a.means.reduce((s, mu, k) => s + a.weights[k] * mu[j], 0);
      expect(got).toBeCloseTo(want / count, 8);
    }
    expect(a.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
  });

  it('caps the component count by the data (dim + 1 points each) and refuses fewer than two points', () => {
    const { x, count, dim } = clusters([{ n: 20, mean: [0, 0, 0], sd: 1 }]);
    expect(fitMixture(x, count, dim, { components: 10 }).means.length).toBeLessThanOrEqual(5);
    expect(() => fitMixture([1, 2], 1, 2)).toThrow(/at least 2 encoded images/);
  });
});

describe('sampleMixture', () => {
  it('draws with the component shares, mean and covariance; temperature 0 gives the means', () => {
    const { x, count, dim } = clusters([
      { n: 300, mean: [6, 0], sd: 1 },
      { n: 100, mean: [-6, 0], sd: 0.5 },
    ]);
    const m = fitMixture(x, count, dim, { components: 2, seed: 1 });
    const N = 20000;
    const z = sampleMixture(m, N, 1, 7);
    const right = z.filter((v) => v[0] > 0);
    const k = m.means[0][0] > 0 ? 0 : 1;
    // Share within 4 binomial standard errors.
    expect(Math.abs(right.length / N - m.weights[k])).toBeLessThan(4 * Math.sqrt(0.25 / N));
    const mean = right.reduce((s, v) => s + v[1], 0) / right.length;
    const variance = right.reduce((s, v) => s + (v[1] - mean) ** 2, 0) / right.length;
    const want = covOf(m.choleskys[k], 2)[3];
    expect(Math.abs(mean - m.means[k][1])).toBeLessThan(4 * Math.sqrt(want / right.length));
    expect(variance / want).toBeGreaterThan(0.95);
    expect(variance / want).toBeLessThan(1.05);
    const cold = sampleMixture(m, 50, 0, 2);
    for (const v of cold) expect(m.means.some((mu) => mu.every((c, j) => c === v[j]))).toBe(true);
    expect(sampleMixture(m, 5, 1, 3)).toEqual(sampleMixture(m, 5, 1, 3));
  });
});

describe('fitPriorToMeans', () => {
  it('fits the rows it is given and only them', () => {
    const J = 2;
    const mu = new Float32Array(6 * J);
    // Rows 0-3 near (1, 1); rows 4-5 far away and not in the training rows.
    [
      [1, 1],
      [1.2, 0.9],
      [0.8, 1.1],
      [1, 1.05],
      [50, 50],
      [60, 60],
    ].forEach((v, i) => mu.set(v, i * J));
    const m = fitPriorToMeans(mu, J, [0, 1, 2, 3]);
    const mean = m.means.reduce((s, c, k) => s.map((v, j) => v + m.weights[k] * c[j]), [0, 0]);
    expect(mean[0]).toBeCloseTo(1, 5);
    expect(mean[1]).toBeCloseTo(1.0125, 5);
  });
});

describe('mixtureFit step by step (the engine runs it cancellable)', () => {
  const { x, count, dim } = clusters(
    [
      { n: 150, mean: [0, 0, 0], sd: 1 },
      { n: 150, mean: [2, -1, 1], sd: 0.8 },
    ],
    6,
  );
  // Tolerance below zero: EM never stops early, so only the cap or a cancel ends it.
  const opts = { components: 4, seed: 2, maxIterations: 40, tolerance: -Infinity };

  it('reports every EM iteration and gives the same mixture as fitMixture', async () => {
    const steps: number[] = [];
    const m = await runCancellable(mixtureFit(x, count, dim, opts), { onStep: (s) => steps.push(s.done) });
    expect(steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const direct = fitMixture(x, count, dim, opts);
    expect(m.iterations).toBe(40);
    expect(Array.from(m.weights)).toEqual(Array.from(direct.weights));
    expect(m.logLikelihood).toBe(direct.logLikelihood);
  });

  it('a cancel after iteration 3 ends the fit there with a cancelled error', async () => {
    const controller = new AbortController();
    const steps: number[] = [];
    const run = runCancellable(mixtureFit(x, count, dim, opts), {
      signal: controller.signal,
      onStep: (s) => {
        steps.push(s.done);
        if (s.done === 3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(steps).toEqual([1, 2, 3]);
  });
});
