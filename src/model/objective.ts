import * as tf from '@tensorflow/tfjs';

const LOG_2PI = Math.log(2 * Math.PI);

/** KL( N(mu, diag(e^t)) || N(0, I) ) per dimension: 1/2 (mu^2 + sigma^2 - log sigma^2 - 1), [B, J]. */
export function gaussianKlPerDim(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(0.5, tf.sub(tf.add(tf.square(mu), tf.exp(logvar)), tf.add(logvar, 1))) as tf.Tensor2D);
}

/**
 * The KL term of the training loss as a scalar per image (batch mean).
 * Free bits (Kingma et al. 2016): each dimension's batch-mean KL is clamped below at lambda,
 * so the optimiser gains nothing from pushing a dimension under lambda nats.
 */
export function klTerm(klPerDim: tf.Tensor2D, freeBits: number): tf.Scalar {
  return tf.tidy(() => {
    const perDim = tf.mean(klPerDim, 0);
    return (freeBits > 0 ? tf.sum(tf.maximum(perDim, freeBits)) : tf.sum(perDim)) as tf.Scalar;
  });
}

/** beta at a step: linear warm-up from 0 to `beta` over the first `warmupSteps` steps. */
export function betaAt(step: number, beta: number, warmupSteps: number): number {
  if (warmupSteps <= 0) return beta;
  return beta * Math.min(1, step / warmupSteps);
}

/** z = mu + sigma * eps, sigma = exp(t / 2). eps: [..., J] broadcast against mu. */
export function reparameterize(mu: tf.Tensor, logvar: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)));
}

/** log N(z; 0, I) summed over the last axis. */
export function logStdNormal(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(-0.5, tf.sum(tf.add(tf.square(z), LOG_2PI), -1)));
}

/**
 * log q(z|x) for z = mu + sigma * eps, summed over the last axis:
 *   -1/2 sum_j (log 2 pi + t_j + eps_j^2)
 * (written in eps, which is exact and avoids dividing by a tiny sigma).
 */
export function logPosteriorFromEps(logvar: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(-0.5, tf.sum(tf.add(tf.add(logvar, tf.square(eps)), LOG_2PI), -1)));
}

/** log (1/k) sum_i exp(a_i) along axis 0, stable (log-sum-exp minus log k). */
export function logMeanExp(a: tf.Tensor, axis = 0): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.logSumExp(a, axis), Math.log(a.shape[axis])));
}

/** Convert nats per image to bits per dimension. */
export function bitsPerDim(natsPerImage: number, dims: number): number {
  return natsPerImage / (dims * Math.LN2);
}
