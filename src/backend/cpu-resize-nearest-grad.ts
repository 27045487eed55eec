/**
 * tfjs 4.22's cpu ResizeNearestNeighborGrad reads the first image's gradient for every image of
 * the batch (measured: batch 2, 2x2 -> 4x4, image 1's gradient came out as image 0's), so the
 * hierarchical decoder's up-blocks trained wrongly on the cpu backend and disagreed with wasm.
 * This replaces it with the transpose of the cpu forward pass: each output pixel's gradient is
 * added to the input pixel the forward kernel read (the same index formula). Imported for its
 * side effect by the model, so it is in place wherever the cpu backend runs our models.
 */
import * as tf from '@tensorflow/tfjs';

function sourceIndex(out: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  const frac = halfPixelCenters ? ratio * (out + 0.5) : ratio * out;
  let i = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  if (halfPixelCenters) i = Math.max(0, i);
  return i;
}

const resizeNearestNeighborGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const images = inputs.images as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const { alignCorners = false, halfPixelCenters = false } = (attrs ?? {}) as { alignCorners?: boolean; halfPixelCenters?: boolean };
  const [B, H, W, C] = images.shape;
  const [, outH, outW] = dy.shape;
  const cpu = backend as tf.KernelBackend & {
    readSync(id: tf.DataId): tf.backend_util.BackendValues;
    makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): tf.TensorInfo;
  };
  const g = cpu.readSync(dy.dataId) as Float32Array;
  const dx = new Float32Array(B * H * W * C);
  const rows = Array.from({ length: outH }, (_, y) => sourceIndex(y, H, outH, alignCorners, halfPixelCenters));
  const cols = Array.from({ length: outW }, (_, x) => sourceIndex(x, W, outW, alignCorners, halfPixelCenters));
  for (let b = 0; b < B; b++)
    for (let y = 0; y < outH; y++)
      for (let x = 0; x < outW; x++) {
        const o = ((b * outH + y) * outW + x) * C;
        const i = ((b * H + rows[y]) * W + cols[x]) * C;
        for (let c = 0; c < C; c++) dx[i + c] += g[o + c];
      }
  return cpu.makeTensorInfo([B, H, W, C], 'float32', dx);
};

if (tf.getKernel('ResizeNearestNeighborGrad', 'cpu')) tf.unregisterKernel('ResizeNearestNeighborGrad', 'cpu');
tf.registerKernel({ kernelName: 'ResizeNearestNeighborGrad', backendName: 'cpu', kernelFunc: resizeNearestNeighborGrad });
