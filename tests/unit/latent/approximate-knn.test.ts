import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/choose';
import { approximateKnnGraph, nnDescentSchedule } from '../../../src/latent/approximate-knn';
import { knnGraph, LAYOUT_RMS_RADIUS, tsneLayout, type LayoutProgress } from '../../../src/latent/layouts';
import { Rng } from '../../../src/model/rng';

/**
 * The approximate kNN graph (random-projection forest + NN-descent, as umap-js searches) that
 * t-SNE uses above TSNE_EXACT_KNN_MAX images: its recall against exact search, its seeding, and a
 * t-SNE over it that still separates clusters.
 */
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

/** `clusters` Gaussian blobs (unit spread, centres spread by `gap`) in `dim` dimensions; row i is in cluster i % clusters. */
function blobs(perCluster: number, clusters: number, dim: number, seed: number, gap = 6) {
  const rng = new Rng(seed);
  const n = perCluster * clusters;
  const x = new Float32Array(n * dim);
  const centres = rng.normals(clusters * dim).map((v) => v * gap);
  const noise = rng.normals(n * dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) x[i * dim + c] = centres[(i % clusters) * dim + c] + noise[i * dim + c];
  return { x, n };
}

/** Share of the exact k nearest neighbours that the approximate graph also found, over all rows. */
function recall(exact: { k: number; indices: Int32Array }, approx: { k: number; indices: Int32Array }, n: number): number {
  const k = exact.k;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const found = new Set(approx.indices.subarray(i * k, (i + 1) * k));
    for (let t = 0; t < k; t++) if (found.has(exact.indices[i * k + t])) hits++;
  }
  return hits / (n * k);
}

describe('approximate kNN graph', () => {
  it('finds at least 90% of the exact 15 nearest neighbours of 3,000 clustered points, never the point itself, in order', async () => {
    const { x, n } = blobs(300, 10, 8, 1);
    const rng = new Rng(4);
    const approx = await approximateKnnGraph(x, n, 8, 15, () => rng.uniform());
    const exact = await knnGraph(x, n, 8, 15);
    const r = recall(exact, approx, n);
    console.log(JSON.stringify({ test: 'approximate-knn-recall', n, k: 15, recall: r, ...nnDescentSchedule(n) }));
    expect(r).toBeGreaterThanOrEqual(0.9);
    for (let i = 0; i < n; i++) {
      const row = Array.from(approx.indices.subarray(i * 15, (i + 1) * 15));
      expect(row).not.toContain(i);
      expect(new Set(row).size).toBe(15);
      const d = approx.distances.subarray(i * 15, (i + 1) * 15);
      for (let t = 1; t < 15; t++) expect(d[t]).toBeGreaterThanOrEqual(d[t - 1]);
    }
    // Each distance is the true Euclidean distance to the neighbour named.
    for (const i of [0, 1234, n - 1]) {
      const j = approx.indices[i * 15 + 3];
      const true_ = Math.hypot(...Array.from({ length: 8 }, (_, c) => x[i * 8 + c] - x[j * 8 + c]));
      expect(approx.distances[i * 15 + 3]).toBeCloseTo(true_, 4);
    }
  }, 120_000);

  it('is seeded: the same random stream gives the same graph', async () => {
    const { x, n } = blobs(100, 4, 6, 2);
    const graph = (seed: number) => {
      const rng = new Rng(seed);
      return approximateKnnGraph(x, n, 6, 10, () => rng.uniform());
    };
    const [a, b] = [await graph(3), await graph(3)];
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
  });

  it('on a tiny set (6 points, k = 5) gives every other point, as exact search does', async () => {
    const { x, n } = blobs(3, 2, 4, 5);
    const rng = new Rng(1);
    const approx = await approximateKnnGraph(x, n, 4, n - 1, () => rng.uniform());
    const exact = await knnGraph(x, n, 4, n - 1);
    expect(recall(exact, approx, n)).toBe(1);
  });
});

describe('t-SNE above the exact-kNN threshold', () => {
  it('uses the approximate graph (threshold lowered for the test) and still separates the clusters', async () => {
    const { x, n } = blobs(150, 4, 8, 6, 10);
    const progress: LayoutProgress[] = [];
    const y = await tsneLayout(x, n, 8, { seed: 2, exactKnnMax: 100, onProgress: (p) => progress.push(p) });
    // The approximate search reports its start and end; exact search reports per block of queries only.
    expect(progress.filter((p) => p.stage === 'neighbours').map((p) => p.done)).toEqual([0, n]);
    expect(Math.sqrt(y.reduce((s, v) => s + v * v, 0) / n)).toBeCloseTo(LAYOUT_RMS_RADIUS, 3);
    // Every point's 5 nearest neighbours in the map come from its own cluster.
    const knn = await knnGraph(y, n, 3, 5);
    let same = 0;
    for (let i = 0; i < n * 5; i++) if (knn.indices[i] % 4 === Math.floor(i / 5) % 4) same++;
    expect(same / (n * 5)).toBeGreaterThan(0.97);
  }, 120_000);
});
