import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, callStock, heapF32, type Info, type StockKernel } from './heap';

/**
 * Concat, SplitV and Identity for wasm. The stock kernels copy with one typed-array `set` per
 * row of the axis' inner size; the models split and join along the channel axis (RGB | alpha,
 * a layer's mean | log-variance), where a row is 1 to 16 floats, so 64 sprites at 32x32 make
 * 65,536 calls. Ours copy short rows element by element. Identity shares the input's memory
 * (as Reshape does) instead of copying it: no kernel writes into its inputs.
 */

/** Rows this short are copied element by element; longer ones with one `set` each. */
const SHORT_ROW = 32;

function copyRows(src: Float32Array, srcStart: number, srcStride: number, dst: Float32Array, dstStart: number, dstStride: number, rows: number, width: number): void {
  if (width >= SHORT_ROW) {
    for (let r = 0, s = srcStart, d = dstStart; r < rows; r++, s += srcStride, d += dstStride) dst.set(src.subarray(s, s + width), d);
    return;
  }
  for (let r = 0, s = srcStart, d = dstStart; r < rows; r++, s += srcStride, d += dstStride) {
    for (let c = 0; c < width; c++) dst[d + c] = src[s + c];
  }
}

export function makeConcat(stock: StockKernel): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const all = Object.keys(inputs)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => inputs[k] as Info);
    const parts = all.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    if (parts.length < 2 || parts.some((t) => t.dtype !== 'float32')) return callStock(stock, wasm, inputs, attrs);
    const axis = tf.util.parseAxisParam(attrs!.axis as number, parts[0].shape)[0];
    tf.backend_util.assertParamsConsistent(
      all.map((t) => t.shape),
      axis,
    );
    const outShape = tf.backend_util.computeOutShape(
      all.map((t) => t.shape),
      axis,
    );
    const rows = tf.util.sizeFromShape(parts[0].shape.slice(0, axis));
    const widths = parts.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
    const total = widths.reduce((a, b) => a + b, 0);
    const out = allocF32(wasm, outShape);
    const dst = heapF32(wasm, out);
    let column = 0;
    parts.forEach((t, i) => {
      copyRows(heapF32(wasm, t), 0, widths[i], dst, column, total, rows, widths[i]);
      column += widths[i];
    });
    return out;
  };
}

export function makeSplitV(stock: StockKernel): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const x = inputs.x as Info;
    if (x.dtype !== 'float32') return callStock(stock, wasm, inputs, attrs);
    const axis = tf.util.parseAxisParam(attrs!.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs!.numOrSizeSplits as number | number[], axis);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axis));
    const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
    const total = x.shape[axis] * inner;
    const outs = sizes.map((s) =>
      allocF32(
        wasm,
        x.shape.map((d, i) => (i === axis ? s : d)),
      ),
    );
    const src = heapF32(wasm, x);
    let column = 0;
    outs.forEach((out, i) => {
      const width = sizes[i] * inner;
      copyRows(src, column, total, heapF32(wasm, out), 0, width, rows, width);
      column += width;
    });
    return outs;
  };
}

export function makeIdentity(stock: StockKernel): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x as Info;
    if (x.dtype === 'string') return callStock(stock, backend as BackendWasm, inputs, attrs);
    (backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
