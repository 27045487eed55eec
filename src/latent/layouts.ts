/**
 * Nonlinear 3D layouts of the posterior means: UMAP (umap-js) and t-SNE (./tsne), both over
 * the k-nearest-neighbour graph, exact up to a threshold (./neighbours, batched matmuls) and
 * approximate above it (random-projection trees + NN-descent), both seeded so the same model,
 * data and seed give the same map. Unlike PCA they have no inverse and no honest image
 * of a Gaussian: the view hides ellipsoids and the prior under them, and a new latent vector
 * (a path frame, a sample) is placed among its nearest images (placeAmong).
 */
import { UMAP } from 'umap-js';
import { AtlasError, throwIfCancelled } from '../errors';
import { Rng } from '../model/rng';
import { approximateKnnGraph } from './approximate-knn';
import { nearestRows } from './neighbours';
import { neighboursForPerplexity, TSNE_DEFAULTS, tsne3d, type KnnGraph } from './tsne';

export type NonlinearLayout = 'umap' | 'tsne';

export const UMAP_DEFAULTS = { neighbours: 15, minDist: 0.1 } as const;

/** Layouts are scaled to this RMS distance from their centre, so the camera and sprite sizes suit every map. */
export const LAYOUT_RMS_RADIUS = 2;

export interface LayoutProgress {
  /** 'neighbours' while the kNN graph is built, then 'optimising'. */
  stage: 'neighbours' | 'optimising';
  done: number;
  total: number;
}

export interface LayoutOptions {
  seed: number;
  signal?: AbortSignal;
  onProgress?: (p: LayoutProgress) => void;
  /** Above this many images the kNN graph is approximate (default EXACT_KNN_MAX for UMAP, TSNE_EXACT_KNN_MAX for t-SNE; tests and benches lower it). */
  exactKnnMax?: number;
}

/**
 * Up to this many images UMAP gets the exact kNN graph (batched matmuls, cancellable between
 * blocks); above it, exact search grows as N^2 (about 25 min at 100k here), so umap-js builds
 * its own approximate graph (random-projection trees + NN-descent, seeded like the rest), as
 * the reference UMAP does.
 */
export const EXACT_KNN_MAX = 20_000;

/**
 * The same for t-SNE, whose graph is 6 times wider (k = 3 x perplexity = 90): NN-descent's cost
 * grows with k^2 where exact search's does not, so on the layouts bench (wasm, 2 cores, latent
 * 16) exact search stayed the faster up to 50k (5.2 s vs 7.1 s at 10k, 50 s vs 98 s at 50k;
 * recall of the approximate graph 0.996 and 0.998). Above 50k (not measured) exact search's
 * N^2 takes over, so t-SNE uses ./approximate-knn there.
 */
export const TSNE_EXACT_KNN_MAX = 50_000;

/** Rows of queries per block for the kNN graph: the distance block stays near 8M floats. */
const QUERY_BLOCK = 2048;

/** Each row's k nearest other rows (exact, Euclidean). */
export async function knnGraph(data: Float32Array, count: number, dim: number, k: number, opts: Omit<LayoutOptions, 'seed'> = {}): Promise<KnnGraph> {
  const indices = new Int32Array(count * k);
  const distances = new Float32Array(count * k);
  const rows = (a: number, b: number) => data.subarray(a * dim, b * dim);
  for (let start = 0; start < count; start += QUERY_BLOCK) {
    throwIfCancelled(opts.signal);
    const end = Math.min(count, start + QUERY_BLOCK);
    const found = await nearestRows(data.subarray(start * dim, end * dim), end - start, dim, count, rows, k, (q, i) => q + start === i);
    found.forEach((f, q) => {
      for (let j = 0; j < k; j++) {
        indices[(start + q) * k + j] = f.indices[j];
        distances[(start + q) * k + j] = f.distances[j];
      }
    });
    opts.onProgress?.({ stage: 'neighbours', done: end, total: count });
  }
  return { k, indices, distances };
}

/** Centre and scale count x 3 points to RMS radius LAYOUT_RMS_RADIUS (in place). */
export function normaliseLayout(points: Float32Array): Float32Array {
  const n = points.length / 3;
  if (n === 0) return points;
  const mean = [0, 0, 0];
  for (let i = 0; i < n * 3; i++) mean[i % 3] += points[i] / n;
  let ss = 0;
  for (let i = 0; i < n * 3; i++) ss += (points[i] - mean[i % 3]) ** 2;
  const rms = Math.sqrt(ss / n);
  const scale = rms > 0 ? LAYOUT_RMS_RADIUS / rms : 1;
  for (let i = 0; i < n * 3; i++) points[i] = (points[i] - mean[i % 3]) * scale;
  return points;
}

function checkCount(method: NonlinearLayout, count: number): void {
  if (count < 4) throw new AtlasError('invalid_input', `${method === 'umap' ? 'UMAP' : 't-SNE'} needs at least 4 images to lay out; this dataset has ${count}. Use PCA, or import more images.`);
}

