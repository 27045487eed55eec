import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Helpers for kernels that work on TensorInfos straight on the wasm heap. Nothing here creates
 * engine tensors, so there is no ref-count bookkeeping beyond `free` for what we allocate.
 */
export type Info = tf.TensorInfo;

/**
 * Cap (in floats) on the im2col / column buffers; larger batches are processed in chunks so
 * 64x64 images at batch 256 stay well inside the wasm heap. Mutable for tests.
 */
export const kernelLimits = {
  maxColsFloats: 8 * 1024 * 1024,
  /** How Conv2DBackpropInput handles strides > 1 (see conv-backprop-input.ts). */
  stridedInputGradient: 'auto' as 'auto' | 'phases' | 'gemm',
};

/** The stock kernel functions we build on, captured before we replace any of them. */
export interface StockKernel {
  kernelFunc: tf.KernelFunc;
  setupFunc?: tf.KernelSetupFunc;
}

/** The stock XNNPACK kernels the project's conv gradient kernels are built from. */
export interface ConvStock {
  conv2d: StockKernel;
  matmul: StockKernel;
}

export function allocF32(backend: BackendWasm, shape: number[]): Info {
  return backend.makeOutput(shape, 'float32');
}

export function free(backend: BackendWasm, info: Info): void {
  backend.disposeData(info.dataId);
}

/**
 * A Float32Array over a tensor's heap memory. Take it *after* the last allocation in a step:
 * any malloc may grow the heap and detach earlier views.
 */
export function heapF32(backend: BackendWasm, info: Info): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** The same data under another shape, without a copy or a new reference. */
export function reshaped(info: Info, shape: number[]): Info {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

export function callStock(stock: StockKernel, backend: BackendWasm, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): Info {
  const out = stock.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error('stock kernel returned several outputs');
  return out;
}

/** dst[c * rows + r] = src[srcOffset + r * cols + c]: a cache-blocked 2-D transpose. */
export function transposeInto(src: Float32Array, srcOffset: number, rows: number, cols: number, dst: Float32Array, dstOffset: number): void {
  const B = 32;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) {
        const s = srcOffset + r * cols;
        for (let c = c0; c < c1; c++) dst[dstOffset + c * rows + r] = src[s + c];
      }
    }
  }
}
