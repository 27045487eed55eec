import * as tf from '@tensorflow/tfjs';
import { oneHotRows } from '../model/labels';
import { CALIBRATED_VAR, updateCalibration } from '../model/likelihood';
import type { Vae } from '../model/vae';
import type { Adam } from './adam';
import type { LossNumbers } from './events';

export type StepNumbers = Omit<LossNumbers, 'bitsPerDim'>;

export interface StepOptions {
  k: number;
  beta: number;
  freeBits: number;
  /** Hierarchy: whether z2 is open this step (default true); see ObjectiveOptions.lowerLayer. */
  lowerLayer?: boolean;
  /** Conditional model: each row's label (index into the model's vocabulary). */
  labels?: Int32Array;
}

export interface BatchGradients {
  /** Gradients of the batch-mean loss, keyed by parameter name (the caller disposes them). */
  grads: tf.NamedTensorMap;
  numbers: StepNumbers;
  /** Calibrated decoder: this batch's s^2 (the caller disposes it). */
  sigma2?: tf.Scalar;
}

/**
 * Gradients of the batch-mean loss on x [B, H, W, C] in [0, 1] with noise = k * B * vae.noiseDim
 * standard normals (laid out [k, B, noiseDim]), plus the batch's numbers (nats per image).
 * Nothing else is kept.
 */
export function batchGradients(vae: Vae, pixels: Float32Array, shape: [number, number, number, number], noise: Float32Array, opts: StepOptions): BatchGradients {
  const { k, beta, freeBits, lowerLayer } = opts;
  const params = vae.store.trainable();
  const nameOf = new Map(params.map((p) => [p.variable.name, p.name]));
  const x = tf.tensor4d(pixels, shape);
  const eps = tf.tensor3d(noise, [k, shape[0], noise.length / (k * shape[0])]);
  const C = vae.labelCount;
  const y = C > 0 && opts.labels ? tf.tensor2d(oneHotRows(opts.labels.subarray(0, shape[0]), C), [shape[0], C]) : undefined;
  let kept: tf.Tensor[] = [];
  let sigma2: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(
    () => {
      const t = vae.objective(x, eps, { beta, freeBits, mode: 'train', lowerLayer, labels: y });
      kept = [t.recon, t.kl, t.elbo, t.iwae].map((v) => tf.keep(v));
      tf.dispose([t.klPerDim, ...t.klLayers.filter((l) => l !== t.kl)]);
      if (t.sigma2) sigma2 = tf.keep(t.sigma2);
      return t.loss;
    },
    params.map((p) => p.variable),
  );
  const named: tf.NamedTensorMap = {};
  for (const [vname, g] of Object.entries(grads)) named[nameOf.get(vname)!] = g;
  // A parameter the loss did not touch this step (the hierarchy's posterior while z2 waits for
  // the warm-up to end) has a zero gradient: every stepper then sees the same full set.
  for (const p of params) if (!named[p.name]) named[p.name] = tf.zerosLike(p.variable);
  const values = tf.tidy(() => tf.stack([value, ...kept]).dataSync());
  tf.dispose([x, eps, value, ...kept]);
  y?.dispose();
  const numbers = { loss: values[0], recon: values[1], kl: values[2], elbo: values[3], iwae: values[4] };
  return sigma2 ? { grads: named, numbers, sigma2 } : { grads: named, numbers };
}

/**
 * Calibrated decoder, before the first step of a run: set the running s^2 to this batch's MSE
 * (a forward pass with the step's own noise, so the same z). A step uses the running s^2 of the
 * batches before it (so every rows-split of a batch sees the same s); with none yet it would use
 * the config's initial s (0.1) and weigh the first reconstruction gradient by 1 / 0.01 instead
 * of 1 / MSE. Returns the s^2 it set (float32), or null when there was nothing to do.
 */
export function calibrateBeforeFirstStep(vae: Vae, pixels: Float32Array, shape: [number, number, number, number], noise: Float32Array, opts: StepOptions): number | null {
  if (vae.config.likelihood !== 'gaussian-calibrated') return null;
  const stored = vae.store.get(CALIBRATED_VAR);
  if (stored.dataSync()[0] >= 0) return null;
  const { k, beta, freeBits, lowerLayer } = opts;
  const C = vae.labelCount;
  return tf.tidy(() => {
    const x = tf.tensor4d(pixels, shape);
    const eps = tf.tensor3d(noise, [k, shape[0], noise.length / (k * shape[0])]);
    const y = C > 0 && opts.labels ? tf.tensor2d(oneHotRows(opts.labels.subarray(0, shape[0]), C), [shape[0], C]) : undefined;
    const { sigma2 } = vae.objective(x, eps, { beta, freeBits, mode: 'train', lowerLayer, labels: y });
    updateCalibration(vae.store, sigma2!);
    return stored.dataSync()[0];
  });
}

/** The running s^2 a replica was told to start from (calibrateBeforeFirstStep's value, sent to the other replica). */
export function setCalibration(vae: Vae, sigma2: number): void {
  tf.tidy(() => vae.store.get(CALIBRATED_VAR).assign(tf.scalar(Math.fround(sigma2))));
}

/**
 * One optimiser step on a batch: x [B, H, W, C] in [0, 1], noise = k * B * J standard normals.
 * Returns the batch's numbers (nats per image); everything it allocates is freed.
 */
export function trainStep(vae: Vae, adam: Adam, pixels: Float32Array, shape: [number, number, number, number], noise: Float32Array, opts: StepOptions): StepNumbers {
  calibrateBeforeFirstStep(vae, pixels, shape, noise, opts);
  const { grads, numbers, sigma2 } = batchGradients(vae, pixels, shape, noise, opts);
  adam.apply(vae.store.trainable(), grads);
  if (sigma2) {
    updateCalibration(vae.store, sigma2);
    sigma2.dispose();
  }
  tf.dispose(Object.values(grads));
  return numbers;
}
