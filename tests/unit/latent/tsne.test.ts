import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/model/rng';
import { Octree } from '../../../src/latent/octree';
import { affinities, conditionalAffinities, klDivergence, tsne3d, type KnnGraph } from '../../../src/latent/tsne';

/** Exact kNN by brute force (independent of the engine's matmul version). */
function bruteKnn(x: Float32Array, n: number, dim: number, k: number): KnnGraph {
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const d: { j: number; d: number }[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let c = 0; c < dim; c++) s += (x[i * dim + c] - x[j * dim + c]) ** 2;
      d.push({ j, d: Math.sqrt(s) });
    }
    d.sort((a, b) => a.d - b.d);
    for (let t = 0; t < k; t++) {
      indices[i * k + t] = d[t].j;
      distances[i * k + t] = d[t].d;
    }
  }
  return { k, indices, distances };
}

/** `clusters` well-separated Gaussian blobs in `dim` dimensions. */
function blobs(perCluster: number, clusters: number, dim: number, seed: number) {
  const rng = new Rng(seed);
  const n = perCluster * clusters;
  const x = new Float32Array(n * dim);
  const label = new Int32Array(n);
  const centres = rng.normals(clusters * dim).map((v) => v * 10);
  const noise = rng.normals(n * dim);
  for (let i = 0; i < n; i++) {
    label[i] = i % clusters;
    for (let c = 0; c < dim; c++) x[i * dim + c] = centres[label[i] * dim + c] + noise[i * dim + c];
  }
  return { x, n, label };
}

/** Share of each point's 5 nearest embedded neighbours that share its cluster. */
function neighbourPurity(y: Float32Array, label: Int32Array): number {
  const n = label.length;
  const knn = bruteKnn(y, n, 3, 5);
  let same = 0;
  for (let i = 0; i < n * 5; i++) if (label[knn.indices[i]] === label[Math.floor(i / 5)]) same++;
  return same / (n * 5);
}

describe('Barnes-Hut octree', () => {
  it('gives the exact repulsion and Z at theta = 0, and a close one at theta = 0.5', () => {
    const rng = new Rng(3);
    const n = 300;
    const y = Float64Array.from(rng.normals(n * 3));
    y.set([y[0], y[1], y[2]], 3); // two coincident points
    const tree = new Octree();
    tree.build(y, n);
    const stack = new Int32Array(512);
    for (const i of [0, 1, 7, 150]) {
      let z = 0;
      const exact = [0, 0, 0];
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d = [0, 1, 2].map((c) => y[i * 3 + c] - y[j * 3 + c]);
        const q = 1 / (1 + d[0] ** 2 + d[1] ** 2 + d[2] ** 2);
        z += q;
        for (let c = 0; c < 3; c++) exact[c] += q * q * d[c];
      }
      const f = new Float64Array(3);
      expect(tree.repulsion(y, i, 0, f, stack)).toBeCloseTo(z, 9);
      for (let c = 0; c < 3; c++) expect(f[c]).toBeCloseTo(exact[c], 9);
      const g = new Float64Array(3);
      const zApprox = tree.repulsion(y, i, 0.5, g, stack);
      expect(Math.abs(zApprox - z) / z).toBeLessThan(0.02);
      expect(Math.hypot(g[0] - exact[0], g[1] - exact[1], g[2] - exact[2])).toBeLessThan(0.05 * Math.hypot(...exact) + 1e-3);
    }
  });
});

describe('t-SNE affinities', () => {
  it('calibrates every row to the perplexity, and P is symmetric and sums to 1', () => {
    const { x, n } = blobs(40, 3, 5, 1);
    const perplexity = 10;
    const knn = bruteKnn(x, n, 5, 30);
    const P = affinities(knn, n, perplexity);
    const conditional = conditionalAffinities(knn, n, perplexity);
    for (let i = 0; i < n; i++) {
      const row = Array.from(conditional.subarray(i * 30, (i + 1) * 30));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      const h = -row.reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0);
      expect(h).toBeCloseTo(Math.log(perplexity), 4);
    }
    expect(P.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    const dense = new Map<string, number>();
    for (let i = 0; i < n; i++) for (let e = P.rowStart[i]; e < P.rowStart[i + 1]; e++) dense.set(`${i},${P.cols[e]}`, (dense.get(`${i},${P.cols[e]}`) ?? 0) + P.values[e]);
    for (const [key, v] of dense) {
      const [i, j] = key.split(',');
      expect(dense.get(`${j},${i}`)).toBeCloseTo(v, 12);
    }
  });
});

describe('t-SNE into 3D', () => {
  it('separates clusters, lowers KL(P||Q), and the same seed gives the same map', async () => {
    const { x, n, label } = blobs(50, 4, 8, 2);
    const knn = bruteKnn(x, n, 8, 45);
    const progress: number[] = [];
    const y = await tsne3d(knn, n, { perplexity: 15, iterations: 400, seed: 5, onProgress: (d) => progress.push(d) });
    expect(y).toHaveLength(n * 3);
    expect(progress.at(-1)).toBe(400);
    expect(neighbourPurity(y, label)).toBeGreaterThan(0.97);
    const P = affinities(knn, n, 15);
    const start = Float32Array.from(new Rng(5).normals(n * 3), (v) => v * 1e-4);
    expect(klDivergence(P, y, n)).toBeLessThan(0.5 * klDivergence(P, start, n));
    const again = await tsne3d(knn, n, { perplexity: 15, iterations: 400, seed: 5 });
    expect(Array.from(again)).toEqual(Array.from(y));
    const other = await tsne3d(knn, n, { perplexity: 15, iterations: 400, seed: 6 });
    expect(Array.from(other)).not.toEqual(Array.from(y));
  });

  it('stops with a cancelled error when its signal fires', async () => {
    const { x, n } = blobs(30, 2, 4, 3);
    const controller = new AbortController();
    const run = tsne3d(bruteKnn(x, n, 4, 20), n, { perplexity: 6, iterations: 1000, signal: controller.signal, onProgress: (done) => done >= 50 && controller.abort() });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
  });
});
