import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AtlasError } from '../errors';
import { resolveModelConfig, type ModelConfig } from './config';
import type { Posterior } from './encoder';
import { fileWeightsHandler, loadNamedTensors, saveNamedTensors } from './io';
import { Rng } from './rng';
import { Vae } from './vae';

export const MODEL_FORMAT = 'latent-atlas-vae';
export const MODEL_SCHEMA_VERSION = 1;
/** Written last in a checkpoint folder; names the newest complete checkpoint. */
export const LATEST_FILE = 'latest.json';

export interface ModelMetadata {
  schemaVersion: number;
  modelConfig: ModelConfig;
  step: number;
  epoch: number;
  datasetHash: string;
}

/** Write a model's weights and config as model.json + weights.bin in `dir`. */
export async function saveModel(vae: Vae, dir: string, info: Omit<ModelMetadata, 'schemaVersion' | 'modelConfig'>): Promise<void> {
  const meta: ModelMetadata = { schemaVersion: MODEL_SCHEMA_VERSION, modelConfig: vae.config, ...info };
  await saveNamedTensors(fileWeightsHandler(dir), vae.store.named(), meta as unknown as Record<string, unknown>, MODEL_FORMAT);
}

/** A checkpoint folder (with latest.json) resolves to its newest checkpoint; a model folder to itself. */
export async function resolveModelDir(dir: string): Promise<string> {
  try {
    const latest = JSON.parse(await fs.readFile(path.join(dir, LATEST_FILE), 'utf8')) as { dir?: unknown };
    if (typeof latest.dir === 'string' && !latest.dir.includes('..') && !path.isAbsolute(latest.dir)) return path.join(dir, latest.dir);
    throw new AtlasError('invalid_input', `${path.join(dir, LATEST_FILE)} does not name a checkpoint; the folder is damaged.`);
  } catch (err) {
    if (err instanceof AtlasError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return dir;
    throw new AtlasError('invalid_input', `${path.join(dir, LATEST_FILE)} is not readable JSON (${(err as Error).message}).`);
  }
}

export interface DecodeOptions {
  /** Add the likelihood's pixel noise (a real sample of p(x|z)) instead of returning the mean image. */
  sampleNoise?: boolean;
  /** Seed for the pixel noise (and for the lower layers' draws of a hierarchical model). */
  seed?: number;
  /**
   * Hierarchical model: temperature of the lower layers drawn from their top-down prior
   * p(z2|z1) (0 = the prior's mean, the default: smooth and consistent along a path).
   * Ignored by the flat model.
   */
  lowerTemperature?: number;
  /**
   * Hierarchical model: offsets of z2 from its prior mean, one row of vae.lowerDim values per
   * latent (see Vae.lowerOffsets); ignored by the flat model.
   */
  lowerOffsets?: Float32Array;
  /**
   * Conditional model: label weights, one row of config.labels.length values per latent (one-hot
   * for a label, a blend for a path between two); required there, ignored by an unconditional model.
   */
  labels?: Float32Array;
}

export interface LoadedModel {
  config: ModelConfig;
  metadata: ModelMetadata;
  vae: Vae;
  /** q(z|x) (q(z|x,y) with label weights y [N, C] when conditional) for images [N, H, W, C] in [0, 1]; the caller disposes the tensors. */
  encode(x: tf.Tensor4D, y?: tf.Tensor2D): Posterior;
  /** Mean image g(z) for latents [N, J] (or a pixel-noise sample); the caller disposes it. */
  decode(z: tf.Tensor2D, opts?: DecodeOptions): tf.Tensor4D;
  /**
   * The reconstruction of images [N, H, W, C]: the mean image at the posterior means of every
   * latent layer (flat model: g(mu(x))). The caller disposes it.
   */
  reconstruct(x: tf.Tensor4D, y?: tf.Tensor2D): tf.Tensor4D;
  dispose(): void;
}

export function wrapModel(vae: Vae, metadata: ModelMetadata): LoadedModel {
  return {
    config: vae.config,
    metadata,
    vae,
    encode: (x, y) => vae.encode(x, y),
    decode: (z, opts = {}) =>
      tf.tidy(() => {
        const rng = new Rng(opts.seed ?? 0);
        const t = opts.lowerTemperature ?? 0;
        const lowerNoise = vae.lowerDim > 0 && t > 0 ? tf.tensor2d(rng.normals(z.shape[0] * vae.lowerDim), [z.shape[0], vae.lowerDim]) : undefined;
        const offsets = vae.lowerDim > 0 && opts.lowerOffsets ? tf.tensor2d(opts.lowerOffsets, [z.shape[0], vae.lowerDim]) : undefined;
        const C = vae.labelCount;
        const y = C > 0 && opts.labels ? tf.tensor2d(opts.labels, [z.shape[0], C]) : undefined;
        const out = vae.decodeRaw(z, lowerNoise, t, offsets, y);
        if (!opts.sampleNoise) return vae.meanImage(out);
        const noise = vae.likelihood.noiseKind === 'uniform' ? Float32Array.from({ length: out.size }, () => rng.uniform()) : rng.normals(out.size);
        return vae.toImage(vae.likelihood.sample(out, noise));
      }),
    reconstruct: (x, y) => tf.tidy(() => vae.meanImage(vae.reconstructRaw(x, y))),
    dispose: () => vae.dispose(),
  };
}

/** Load a saved model (a model folder or a checkpoint folder) onto the current backend. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const modelDir = await resolveModelDir(dir);
  const { tensors, metadata, format } = await loadNamedTensors(fileWeightsHandler(modelDir));
  try {
    if (format !== MODEL_FORMAT) throw new AtlasError('invalid_input', `${modelDir}/model.json is not a Latent Atlas model (format "${format}").`);
    const meta = metadata as unknown as ModelMetadata;
    if (typeof meta.schemaVersion !== 'number' || meta.schemaVersion > MODEL_SCHEMA_VERSION)
      throw new AtlasError('invalid_input', `${modelDir}/model.json has model schema ${meta.schemaVersion}; this version reads up to ${MODEL_SCHEMA_VERSION}. Update the app.`);
    // A model saved before the alpha setting was trained on straight colour.
    const config = resolveModelConfig({ ...meta.modelConfig, alpha: meta.modelConfig.alpha ?? 'straight', fineLatent: meta.modelConfig.fineLatent ?? false });
    const vae = new Vae(config, 0);
    try {
      vae.store.assign(tensors, `${modelDir}/weights.bin`);
    } catch (err) {
      vae.dispose();
      throw err;
    }
    return wrapModel(vae, { ...meta, modelConfig: config });
  } finally {
    tf.dispose(tensors);
  }
}
