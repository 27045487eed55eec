/**
 * Encode a whole dataset with q(z|x) in batches: mu and log sigma^2 per image, plus the two
 * numbers the 3D view colours by: reconstruction error of g(mu) and KL(q(z|x) || p(z)).
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/store';
import { AtlasError, throwIfCancelled } from '../errors';
import type { LoadedModel } from '../model/load';
import { oneHotRows } from '../model/labels';
import { datasetLabelRows } from './conditional';

export interface Latents {
  count: number;
  latentDim: number;
  /** Posterior means, count x J. */
  mu: Float32Array;
  /** Posterior log-variances, count x J. */
  logvar: Float32Array;
  /** Mean squared error per pixel value (in [0,1] units) between the image and its reconstruction (every layer at its posterior mean; g(mu) for the flat model). */
  reconError: Float32Array;
  /** KL(q(z|x) || N(0, I)) per image, nats. */
  kl: Float32Array;
}

export interface EncodeOptions {
  batchSize?: number;
  /** Also decode mu to measure the reconstruction error (default true; about half the time). */
  reconstruction?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export function checkCompatible(model: LoadedModel, dataset: Pick<Dataset, 'index' | 'dir'>): void {
  const { size, channels } = dataset.index;
  const c = model.config;
  if (c.height !== size || c.width !== size || c.channels !== channels)
    throw new AtlasError(
      'invalid_input',
      `The model was trained on ${c.width}x${c.height}x${c.channels} images but the dataset at ${dataset.dir} holds ${size}x${size}x${channels}; pick the dataset the run was trained on.`,
    );
}

/**
 * Refuse a dataset other than the one the model was trained on (the checkpoint records its
 * identity: a hash of the pixels, file names, size and channels), naming both; `orElse` says
 * how to go on deliberately. Checkpoints older than the record pass.
 */
export function checkTrainedOn(model: LoadedModel, runDir: string, dataset: Pick<Dataset, 'index' | 'dir'>, orElse: string): void {
  const trainedOn = model.metadata.datasetHash;
  if (!trainedOn || trainedOn === dataset.index.datasetHash) return;
  throw new AtlasError(
    'invalid_input',
    `The model in ${runDir} was trained on another dataset (identity ${trainedOn.slice(0, 12)}) than ${dataset.dir} (identity ${dataset.index.datasetHash.slice(0, 12)}, ${dataset.index.count} images). Use the dataset it was trained on, or ${orElse}.`,
    { trainedOn, dataset: dataset.index.datasetHash },
  );
}

export async function encodeDataset(model: LoadedModel, dataset: Pick<Dataset, 'index' | 'pixels' | 'dir'>, opts: EncodeOptions = {}): Promise<Latents> {
  checkCompatible(model, dataset);
  const { size, channels, count } = dataset.index;
  const J = model.config.latentDim;
  const stride = size * size * channels;
  const batch = Math.max(1, opts.batchSize ?? 256);
  const out: Latents = { count, latentDim: J, mu: new Float32Array(count * J), logvar: new Float32Array(count * J), reconError: new Float32Array(count), kl: new Float32Array(count) };
  const buf = new Float32Array(batch * stride);
  // A conditional model's map is q(z|x,y): each image is encoded with its own label.
  const labelRows = datasetLabelRows(model, dataset);
  const C = model.config.labels.length;
  for (let start = 0; start < count; start += batch) {
    throwIfCancelled(opts.signal);
    const n = Math.min(batch, count - start);
    const px = dataset.pixels.subarray(start * stride, (start + n) * stride);
    for (let i = 0; i < px.length; i++) buf[i] = px[i] / 255;
    const [mu, logvar, err] = tf.tidy(() => {
      const x = tf.tensor4d(buf.subarray(0, n * stride), [n, size, size, channels]);
      const y = labelRows ? tf.tensor2d(oneHotRows(labelRows.subarray(start, start + n), C), [n, C]) : undefined;
      const q = model.encode(x, y);
      const mse = opts.reconstruction === false ? tf.zeros([n]) : tf.mean(tf.reshape(tf.squaredDifference(tf.clipByValue(model.reconstruct(x, y), 0, 1), x), [n, stride]), 1);
      return [q.mu, q.logvar, mse];
    });
    const [m, lv, e] = await Promise.all([mu.data(), logvar.data(), err.data()]);
    tf.dispose([mu, logvar, err]);
    out.mu.set(m as Float32Array, start * J);
    out.logvar.set(lv as Float32Array, start * J);
    out.reconError.set(e as Float32Array, start);
    for (let i = 0; i < n; i++) {
      // KL per image = 1/2 sum_j (mu^2 + sigma^2 - log sigma^2 - 1).
      let kl = 0;
      for (let j = 0; j < J; j++) {
        const t = lv[i * J + j];
        kl += 0.5 * (m[i * J + j] ** 2 + Math.exp(t) - t - 1);
      }
      out.kl[start + i] = kl;
    }
    opts.onProgress?.(start + n, count);
    // Let cancel messages and progress events through between batches.
    await new Promise((r) => setImmediate(r));
  }
  return out;
}
