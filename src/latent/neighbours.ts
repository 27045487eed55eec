/**
 * Exact nearest neighbours: in latent space (posterior means) and in pixel space (the
 * memorisation check). Distances come from ||q||^2 + ||x||^2 - 2 q.x with a batched matmul,
 * chunked over the dataset so 100k images never sit in memory as one float tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { cancelPoint } from '../errors';

export interface Neighbours {
  indices: number[];
  distances: number[];
}

/**
 * The k nearest rows of `data` (count x dim, read in chunks by `rows`) to each query.
 * `skip(q, i)` excludes candidate i for query q (e.g. the query image itself). A cancel of
 * `signal` ends the search between chunks (a memorisation check over 100k images is many).
 */
export async function nearestRows(
  queries: Float32Array,
  queryCount: number,
  dim: number,
  count: number,
  rows: (start: number, end: number) => Float32Array,
  k: number,
  skip?: (q: number, i: number) => boolean,
  signal?: AbortSignal,
): Promise<Neighbours[]> {
  // Rows per chunk: both the chunk (rows x dim) and its distances (queries x rows) stay near 8M floats.
  const chunk = Math.max(256, Math.floor(8_000_000 / Math.max(dim, queryCount, 1)));
  const best: { i: number; d: number }[][] = Array.from({ length: queryCount }, () => []);
  const extra = skip ? 1 : 0;
  const q = tf.tensor2d(queries, [queryCount, dim]);
  const qq = tf.tidy(() => tf.sum(tf.square(q), 1, true));
  try {
    for (let start = 0; start < count; start += chunk) {
      await cancelPoint(signal);
      const end = Math.min(count, start + chunk);
      const kk = Math.min(k + extra, end - start);
      const { values, indices } = tf.tidy(() => {
        const x = tf.tensor2d(rows(start, end), [end - start, dim]);
        const xx = tf.reshape(tf.sum(tf.square(x), 1), [1, end - start]);
        const d2 = tf.sub(tf.add(qq, xx), tf.mul(2, tf.matMul(q, x, false, true)));
        return tf.topk(tf.neg(d2), kk);
      });
      const [vals, idx] = await Promise.all([values.data(), indices.data()]);
      tf.dispose([values, indices]);
      for (let a = 0; a < queryCount; a++)
        for (let b = 0; b < kk; b++) {
          const i = start + idx[a * kk + b];
          if (skip?.(a, i)) continue;
          best[a].push({ i, d: Math.sqrt(Math.max(0, -vals[a * kk + b])) });
        }
      for (const list of best) {
        list.sort((x, y) => x.d - y.d || x.i - y.i);
        list.length = Math.min(list.length, k);
      }
    }
  } finally {
    tf.dispose([q, qq]);
  }
  return best.map((list) => ({ indices: list.map((e) => e.i), distances: list.map((e) => e.d) }));
}
