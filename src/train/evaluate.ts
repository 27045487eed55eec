import * as tf from '@tensorflow/tfjs';
import { TRAIN_LIMITS, type IwaeEstimate, type ValidationReport } from '../contract';
import type { Split } from '../data/store';
import { AtlasError, throwIfCancelled } from '../errors';
import { labelTensor, modelLabelRows } from './labels';
import { fromDataset, type ImageSource } from './data';
import type { Dataset } from '../data/store';
import type { LoadedModel } from '../model/load';
import { bitsPerDim, gaussianKlPerDim } from '../model/objective';
import { Rng } from '../model/rng';
import type { Vae } from '../model/vae';
import { PsnrMeter } from './psnr';

/** The contract's limit of validation IWAE samples. */
export const MAX_IWAE_K = TRAIN_LIMITS.valIwaeK.max;
/** Threshold on Cov_x(E_q[u]) above which a latent dimension counts as active (Burda et al. 2015). */
export const ACTIVE_UNIT_THRESHOLD = 0.01;

export interface EvaluateOptions {
  /** Which split to evaluate (default 'val'); `indices` overrides it. */
  split?: Split;
  indices?: number[];
  batchSize?: number;
  /** Samples per image for the IWAE estimate of log p(x); 0 skips it. At most 5000. */
  iwaeK?: number;
  /** z samples per image for the ELBO's reconstruction term (default 1). */
  elboSamples?: number;
  /** Cap on decoder rows (samples x images) per chunk, which bounds memory for large k. */
  maxRowsPerChunk?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Called after each batch of images with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export type { IwaeEstimate };

/** What the contract reports, plus the image size and the per-image arrays. */
export interface EvalResult extends ValidationReport {
  /** D = height * width * channels. */
  dims: number;
  perImage: {
    index: number[];
    /** Mean squared error per pixel between the image and its reconstruction (every layer at its posterior mean, clamped to [0, 1]). */
    reconError: Float32Array;
    elbo: Float32Array;
    /** L_k per image when iwaeK > 0. */
    logLikelihood?: Float32Array;
  };
}

/**
 * Evaluate a model on held-out images: ELBO (with its recon and KL), per-dimension KL, active
 * units, per-image reconstruction error and, with iwaeK, the IWAE estimate of log p(x)
 * computed as a running log-sum-exp over chunks of samples so memory stays bounded.
 */
export async function evaluate(model: Vae | LoadedModel, data: ImageSource | Pick<Dataset, 'index' | 'pixels' | 'indicesOf'>, opts: EvaluateOptions = {}): Promise<EvalResult> {
  const vae = 'vae' in model ? model.vae : model;
  const source = 'fill' in data ? data : fromDataset(data);
  const { height, width, channels } = source;
  if (height !== vae.config.height || width !== vae.config.width || channels !== vae.config.channels)
    throw new AtlasError(
      'invalid_input',
      `The model takes ${vae.config.width}x${vae.config.height}x${vae.config.channels} images but the dataset holds ${width}x${height}x${channels}. Evaluate on a dataset imported at the model's size.`,
    );
  const indices = opts.indices ?? source.indicesOf(opts.split ?? 'val');
  if (indices.length === 0)
    throw new AtlasError('empty_dataset', `There are no ${opts.split ?? 'val'} images to evaluate on. Re-import with a validation share above 0, or evaluate on the training split.`);
  const iwaeK = opts.iwaeK ?? 0;
  if (!Number.isInteger(iwaeK) || iwaeK < 0 || iwaeK > MAX_IWAE_K) throw new AtlasError('invalid_input', `IWAE samples must be a whole number from 0 to ${MAX_IWAE_K}; got ${iwaeK}.`);
  const batchSize = Math.min(opts.batchSize ?? 64, indices.length);
  const elboSamples = opts.elboSamples ?? 1;
  const maxRows = opts.maxRowsPerChunk ?? 4096;
  const rng = new Rng(opts.seed ?? 12345);
  const D = height * width * channels;
  const J = vae.config.latentDim;
  // Standard normals per image and sample: z1's J values plus, for the hierarchy, z2's.
  const E = vae.noiseDim;
  const N = indices.length;
  // A conditional model encodes and decodes each image with its own label.
  const labelRows = modelLabelRows(source, vae.config.labels);

  const reconError = new Float32Array(N);
  const elboPer = new Float32Array(N);
  const llPer = iwaeK > 0 ? new Float32Array(N) : undefined;
  const mus = new Float64Array(N * J);
  const klSum = new Float64Array(J);
  let reconTotal = 0;
  let klTotal = 0;
  const klLowerTotals = new Float64Array(vae.lowerSizes.length);
  const buf = new Float32Array(batchSize * D);
  const psnr = new PsnrMeter();

  for (let start = 0; start < N; start += batchSize) {
    throwIfCancelled(opts.signal);
    const idx = indices.slice(start, start + batchSize);
    const B = idx.length;
    source.fill(idx, buf);
    const x = tf.tensor4d(buf.subarray(0, B * D), [B, height, width, channels]);
    const y = labelTensor(labelRows, idx, vae.labelCount);
    // One encoder pass for all of it (Vae.validationTerms). The ELBO's reconstruction term is a
    // Monte Carlo estimate over elboSamples z draws; z1's KL is analytic, and for the hierarchy
    // each spatial layer's KL is analytic given the sampled layers above it.
    const eps = tf.tensor3d(rng.normals(elboSamples * B * E), [elboSamples, B, E]);
    const terms = vae.validationTerms(x, eps, y);
    const { mu, logvar } = terms;
    // Deterministic parts: posterior means, KL per dim, reconstruction error of the
    // posterior-mean reconstruction (clamped to [0, 1] as it is shown).
    const [muV, klV, errV, recV] = tf.tidy(() => {
      const kl = gaussianKlPerDim(mu, logvar);
      const rec = tf.clipByValue(vae.meanImage(terms.recon), 0, 1);
      const err = tf.mean(tf.reshape(tf.square(tf.sub(x, rec)), [B, D]), 1);
      return [mu.dataSync(), kl.dataSync(), err.dataSync(), rec.dataSync()];
    });
    psnr.add(buf, recV, B, height * width, channels);
    const klPer = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < J; j++) {
        mus[(start + b) * J + j] = muV[b * J + j];
        klSum[j] += klV[b * J + j];
        klPer[b] += klV[b * J + j];
      }
      reconError[start + b] = errV[b];
    }
    const [nllV, ...klLowV] = tf.tidy(() => [tf.mean(terms.nll, 0).dataSync(), ...terms.klLower.map((k) => tf.mean(k, 0).dataSync())]);
    tf.dispose([eps, terms.recon, terms.nll, ...terms.klLower]);
    for (let b = 0; b < B; b++) {
      let low = 0;
      klLowV.forEach((v, l) => {
        low += v[b];
        klLowerTotals[l] += v[b];
      });
      elboPer[start + b] = -nllV[b] - klPer[b] - low;
      reconTotal += nllV[b];
      klTotal += klPer[b] + low;
    }
    // IWAE: running log-sum-exp over chunks of samples, in double precision.
    if (llPer) {
      const chunk = Math.max(1, Math.min(iwaeK, Math.floor(maxRows / B)));
      const runMax = new Float64Array(B).fill(-Infinity);
      const runSum = new Float64Array(B);
      for (let done = 0; done < iwaeK; done += chunk) {
        throwIfCancelled(opts.signal);
        const c = Math.min(chunk, iwaeK - done);
        const lw = tf.tidy(() => vae.logWeights(x, mu, logvar, tf.tensor3d(rng.normals(c * B * E), [c, B, E]), y).dataSync());
        for (let b = 0; b < B; b++) {
          for (let s = 0; s < c; s++) {
            const v = lw[s * B + b];
            if (v > runMax[b]) {
              runSum[b] = runSum[b] * Math.exp(runMax[b] - v) + 1;
              runMax[b] = v;
            } else {
              runSum[b] += Math.exp(v - runMax[b]);
            }
          }
        }
        if (done + c < iwaeK) await new Promise((r) => setImmediate(r));
      }
      for (let b = 0; b < B; b++) llPer[start + b] = runMax[b] + Math.log(runSum[b] / iwaeK);
    }
    tf.dispose([x, mu, logvar]);
    y?.dispose();
    opts.onProgress?.(start + B, N);
    await new Promise((r) => setImmediate(r));
  }

  const latentVariance: number[] = [];
  for (let j = 0; j < J; j++) {
    let m = 0;
    for (let n = 0; n < N; n++) m += mus[n * J + j];
    m /= N;
    let v = 0;
    for (let n = 0; n < N; n++) v += (mus[n * J + j] - m) ** 2;
    latentVariance.push(v / N);
  }
  const elbo = -(reconTotal + klTotal) / N;
  const result: EvalResult = {
    images: N,
    dims: D,
    elbo,
    recon: reconTotal / N,
    kl: klTotal / N,
    bitsPerDim: bitsPerDim(-elbo, D),
    klPerDim: Array.from(klSum, (s) => s / N),
    klLayers: [(klTotal - klLowerTotals.reduce((a, b) => a + b, 0)) / N, ...Array.from(klLowerTotals, (t) => t / N)],
    latentVariance,
    activeUnits: latentVariance.filter((v) => v > ACTIVE_UNIT_THRESHOLD).length,
    psnrDb: psnr.psnr(),
    perImage: { index: indices, reconError, elbo: elboPer },
  };
  if (llPer) {
    const { mean, se } = meanAndStdError(llPer);
    result.iwae = { k: iwaeK, logLikelihood: mean, nll: -mean, bitsPerDim: bitsPerDim(-mean, D), stdError: se };
    result.perImage.logLikelihood = llPer;
  }
  return result;
}

export function meanAndStdError(values: ArrayLike<number>): { mean: number; se: number } {
  const n = values.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += values[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[i] - m) ** 2;
  return { mean: m, se: n > 1 ? Math.sqrt(v / (n - 1) / n) : 0 };
}
