import * as tf from '@tensorflow/tfjs';
import { updateCalibration } from '../model/likelihood';
import type { Vae } from '../model/vae';
import type { Adam } from './adam';
import type { LossNumbers } from './events';

/**
 * One optimiser step on a batch: x [B, H, W, C] in [0, 1], noise = k * B * J standard normals.
 * Returns the batch's numbers (nats per image); everything it allocates is freed.
 */
export function trainStep(
  vae: Vae,
  adam: Adam,
  pixels: Float32Array,
  shape: [number, number, number, number],
  noise: Float32Array,
  opts: { k: number; beta: number; freeBits: number },
): Omit<LossNumbers, 'bitsPerDim'> {
  const { k, beta, freeBits } = opts;
  const params = vae.store.trainable();
  const nameOf = new Map(params.map((p) => [p.variable.name, p.name]));
  const x = tf.tensor4d(pixels, shape);
  const eps = tf.tensor3d(noise, [k, shape[0], noise.length / (k * shape[0])]);
  let kept: tf.Tensor[] = [];
  let sigma2: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const t = vae.objective(x, eps, { beta, freeBits, mode: 'train' });
    kept = [t.recon, t.kl, t.elbo, t.iwae].map((v) => tf.keep(v));
    tf.dispose(t.klPerDim);
    if (t.sigma2) sigma2 = tf.keep(t.sigma2);
    return t.loss;
  }, params.map((p) => p.variable));
  const named: tf.NamedTensorMap = {};
  for (const [vname, g] of Object.entries(grads)) named[nameOf.get(vname)!] = g;
  adam.apply(params, named);
  if (sigma2) updateCalibration(vae.store, sigma2);
  const values = tf.tidy(() => tf.stack([value, ...kept]).dataSync());
  tf.dispose([x, eps, value, ...kept, ...Object.values(grads)]);
  if (sigma2) sigma2.dispose();
  return { loss: values[0], recon: values[1], kl: values[2], elbo: values[3], iwae: values[4] };
}
