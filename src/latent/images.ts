/**
 * Decoding latent vectors to pictures: float mean images (or pixel-noise samples), bytes,
 * and the PNG grid the UI shows.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageStrip } from '../contract';
import { imageGridPng } from '../data/thumbnail-atlas';
import { AtlasError, cancelPoint } from '../errors';
import type { LoadedModel } from '../model/load';
import { toUint8 } from '../train/data';

export interface DecodedImages {
  count: number;
  size: number;
  channels: number;
  /** count x size x size x channels in [0, 1]. */
  pixels: Float32Array;
}

export function checkLatentLength(model: LoadedModel, z: number[][]): void {
  const J = model.config.latentDim;
  const bad = z.findIndex((v) => v.length !== J);
  if (bad >= 0) throw new AtlasError('invalid_input', `Latent vector ${bad} has ${z[bad].length} values but the model's latent size is ${J}.`);
}

export interface DecodeImagesOptions {
  pixelNoise?: boolean;
  seed?: number;
  /** Hierarchy: temperature of z2 drawn from p(z2|z1) (0 = its mean). */
  lowerTemperature?: number;
  /** Hierarchy: per latent, z2's offset from its prior mean (Vae.lowerOffsets), z.length x lowerDim. */
  lowerOffsets?: Float32Array;
  /** Conditional model: label weights, z.length x labels (conditional.ts makes them). */
  labels?: Float32Array;
  /** Checked before each batch of 256 (a cancel ends a long decode within a batch). */
  signal?: AbortSignal;
  /** After each batch: images decoded so far, of all. */
  onBatch?: (done: number, total: number) => void;
}

export async function decodeImages(model: LoadedModel, z: number[][], opts: DecodeImagesOptions = {}): Promise<DecodedImages> {
  checkLatentLength(model, z);
  const { height: size, channels } = model.config;
  const vocabulary = model.config.labels ?? [];
  if (vocabulary.length > 0 && !opts.labels)
    throw new AtlasError('invalid_input', `This model is conditional on labels, so every image it draws needs one: choose one of ${vocabulary.map((l) => `"${l}"`).join(', ')}.`, {
      known: [...vocabulary],
    });
  const stride = size * size * channels;
  const pixels = new Float32Array(z.length * stride);
  const batch = 256;
  for (let s = 0; s < z.length; s += batch) {
    await cancelPoint(opts.signal);
    const part = z.slice(s, s + batch);
    // Each batch gets its own noise seed so a long list does not repeat the same noise.
    const L = model.vae.lowerDim;
    const lowerOffsets = opts.lowerOffsets && L > 0 ? opts.lowerOffsets.subarray(s * L, (s + part.length) * L) : undefined;
    const C = vocabulary.length;
    const labels = opts.labels && C > 0 ? opts.labels.subarray(s * C, (s + part.length) * C) : undefined;
    const out = tf.tidy(() =>
      model.decode(tf.tensor2d(part, [part.length, model.config.latentDim]), {
        sampleNoise: opts.pixelNoise,
        seed: (opts.seed ?? 0) + s,
        lowerTemperature: opts.lowerTemperature,
        lowerOffsets,
        labels,
      }),
    );
    pixels.set((await out.data()) as Float32Array, s * stride);
    out.dispose();
    opts.onBatch?.(s + part.length, z.length);
  }
  return { count: z.length, size, channels, pixels };
}

export function imageBytes(images: DecodedImages): Uint8Array {
  return toUint8(images.pixels);
}

export async function imageStrip(images: DecodedImages, columns?: number): Promise<ImageStrip> {
  const { count, size, channels } = images;
  const bytes = imageBytes(images);
  const stride = size * size * channels;
  const cols = Math.max(1, Math.min(columns ?? count, count));
  const png = await imageGridPng((k) => bytes.subarray(k * stride, (k + 1) * stride), count, size, channels, cols);
  return { png: Buffer.from(png).toString('base64'), count, columns: cols, cell: size };
}
