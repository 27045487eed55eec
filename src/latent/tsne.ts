/**
 * Barnes-Hut t-SNE into 3D (van der Maaten 2014), written here because the npm t-SNE
 * packages (tsne-js, @keckelt/tsne: ports of karpathy's tsnejs) are exact O(N^2) in time and
 * memory: 10k images need a 10^8-entry P matrix (800 MB) and minutes per hundred steps.
 *
 * P: Gaussian affinities over each image's k = 3 * perplexity nearest neighbours, each row's
 * bandwidth found by bisection so its entropy is log(perplexity), then symmetrised
 * (p_ij = (p_j|i + p_i|j) / 2N). Q: Student-t, q_ij = (1 + |y_i - y_j|^2)^-1 / Z. Gradient:
 *   dC/dy_i = 4 [ sum_j p_ij (1 + d_ij^2)^-1 (y_i - y_j)  -  sum_j q_ij^2 Z (y_i - y_j) ]
 * the first (sparse) term exact, the second through an octree. Optimiser as in the reference
 * implementation: early exaggeration 12 for 250 steps, momentum 0.5 then 0.8, per-coordinate
 * gains; learning rate N / 12 (Belkina et al. 2019), at least 50.
 */
import { Rng } from '../model/rng';
import { throwIfCancelled } from '../errors';
import { Octree } from './octree';

/** Each image's k nearest other images: indices and Euclidean distances, row after row. */
export interface KnnGraph {
  k: number;
  indices: Int32Array;
  distances: Float32Array;
}

/** Symmetric sparse P in compressed rows; a pair may appear twice (its two halves), which sums the same. */
export interface SparseAffinities {
  rowStart: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

export interface TsneOptions {
  perplexity?: number;
  iterations?: number;
  exaggerationIterations?: number;
  exaggeration?: number;
  theta?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Called every few iterations; the run yields to the event loop then, so a cancel can arrive. */
  onProgress?: (done: number, total: number) => void;
}

export const TSNE_DEFAULTS = { perplexity: 30, iterations: 750, exaggerationIterations: 250, exaggeration: 12, theta: 0.5 } as const;

/** Neighbours to keep per image for a perplexity (the reference implementation's 3u). */
export function neighboursForPerplexity(perplexity: number, count: number): number {
  return Math.max(1, Math.min(count - 1, Math.floor(3 * perplexity)));
}

/** Conditional p_j|i over each row's k neighbours (count x k), each row of entropy log(perplexity) (natural log). */
export function conditionalAffinities(knn: KnnGraph, count: number, perplexity: number): Float64Array {
  const { k, distances } = knn;
  const target = Math.log(Math.min(perplexity, k));
  const conditional = new Float64Array(count * k);
  const row = new Float64Array(k);
  for (let i = 0; i < count; i++) {
    // Distances relative to the nearest keep exp() finite for far-apart data.
    let dmin = Infinity;
    for (let j = 0; j < k; j++) dmin = Math.min(dmin, distances[i * k + j] ** 2);
    let beta = 1;
    let lo = 0;
    let hi = Infinity;
    for (let step = 0; step < 200; step++) {
      let sum = 0;
      let weighted = 0;
      for (let j = 0; j < k; j++) {
        const d = distances[i * k + j] ** 2 - dmin;
        row[j] = Math.exp(-beta * d);
        sum += row[j];
        weighted += d * row[j];
      }
      // H = log(sum) + beta <d>: the entropy of the normalised row.
      const entropy = Math.log(sum) + (beta * weighted) / sum;
      for (let j = 0; j < k; j++) row[j] /= sum;
      if (Math.abs(entropy - target) < 1e-5) break;
      if (entropy > target) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
    conditional.set(row, i * k);
  }
  return conditional;
}

/** The conditional affinities symmetrised, p_ij = (p_j|i + p_i|j) / 2N, so all entries sum to 1. */
export function affinities(knn: KnnGraph, count: number, perplexity: number): SparseAffinities {
  const { k, indices } = knn;
  const conditional = conditionalAffinities(knn, count, perplexity);
  // Row i holds its own k entries and every entry (j, i) of rows that list i.
  const counts = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) {
    counts[i] += k;
    for (let j = 0; j < k; j++) counts[indices[i * k + j]]++;
  }
  const rowStart = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) rowStart[i + 1] = rowStart[i] + counts[i];
  const fill = rowStart.slice(0, count);
  const cols = new Int32Array(rowStart[count]);
  const values = new Float64Array(rowStart[count]);
  const norm = 1 / (2 * count);
  for (let i = 0; i < count; i++)
    for (let j = 0; j < k; j++) {
      const n = indices[i * k + j];
      const p = conditional[i * k + j] * norm;
      cols[fill[i]] = n;
      values[fill[i]++] = p;
      cols[fill[n]] = i;
      values[fill[n]++] = p;
    }
  return { rowStart, cols, values };
}

