import * as tf from '@tensorflow/tfjs';
import type { LikelihoodKind, ModelConfig } from './config';
import type { ParamStore } from './params';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * -log Bern(x | sigmoid(l)) summed per image, in the stable logits form
 *   max(l, 0) - l x + log(1 + exp(-|l|))
 * which never evaluates log(0) or exp of a large positive number.
 */
export function bernoulliNll(x: tf.Tensor, logits: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const perPixel = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return sumPerImage(perPixel);
  });
}

/**
 * -log N(x | mean, s^2) summed per image:
 *   sum (x - mean)^2 / (2 s^2) + log s + log sqrt(2 pi)
 * s is a scalar or one value per channel (broadcast over the last axis).
 */
export function gaussianNll(x: tf.Tensor, mean: tf.Tensor, sigma: tf.Tensor | number): tf.Tensor1D {
  return tf.tidy(() => {
    const s = typeof sigma === 'number' ? tf.scalar(sigma) : sigma;
    const sq = tf.square(tf.sub(x, mean));
    const perPixel = tf.add(tf.div(sq, tf.mul(2, tf.square(s))), tf.add(tf.log(s), HALF_LOG_2PI));
    return sumPerImage(perPixel);
  });
}

export function sumPerImage(t: tf.Tensor): tf.Tensor1D {
  const n = t.shape[0];
  return tf.sum(tf.reshape(t, [n, -1]), 1) as tf.Tensor1D;
}

export interface NllResult {
  /** -log p(x|z) per image, [N]. */
  perImage: tf.Tensor1D;
  /**
   * 'gaussian-calibrated' in training mode: the batch's closed-form s^2 (= max(MSE, minSigma^2)),
   * which updateCalibration folds into the running s^2 after the step.
   */
  sigma2?: tf.Scalar;
}

export interface Likelihood {
  kind: LikelihoodKind;
  /** 'train' lets the calibrated decoder set s from this batch; 'eval' uses the stored s. */
  nll(x: tf.Tensor4D, out: tf.Tensor4D, mode: 'train' | 'eval'): NllResult;
  /** The mean image E[x|z] = g(z) (an average over pixel noise: the smooth picture). */
  mean(out: tf.Tensor4D): tf.Tensor4D;
  /** A real sample of p(x|z): independent noise per pixel. `uniformOrNormal` has out.size values. */
  sample(out: tf.Tensor4D, noise: Float32Array): tf.Tensor4D;
  /** Whether sample() wants uniform [0,1) noise (Bernoulli) or standard normals (Gaussian). */
  noiseKind: 'uniform' | 'normal';
  /** The current pixel noise s (per channel for 'gaussian-learned'), or null for Bernoulli. */
  sigma(): tf.Tensor | null;
}

/** Name of the non-trainable variable that holds the calibrated decoder's s^2 between batches. */
export const CALIBRATED_VAR = 'likelihood/calibratedVariance';
export const LEARNED_LOG_SIGMA = 'likelihood/logSigma';
/** Weight of the running s^2 against the newest batch's (which gets 1 - this); the running s^2 is what training steps, evaluation and sampling use. */
export const CALIBRATION_MOMENTUM = 0.9;

export function likelihood(opts: { config: ModelConfig; store: ParamStore }): Likelihood {
  const { config: c, store } = opts;
  const meanOf = (out: tf.Tensor4D): tf.Tensor4D => (c.likelihood === 'bernoulli' || c.gaussianMean === 'sigmoid' ? tf.sigmoid(out) : out);

  switch (c.likelihood) {
    case 'bernoulli':
      return {
        kind: c.likelihood,
        noiseKind: 'uniform',
        nll: (x, out) => ({ perImage: bernoulliNll(x, out) }),
        mean: (out) => tf.sigmoid(out),
        sample: (out, u) => tf.tidy(() => tf.cast(tf.less(tf.tensor(u, out.shape), tf.sigmoid(out)), 'float32') as tf.Tensor4D),
        sigma: () => null,
      };
    case 'gaussian-fixed': {
      const s = c.gaussianSigma;
      return {
        kind: c.likelihood,
        noiseKind: 'normal',
        nll: (x, out) => ({ perImage: tf.tidy(() => gaussianNll(x, meanOf(out), s)) }),
        mean: meanOf,
        sample: (out, eps) => tf.tidy(() => tf.add(meanOf(out), tf.mul(tf.tensor(eps, out.shape), s))),
        sigma: () => tf.scalar(s),
      };
    }
    case 'gaussian-calibrated': {
      // Stored s^2; negative means "not calibrated yet" (fall back to gaussianSigma^2). Training
      // sets it from the first batch before its first step (calibrateBeforeFirstStep in src/train/step.ts).
      const stored = store.add(CALIBRATED_VAR, [], new Float32Array([-1]), false);
      const minVar = c.minSigma * c.minSigma;
      const storedSigma = (): tf.Scalar => tf.tidy(() => tf.sqrt(tf.where(tf.less(stored, 0), tf.scalar(c.gaussianSigma ** 2), tf.maximum(stored, minVar))) as tf.Scalar);
      return {
        kind: c.likelihood,
        noiseKind: 'normal',
        nll: (x, out, mode) => {
          if (mode === 'eval') return { perImage: tf.tidy(() => gaussianNll(x, meanOf(out), storedSigma())) };
          // The optimum of the Gaussian NLL over one global s is s^2 = MSE, in closed form. The
          // step uses the running s^2 of the batches before it (a constant, so the gradient is
          // that of the NLL at fixed s; at the optimal s it would be the same since d/ds = 0
          // there, so this approximates it up to the factor s*^2 / s_running^2). Every rows-split of a batch then sees the same s, so two workers' gradients
          // average to the whole batch's. This batch's s^2 is returned to update the running one.
          const mean = meanOf(out);
          const sigma2 = tf.maximum(tf.mean(tf.square(tf.sub(x, mean))), minVar) as tf.Scalar;
          const perImage = gaussianNll(x, mean, storedSigma());
          return { perImage, sigma2 };
        },
        mean: meanOf,
        sample: (out, eps) => tf.tidy(() => tf.add(meanOf(out), tf.mul(tf.tensor(eps, out.shape), storedSigma()))),
        sigma: storedSigma,
      };
    }
    case 'gaussian-learned': {
      const logSigma = store.add(LEARNED_LOG_SIGMA, [c.channels], new Float32Array(c.channels).fill(Math.log(c.gaussianSigma)));
      const sigmaOf = (): tf.Tensor1D => tf.exp(tf.maximum(logSigma, Math.log(c.minSigma))) as tf.Tensor1D;
      return {
        kind: c.likelihood,
        noiseKind: 'normal',
        nll: (x, out) => ({ perImage: tf.tidy(() => gaussianNll(x, meanOf(out), sigmaOf())) }),
        mean: meanOf,
        sample: (out, eps) => tf.tidy(() => tf.add(meanOf(out), tf.mul(tf.tensor(eps, out.shape), sigmaOf()))),
        sigma: () => tf.tidy(sigmaOf),
      };
    }
  }
}

/** After a training step: fold the batch's closed-form s^2 into the stored one. */
export function updateCalibration(store: ParamStore, sigma2: tf.Scalar): void {
  tf.tidy(() => {
    const stored = store.get(CALIBRATED_VAR);
    const blended = tf.add(tf.mul(stored, CALIBRATION_MOMENTUM), tf.mul(sigma2, 1 - CALIBRATION_MOMENTUM));
    stored.assign(tf.where(tf.less(stored, 0), sigma2, blended));
  });
}
