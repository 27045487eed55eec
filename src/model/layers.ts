import * as tf from '@tensorflow/tfjs';
import { glorotUniform, type ParamStore } from './params';
import type { Rng } from './rng';

/** Kernel size of every stride-2 conv and transposed conv (4 avoids checkerboard gaps). */
export const KERNEL = 4;

export type Apply<I extends tf.Tensor = tf.Tensor, O extends tf.Tensor = tf.Tensor> = (x: I) => O;

/** y = x W + b, W: [inUnits, outUnits]. */
export function dense(store: ParamStore, rng: Rng, name: string, inUnits: number, outUnits: number): Apply<tf.Tensor2D, tf.Tensor2D> {
  const w = store.add(`${name}/kernel`, [inUnits, outUnits], glorotUniform(rng, inUnits * outUnits, inUnits, outUnits));
  const b = store.add(`${name}/bias`, [outUnits], new Float32Array(outUnits));
  return (x) => tf.add(tf.matMul(x, w as tf.Tensor2D), b);
}

/** Stride-2 'same' convolution: [B, s, s, inC] -> [B, ceil(s/2), ceil(s/2), outC]. */
export function conv2dDown(store: ParamStore, rng: Rng, name: string, inC: number, outC: number): Apply<tf.Tensor4D, tf.Tensor4D> {
  const fan = KERNEL * KERNEL;
  const k = store.add(`${name}/kernel`, [KERNEL, KERNEL, inC, outC], glorotUniform(rng, fan * inC * outC, fan * inC, fan * outC));
  const b = store.add(`${name}/bias`, [outC], new Float32Array(outC));
  return (x) => tf.add(tf.conv2d(x, k as tf.Tensor4D, 2, 'same'), b);
}

/** Stride-2 transposed convolution: [B, s, s, inC] -> [B, outSize, outSize, outC]. */
export function conv2dUp(store: ParamStore, rng: Rng, name: string, inC: number, outC: number, outSize: number): Apply<tf.Tensor4D, tf.Tensor4D> {
  const fan = KERNEL * KERNEL;
  // conv2dTranspose filters are [kh, kw, outChannels, inChannels].
  const k = store.add(`${name}/kernel`, [KERNEL, KERNEL, outC, inC], glorotUniform(rng, fan * inC * outC, fan * inC, fan * outC));
  const b = store.add(`${name}/bias`, [outC], new Float32Array(outC));
  return (x) => tf.add(tf.conv2dTranspose(x, k as tf.Tensor4D, [x.shape[0], outSize, outSize, outC], 2, 'same'), b);
}

/**
 * Stride-1 'same' convolution with a k x k kernel: [B, s, s, inC] -> [B, s, s, outC].
 * `scale` multiplies the Glorot initialisation: 0 starts a residual branch as the identity,
 * a small value starts a correction near zero.
 */
export function conv2dSame(store: ParamStore, rng: Rng, name: string, inC: number, outC: number, k: number, scale = 1): Apply<tf.Tensor4D, tf.Tensor4D> {
  const fan = k * k;
  const init = glorotUniform(rng, fan * inC * outC, fan * inC, fan * outC);
  if (scale !== 1) for (let i = 0; i < init.length; i++) init[i] *= scale;
  const w = store.add(`${name}/kernel`, [k, k, inC, outC], init);
  const b = store.add(`${name}/bias`, [outC], new Float32Array(outC));
  return (x) => tf.add(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), b);
}
