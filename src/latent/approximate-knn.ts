/**
 * Approximate k nearest neighbours for large sets, as umap-js finds them for UMAP (and the
 * reference UMAP, pynndescent): a forest of random-projection trees gives each point candidate
 * neighbours (the other points in its leaves), then NN-descent refines them ("a neighbour of a
 * neighbour is likely a neighbour", Dong et al. 2011). Same tree count and iterations as
 * umap-js's own search, through its exported modules, so t-SNE and UMAP scale the same way
 * and the graph is seeded like the rest. It grows slower than exact search's N^2 but costs
 * about k^2 per point, so it pays only for large N (see TSNE_EXACT_KNN_MAX).
 */
import { makeNNDescent } from 'umap-js/dist/nn_descent.js';
import { makeForest, makeLeafArray } from 'umap-js/dist/tree.js';
import { nearestRows } from './neighbours';
import type { KnnGraph } from './tsne';

function euclidean(a: number[], b: number[]): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j] - b[j]) ** 2;
  return Math.sqrt(s);
}

/** umap-js's schedule: 5 + round(sqrt(N) / 20) trees, max(5, round(log2 N)) NN-descent iterations. */
export function nnDescentSchedule(count: number): { trees: number; iterations: number } {
  const round = (v: number) => (v === 0.5 ? 0 : Math.round(v)); // as umap-js rounds
  return { trees: 5 + Math.floor(round(Math.sqrt(count) / 20)), iterations: Math.max(5, Math.floor(Math.round(Math.log2(count)))) };
}

/**
 * Each row's k nearest other rows, approximately (random-projection forest + NN-descent).
 * `random` draws uniforms in [0, 1) (pass a seeded one for repeatable graphs). A row the
 * search leaves short of k neighbours (possible in tiny or degenerate sets) gets an exact search.
 */
export async function approximateKnnGraph(data: Float32Array, count: number, dim: number, k: number, random: () => number): Promise<KnnGraph> {
  const X = Array.from({ length: count }, (_, i) => Array.from(data.subarray(i * dim, (i + 1) * dim)));
  // The search counts each point among its own neighbours: ask for one more and drop it.
  const wanted = Math.min(count, k + 1);
  const { trees, iterations } = nnDescentSchedule(count);
  const forest = makeForest(X, wanted, trees, random);
  const found = makeNNDescent(euclidean, random)(X, makeLeafArray(forest), wanted, iterations);
  const indices = new Int32Array(count * k);
  const distances = new Float32Array(count * k);
  const short: number[] = [];
  for (let i = 0; i < count; i++) {
    let t = 0;
    const row = found.indices[i];
    for (let j = 0; j < row.length && t < k; j++) {
      const other = row[j];
      if (other === i || other < 0) continue;
      indices[i * k + t] = other;
      distances[i * k + t] = found.weights[i][j];
      t++;
    }
    if (t < k) short.push(i);
  }
  for (const i of short) {
    const [exact] = await nearestRows(
      data.subarray(i * dim, (i + 1) * dim),
      1,
      dim,
      count,
      (a, b) => data.subarray(a * dim, b * dim),
      k,
      (_q, j) => j === i,
    );
    indices.set(exact.indices, i * k);
    distances.set(exact.distances, i * k);
  }
  return { k, indices, distances };
}
