import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeConv2DBackpropFilter } from './conv-backprop-filter';
import { makeConv2DBackpropInput } from './conv-backprop-input';
import { makeConcat, makeIdentity, makeSplitV } from './copy-kernels';
import type { StockKernel } from './heap';
import { makeBatchMatMul } from './matmul';
import { makeResizeNearestNeighbor, makeResizeNearestNeighborGrad } from './resize-nearest';

/** Kernels we install on 'wasm', in the order they are registered. */
export const WASM_TRAINING_KERNELS = ['BatchMatMul', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'ResizeNearestNeighbor', 'ResizeNearestNeighborGrad', 'Concat', 'SplitV', 'Identity'] as const;

let stock: Record<'BatchMatMul' | 'Conv2D' | 'Conv2DBackpropInput' | 'ResizeNearestNeighbor' | 'ResizeNearestNeighborGrad' | 'Concat' | 'SplitV' | 'Identity', StockKernel> | null = null;

function captureStock(): NonNullable<typeof stock> {
  const take = (name: string): StockKernel => {
    const k = tf.getKernel(name, 'wasm');
    if (!k) throw new Error(`the wasm backend has no stock ${name} kernel to build on`);
    return { kernelFunc: k.kernelFunc, setupFunc: k.setupFunc };
  };
  return {
    BatchMatMul: take('BatchMatMul'),
    Conv2D: take('Conv2D'),
    Conv2DBackpropInput: take('Conv2DBackpropInput'),
    ResizeNearestNeighbor: take('ResizeNearestNeighbor'),
    ResizeNearestNeighborGrad: take('ResizeNearestNeighborGrad'),
    Concat: take('Concat'),
    SplitV: take('SplitV'),
    Identity: take('Identity'),
  };
}

/** The stock kernels as they were before registration (for benchmarks and tests). */
export function stockWasmKernels(): NonNullable<typeof stock> {
  if (!stock) stock = captureStock();
  return stock;
}

/**
 * Replace the slow / missing wasm training kernels with ours. Idempotent. Each of our kernels
 * runs the stock BatchMatMul's setup (it binds the C function we call into) so this works
 * whether it runs before or after the wasm backend initialises.
 */
export function registerWasmTrainingKernels(): string[] {
  const s = stockWasmKernels();
  const setupFunc: tf.KernelSetupFunc = (backend) => {
    s.BatchMatMul.setupFunc?.(backend);
    s.Conv2D.setupFunc?.(backend);
  };
  const matmul: StockKernel = s.BatchMatMul;
  const configs: tf.KernelConfig[] = [
    { kernelName: 'BatchMatMul', backendName: 'wasm', setupFunc, kernelFunc: makeBatchMatMul(matmul) },
    {
      kernelName: 'Conv2DBackpropInput',
      backendName: 'wasm',
      setupFunc,
      kernelFunc: makeConv2DBackpropInput({ conv2d: s.Conv2D, matmul }),
    },
    {
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      setupFunc,
      kernelFunc: makeConv2DBackpropFilter({ conv2d: s.Conv2D, matmul }),
    },
    // The x2 fast paths fall back to the stock kernels, which need their own setup too.
    { kernelName: 'ResizeNearestNeighbor', backendName: 'wasm', setupFunc: s.ResizeNearestNeighbor.setupFunc, kernelFunc: makeResizeNearestNeighbor(s.ResizeNearestNeighbor) },
    { kernelName: 'ResizeNearestNeighborGrad', backendName: 'wasm', setupFunc: s.ResizeNearestNeighborGrad.setupFunc, kernelFunc: makeResizeNearestNeighborGrad(s.ResizeNearestNeighborGrad) },
    // Channel-axis copies in JS (the stock ones make one typed-array call per pixel); no setup.
    { kernelName: 'Concat', backendName: 'wasm', setupFunc: s.Concat.setupFunc, kernelFunc: makeConcat(s.Concat) },
    { kernelName: 'SplitV', backendName: 'wasm', setupFunc: s.SplitV.setupFunc, kernelFunc: makeSplitV(s.SplitV) },
    { kernelName: 'Identity', backendName: 'wasm', setupFunc: s.Identity.setupFunc, kernelFunc: makeIdentity(s.Identity) },
  ];
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  // Registration after the backend started skips setup; run it now against the live backend.
  if (tf.getBackend() === 'wasm') setupFunc(tf.backend());
  return [...WASM_TRAINING_KERNELS];
}

/** Put the stock kernels back (benchmarks compare against them). */
export function restoreStockWasmKernels(): void {
  const s = stockWasmKernels();
  for (const name of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  }
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', ...s.BatchMatMul });
  tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', ...s.Conv2DBackpropInput });
  tf.registerKernel({ kernelName: 'ResizeNearestNeighbor', backendName: 'wasm', ...s.ResizeNearestNeighbor });
  tf.registerKernel({ kernelName: 'ResizeNearestNeighborGrad', backendName: 'wasm', ...s.ResizeNearestNeighborGrad });
  tf.registerKernel({ kernelName: 'Concat', backendName: 'wasm', ...s.Concat });
  tf.registerKernel({ kernelName: 'SplitV', backendName: 'wasm', ...s.SplitV });
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', ...s.Identity });
  if (tf.getBackend() === 'wasm') {
    s.BatchMatMul.setupFunc?.(tf.backend());
    s.Conv2DBackpropInput.setupFunc?.(tf.backend());
    s.ResizeNearestNeighbor.setupFunc?.(tf.backend());
    s.ResizeNearestNeighborGrad.setupFunc?.(tf.backend());
  }
}