/** UMAP of count x dim rows into 3D (umap-js over the exact kNN graph). */
export async function umapLayout(data: Float32Array, count: number, dim: number, opts: LayoutOptions): Promise<Float32Array> {
  checkCount('umap', count);
  // UMAP's neighbourhoods count the point itself (as in the reference implementation).
  const k = Math.min(UMAP_DEFAULTS.neighbours, count - 1);
  const rng = new Rng(opts.seed);
  const umap = new UMAP({ nComponents: 3, nNeighbors: k, minDist: UMAP_DEFAULTS.minDist, random: () => rng.uniform() });
  const exact = count <= (opts.exactKnnMax ?? EXACT_KNN_MAX);
  if (exact) {
    const knn = await knnGraph(data, count, dim, k - 1, opts);
    // umap-js wants the graph as arrays of rows; X is then only read for its length.
    const row = <T extends Int32Array | Float32Array>(a: T, i: number, self: number) => [self, ...Array.from(a.subarray(i * (k - 1), (i + 1) * (k - 1)))];
    umap.setPrecomputedKNN(
      Array.from({ length: count }, (_, i) => row(knn.indices, i, i)),
      Array.from({ length: count }, (_, i) => row(knn.distances, i, 0)),
    );
  } else {
    opts.onProgress?.({ stage: 'neighbours', done: 0, total: count });
    await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfCancelled(opts.signal);
  }
  const X = Array.from({ length: count }, (_, i) => Array.from(data.subarray(i * dim, (i + 1) * dim)));
  // Above EXACT_KNN_MAX this runs umap-js's approximate neighbour search (synchronous: a
  // cancel takes effect when it ends).
  const epochs = umap.initializeFit(X);
  if (!exact) opts.onProgress?.({ stage: 'neighbours', done: count, total: count });
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if (e % 5 === 4 || e === epochs - 1) {
      opts.onProgress?.({ stage: 'optimising', done: e + 1, total: epochs });
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfCancelled(opts.signal);
    }
  }
  return normaliseLayout(Float32Array.from(umap.getEmbedding().flat()));
}

/** Barnes-Hut t-SNE of count x dim rows into 3D at perplexity 30 (less for tiny sets). */
export async function tsneLayout(data: Float32Array, count: number, dim: number, opts: LayoutOptions): Promise<Float32Array> {
  checkCount('tsne', count);
  const perplexity = Math.min(TSNE_DEFAULTS.perplexity, (count - 1) / 3);
  const k = neighboursForPerplexity(perplexity, count);
  let knn: KnnGraph;
  if (count <= (opts.exactKnnMax ?? TSNE_EXACT_KNN_MAX)) knn = await knnGraph(data, count, dim, k, opts);
  else {
    // Synchronous (a cancel takes effect when it ends), like umap-js's own search.
    opts.onProgress?.({ stage: 'neighbours', done: 0, total: count });
    await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfCancelled(opts.signal);
    const rng = new Rng(opts.seed);
    knn = await approximateKnnGraph(data, count, dim, k, () => rng.uniform());
    opts.onProgress?.({ stage: 'neighbours', done: count, total: count });
    throwIfCancelled(opts.signal);
  }
  const y = await tsne3d(knn, count, {
    perplexity,
    seed: opts.seed,
    signal: opts.signal,
    onProgress: (done, total) => opts.onProgress?.({ stage: 'optimising', done, total }),
  });
  return normaliseLayout(y);
}

export function computeLayout(method: NonlinearLayout, data: Float32Array, count: number, dim: number, opts: LayoutOptions): Promise<Float32Array> {
  return method === 'umap' ? umapLayout(data, count, dim, opts) : tsneLayout(data, count, dim, opts);
}

/**
 * Where new latent vectors go in a nonlinear layout: the inverse-distance weighted mean of
 * the layout positions of their k nearest images (there is no map to apply, only neighbours).
 */
export async function placeAmong(z: Float32Array, queries: number, mu: Float32Array, count: number, dim: number, layout: Float32Array, k = 8): Promise<Float32Array> {
  const kk = Math.min(k, count);
  const found = await nearestRows(z, queries, dim, count, (a, b) => mu.subarray(a * dim, b * dim), kk);
  const out = new Float32Array(queries * 3);
  found.forEach((f, q) => {
    // An exact hit takes that image's place (weights 1/d would blow up).
    const hit = f.distances.findIndex((d) => d < 1e-6);
    if (hit >= 0) {
      for (let c = 0; c < 3; c++) out[q * 3 + c] = layout[f.indices[hit] * 3 + c];
      return;
    }
    let wsum = 0;
    f.indices.forEach((i, j) => {
      const w = 1 / f.distances[j];
      wsum += w;
      for (let c = 0; c < 3; c++) out[q * 3 + c] += w * layout[i * 3 + c];
    });
    for (let c = 0; c < 3; c++) out[q * 3 + c] /= wsum;
  });
  return out;
}
