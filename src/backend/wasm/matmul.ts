import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, callStock, free, heapF32, reshaped, transposeInto, type Info, type StockKernel } from './heap';

/**
 * BatchMatMul for wasm. The stock kernel runs XNNPACK fast only for one plain A*B; with a
 * transpose flag or a batch it is ~15x slower. We turn every case into plain 2-D products:
 * explicit transposes in JS, then either C = op(A) op(B) or C = (op(B)^T op(A)^T)^T, whichever
 * moves fewer floats (XNNPACK also re-packs the right operand on every call).
 */
export function makeBatchMatMul(stock: StockKernel): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const a = inputs.a as Info;
    const b = inputs.b as Info;
    const transposeA = Boolean(attrs?.transposeA);
    const transposeB = Boolean(attrs?.transposeB);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return callStock(stock, wasm, inputs, attrs);

    const aRank = a.shape.length;
    const bRank = b.shape.length;
    const M = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
    const K = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
    const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
    const N = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
    if (K !== kB) {
      throw new Error(`matMul: inner dimensions ${K} and ${kB} of shapes ${a.shape} and ${b.shape} do not match`);
    }
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batch = tf.util.sizeFromShape(outer);
    const outShape = [...outer, M, N];
    if (batch !== Math.max(batchA, batchB) || (batchA !== batchB && batchA !== 1 && batchB !== 1)) {
      return callStock(stock, wasm, inputs, attrs); // unusual broadcast: correctness over speed
    }

    // A batch of A against one B is a single taller product.
    if (batchB === 1 && !transposeA) {
      const c = product(stock, wasm, a, 0, false, b, 0, transposeB, batchA * M, K, N);
      return reshaped(c, outShape);
    }
    if (batch === 1) return reshaped(product(stock, wasm, a, 0, transposeA, b, 0, transposeB, M, K, N), outShape);

    const out = allocF32(wasm, outShape);
    for (let i = 0; i < batch; i++) {
      const aOff = batchA === 1 ? 0 : i * M * K;
      const bOff = batchB === 1 ? 0 : i * K * N;
      const c = product(stock, wasm, a, aOff, transposeA, b, bOff, transposeB, M, K, N);
      heapF32(wasm, out).set(heapF32(wasm, c), i * M * N);
      free(wasm, c);
    }
    return out;
  };
}

/**
 * A contiguous [rows, cols] operand from `src` at element `offset`, stored either as
 * [rows, cols] or (when `storedTransposed`) as [cols, rows]. Returns `owned` when it copied.
 */
function operand(wasm: BackendWasm, src: Info, offset: number, storedTransposed: boolean, rows: number, cols: number): { info: Info; owned: boolean } {
  if (!storedTransposed && offset === 0 && tf.util.sizeFromShape(src.shape) === rows * cols) {
    return { info: reshaped(src, [1, rows, cols]), owned: false };
  }
  const dst = allocF32(wasm, [1, rows, cols]);
  const s = heapF32(wasm, src);
  const d = heapF32(wasm, dst);
  if (storedTransposed) transposeInto(s, offset, cols, rows, d, 0);
  else d.set(s.subarray(offset, offset + rows * cols));
  return { info: dst, owned: true };
}

/** Floats moved to prepare an operand (0 when used in place). */
function prepCost(offset: number, needsTranspose: boolean, size: number): number {
  return needsTranspose || offset !== 0 ? size : 0;
}

/** C[M, N] = op(A) op(B) for one batch item, as a fresh [M, N] tensor. */
export function product(stock: StockKernel, wasm: BackendWasm, a: Info, aOff: number, tA: boolean, b: Info, bOff: number, tB: boolean, M: number, K: number, N: number): Info {
  // Direct: transpose whatever is flagged; XNNPACK packs B (K*N).
  const direct = prepCost(aOff, tA, M * K) + prepCost(bOff, tB, K * N) + K * N;
  // Swapped: C^T = op(B)^T op(A)^T needs the unflagged ones transposed, packs A, transposes C.
  const swapped = prepCost(bOff, !tB, K * N) + prepCost(aOff, !tA, M * K) + M * K + M * N;
  if (direct <= swapped) {
    const left = operand(wasm, a, aOff, tA, M, K);
    const right = operand(wasm, b, bOff, tB, K, N);
    const c = callStock(stock, wasm, { a: left.info, b: right.info }, { transposeA: false, transposeB: false });
    if (left.owned) free(wasm, left.info);
    if (right.owned) free(wasm, right.info);
    return reshaped(c, [M, N]);
  }
  const left = operand(wasm, b, bOff, !tB, N, K);
  const right = operand(wasm, a, aOff, !tA, K, M);
  const ct = callStock(stock, wasm, { a: left.info, b: right.info }, { transposeA: false, transposeB: false });
  if (left.owned) free(wasm, left.info);
  if (right.owned) free(wasm, right.info);
  const c = allocF32(wasm, [M, N]);
  transposeInto(heapF32(wasm, ct), 0, N, M, heapF32(wasm, c), 0);
  free(wasm, ct);
  return c;
}
