import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { decoder, type DecoderFn } from './decoder';
import { encoder, type EncoderFn } from './encoder';
import { likelihood, type Likelihood } from './likelihood';
import { gaussianKlPerDim, klTerm, logMeanExp, logPosteriorFromEps, logStdNormal, reparameterize } from './objective';
import { ParamStore } from './params';
import { Rng } from './rng';

export interface ObjectiveOptions {
  /** Weight on KL (on log p(z) - log q(z|x) inside the IWAE weights). */
  beta: number;
  /** Free bits lambda in nats per latent dimension (ELBO training only); 0 = off. */
  freeBits: number;
  /** 'train' lets a calibrated decoder set its s from this batch. */
  mode: 'train' | 'eval';
}

/** Every number is a per-image mean over the batch, in nats. */
export interface ObjectiveTerms {
  /** What the optimiser minimises. */
  loss: tf.Scalar;
  /** E_q[-log p(x|z)], averaged over the k samples. */
  recon: tf.Scalar;
  /** Analytic KL(q(z|x) || p(z)). */
  kl: tf.Scalar;
  /** Batch-mean KL per latent dimension, [J]. */
  klPerDim: tf.Tensor1D;
  /** -recon - kl (higher is better). */
  elbo: tf.Scalar;
  /** L_k = log mean_i w_i with beta = 1 (equals the ELBO estimate when k = 1). */
  iwae: tf.Scalar;
  /** Calibrated decoder in 'train' mode: this batch's s^2. */
  sigma2?: tf.Scalar;
}

/**
 * The VAE: encoder q(z|x), decoder g(z), likelihood p(x|z), prior N(0, I), all variables in
 * one ParamStore. Parameters are initialised from `seed` with our own PRNG, so the same seed
 * gives the same initial weights on every backend.
 */
export class Vae {
  readonly store = new ParamStore();
  readonly encode: EncoderFn;
  readonly decodeRaw: DecoderFn;
  readonly likelihood: Likelihood;

  constructor(readonly config: ModelConfig, seed: number) {
    const rng = new Rng(seed);
    this.encode = encoder({ config, store: this.store, rng: rng.fork() });
    this.decodeRaw = decoder({ config, store: this.store, rng: rng.fork() });
    this.likelihood = likelihood({ config, store: this.store });
  }

  get dims(): number {
    return this.config.height * this.config.width * this.config.channels;
  }

  /** Mean image g(z) for latents [N, J]. */
  decodeMean(z: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => this.likelihood.mean(this.decodeRaw(z)));
  }

  /** Raw decoder output for the reconstruction of x: g at the posterior mean. */
  reconstructRaw(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.decodeRaw(this.encode(x).mu));
  }

  /**
   * The objective on one batch. x: [B, H, W, C]; eps: [k, B, J] standard normals (k >= 1).
   * k = 1: loss = -log p(x|z) + beta * KL (KL analytic, free bits applied).
   * k > 1: loss = -L_k with log w_i = log p(x|z_i) + beta (log p(z_i) - log q(z_i|x))  (IWAE).
   */
  objective(x: tf.Tensor4D, eps: tf.Tensor3D, opts: ObjectiveOptions): ObjectiveTerms {
    return tf.tidy(() => {
      const [k, B, J] = eps.shape;
      const { mu, logvar } = this.encode(x);
      const z = tf.reshape(reparameterize(mu, logvar, eps), [k * B, J]) as tf.Tensor2D;
      const out = this.decodeRaw(z);
      const xk = k === 1 ? x : (tf.reshape(tf.tile(tf.expandDims(x, 0), [k, 1, 1, 1, 1]), [k * B, x.shape[1], x.shape[2], x.shape[3]]) as tf.Tensor4D);
      const { perImage, sigma2 } = this.likelihood.nll(xk, out, opts.mode);
      const nll = tf.reshape(perImage, [k, B]);
      const klPerDimB = gaussianKlPerDim(mu, logvar);
      const klPerImage = tf.sum(klPerDimB, 1);
      const recon = tf.mean(nll) as tf.Scalar;
      const kl = tf.mean(klPerImage) as tf.Scalar;
      const zk = tf.reshape(z, [k, B, J]);
      const logPrior = logStdNormal(zk);
      const logQ = logPosteriorFromEps(tf.expandDims(logvar, 0), eps);
      const iwae = tf.mean(logMeanExp(tf.add(tf.neg(nll), tf.sub(logPrior, logQ)), 0)) as tf.Scalar;
      let loss: tf.Scalar;
      if (k === 1) {
        loss = tf.add(recon, tf.mul(opts.beta, klTerm(klPerDimB, opts.freeBits))) as tf.Scalar;
      } else {
        const logW = tf.add(tf.neg(nll), tf.mul(opts.beta, tf.sub(logPrior, logQ)));
        loss = tf.neg(tf.mean(logMeanExp(logW, 0))) as tf.Scalar;
      }
      const terms: ObjectiveTerms = {
        loss,
        recon,
        kl,
        klPerDim: tf.mean(klPerDimB, 0) as tf.Tensor1D,
        elbo: tf.neg(tf.add(recon, kl)) as tf.Scalar,
        iwae,
      };
      if (sigma2) terms.sigma2 = sigma2;
      return terms as unknown as tf.TensorContainer;
    }) as unknown as ObjectiveTerms;
  }

  /**
   * IWAE log-weights log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x) for a posterior already
   * computed (evaluation: encode once, then decode chunks of samples). eps: [k, B, J]; returns [k, B].
   */
  logWeights(x: tf.Tensor4D, mu: tf.Tensor2D, logvar: tf.Tensor2D, eps: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => {
      const [k, B, J] = eps.shape;
      const z = tf.reshape(reparameterize(mu, logvar, eps), [k * B, J]) as tf.Tensor2D;
      const xk = tf.reshape(tf.tile(tf.expandDims(x, 0), [k, 1, 1, 1, 1]), [k * B, x.shape[1], x.shape[2], x.shape[3]]) as tf.Tensor4D;
      const nll = tf.reshape(this.likelihood.nll(xk, this.decodeRaw(z), 'eval').perImage, [k, B]);
      const logPrior = logStdNormal(tf.reshape(z, [k, B, J]));
      const logQ = logPosteriorFromEps(tf.expandDims(logvar, 0), eps);
      return tf.add(tf.neg(nll), tf.sub(logPrior, logQ)) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.store.dispose();
  }
}