/** Embed `count` items into 3D from their neighbour graph; returns count x 3, centred. */
export async function tsne3d(knn: KnnGraph, count: number, options: TsneOptions = {}): Promise<Float32Array> {
  const o = { ...TSNE_DEFAULTS, ...options };
  const P = affinities(knn, count, o.perplexity);
  const n = count;
  const rng = new Rng(o.seed ?? 0);
  const y = new Float64Array(n * 3);
  const start = rng.normals(n * 3);
  for (let i = 0; i < n * 3; i++) y[i] = start[i] * 1e-4;
  if (n < 2) return new Float32Array(y);
  const update = new Float64Array(n * 3);
  const gains = new Float64Array(n * 3).fill(1);
  const grad = new Float64Array(n * 3);
  const rep = new Float64Array(n * 3);
  const force = new Float64Array(3);
  const stack = new Int32Array(512);
  const tree = new Octree();
  const learningRate = Math.max(n / o.exaggeration, 50);
  const total = o.iterations;
  for (let it = 0; it < total; it++) {
    const early = it < o.exaggerationIterations;
    const exaggeration = early ? o.exaggeration : 1;
    const momentum = early ? 0.5 : 0.8;
    // Repulsion through the octree.
    tree.build(y, n);
    let z = 0;
    for (let i = 0; i < n; i++) {
      force[0] = force[1] = force[2] = 0;
      z += tree.repulsion(y, i, o.theta, force, stack);
      rep[i * 3] = force[0];
      rep[i * 3 + 1] = force[1];
      rep[i * 3 + 2] = force[2];
    }
    // Attraction over the sparse P, exact.
    for (let i = 0; i < n; i++) {
      let ax = 0;
      let ay = 0;
      let az = 0;
      const yx = y[i * 3];
      const yy = y[i * 3 + 1];
      const yz = y[i * 3 + 2];
      for (let e = P.rowStart[i]; e < P.rowStart[i + 1]; e++) {
        const j = P.cols[e];
        const dx = yx - y[j * 3];
        const dy = yy - y[j * 3 + 1];
        const dz = yz - y[j * 3 + 2];
        const w = P.values[e] / (1 + dx * dx + dy * dy + dz * dz);
        ax += w * dx;
        ay += w * dy;
        az += w * dz;
      }
      grad[i * 3] = 4 * (exaggeration * ax - rep[i * 3] / z);
      grad[i * 3 + 1] = 4 * (exaggeration * ay - rep[i * 3 + 1] / z);
      grad[i * 3 + 2] = 4 * (exaggeration * az - rep[i * 3 + 2] / z);
    }
    const mean = [0, 0, 0];
    for (let c = 0; c < n * 3; c++) {
      const g = grad[c];
      // Grow the step where the gradient keeps its direction, shrink it where it flips.
      gains[c] = Math.sign(g) !== Math.sign(update[c]) ? gains[c] + 0.2 : Math.max(gains[c] * 0.8, 0.01);
      update[c] = momentum * update[c] - learningRate * gains[c] * g;
      y[c] += update[c];
      mean[c % 3] += y[c];
    }
    for (let c = 0; c < n * 3; c++) y[c] -= mean[c % 3] / n;
    if (it % 5 === 4 || it === total - 1) {
      o.onProgress?.(it + 1, total);
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfCancelled(o.signal);
    }
  }
  return Float32Array.from(y);
}

/** KL(P || Q) of an embedding, exactly (O(N^2): tests and small sets only). */
export function klDivergence(P: SparseAffinities, y: ArrayLike<number>, count: number): number {
  let z = 0;
  for (let i = 0; i < count; i++)
    for (let j = 0; j < count; j++) {
      if (i === j) continue;
      const d2 = (y[i * 3] - y[j * 3]) ** 2 + (y[i * 3 + 1] - y[j * 3 + 1]) ** 2 + (y[i * 3 + 2] - y[j * 3 + 2]) ** 2;
      z += 1 / (1 + d2);
    }
  // Merge the two halves of each pair before taking logs.
  const pairs = new Map<number, number>();
  for (let i = 0; i < count; i++)
    for (let e = P.rowStart[i]; e < P.rowStart[i + 1]; e++) {
      const key = i * count + P.cols[e];
      pairs.set(key, (pairs.get(key) ?? 0) + P.values[e]);
    }
  let kl = 0;
  for (const [key, p] of pairs) {
    const i = Math.floor(key / count);
    const j = key % count;
    const d2 = (y[i * 3] - y[j * 3]) ** 2 + (y[i * 3 + 1] - y[j * 3 + 1]) ** 2 + (y[i * 3 + 2] - y[j * 3 + 2]) ** 2;
    const q = 1 / (1 + d2) / z;
    if (p > 0) kl += p * Math.log(p / q);
  }
  return kl;
}
