import { AtlasError } from '../errors';
import { MAX_IWAE_K } from './evaluate';
import { resolveModelConfig, type ModelConfig } from '../model/config';
import { forwardMacsPerImage } from '../model/flops';

/** Optimisation and objective settings; the model part is ModelConfig minus the image shape. */
export interface TrainSettings {
  learningRate: number;
  batchSize: number;
  epochs: number;
  /** One seed makes a run repeatable on the same backend (init, shuffling, noise). */
  seed: number;
  /** Target KL weight. */
  beta: number;
  /** KL warm-up: beta ramps linearly from 0 over this many steps (0 = off). */
  warmupSteps: number;
  /** Free bits lambda, nats per latent dimension (0 = off). */
  freeBits: number;
  /** Samples per image; > 1 trains on the IWAE bound L_k. */
  iwaeK: number;
  /** A 'step' progress event every this many steps. */
  progressEverySteps: number;
  /** Images in the fixed preview batch reconstructed after every epoch. */
  previewCount: number;
  /** IWAE samples for the per-epoch validation estimate of log p(x) (0 = ELBO only). */
  valIwaeK: number;
  /** Cap on validation images per epoch (0 = all). */
  valMaxImages: number;
  /**
   * Conditional VAE (vae-theory.md section 6): q(z|x,y) and p(x|z,y) with y the image's label
   * (its subfolder), so samples can be asked for by label. Needs 2+ labels with 8+ images each.
   */
  conditional: boolean;
}

export type ModelSettings = Omit<ModelConfig, 'height' | 'width' | 'channels'>;

export type TrainConfig = TrainSettings & Partial<ModelSettings>;

export interface ResolvedTrainConfig extends TrainSettings {
  model: ModelConfig;
}

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  learningRate: 1e-3,
  batchSize: 64,
  epochs: 10,
  seed: 1,
  beta: 1,
  // KL warm-up is on by default: it is the standard cure for posterior collapse, and the
  // hierarchy opens its spatial latent only when it ends (see ObjectiveOptions.lowerLayer).
  warmupSteps: 500,
  freeBits: 0,
  iwaeK: 1,
  progressEverySteps: 10,
  previewCount: 8,
  valIwaeK: 0,
  valMaxImages: 0,
  conditional: false,
};

const TRAIN_KEYS = Object.keys(DEFAULT_TRAIN_SETTINGS) as (keyof TrainSettings)[];

/** Fill defaults, take the image shape from the data, and check every value. */
export function resolveTrainConfig(config: Partial<TrainConfig>, shape: { height: number; width: number; channels: number }): ResolvedTrainConfig {
  const settings = { ...DEFAULT_TRAIN_SETTINGS };
  const modelPart: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) continue;
    if ((TRAIN_KEYS as string[]).includes(k)) (settings as Record<string, unknown>)[k] = v;
    else modelPart[k] = v;
  }
  const bad = (msg: string): never => {
    throw new AtlasError('invalid_input', msg);
  };
  if (!(settings.learningRate > 0 && settings.learningRate < 1)) bad(`Learning rate ${settings.learningRate} is out of range; use a value between 0 and 1 such as 0.001.`);
  for (const k of ['batchSize', 'epochs', 'progressEverySteps', 'iwaeK'] as const)
    if (!Number.isInteger(settings[k]) || settings[k] < 1) bad(`${k} must be a whole number of at least 1; got ${settings[k]}.`);
  for (const k of ['warmupSteps', 'previewCount', 'valMaxImages', 'valIwaeK', 'seed'] as const)
    if (!Number.isInteger(settings[k]) || settings[k] < 0) bad(`${k} must be a whole number of at least 0; got ${settings[k]}.`);
  if (settings.valIwaeK > MAX_IWAE_K) bad(`valIwaeK is at most ${MAX_IWAE_K}; got ${settings.valIwaeK}.`);
  if (typeof settings.conditional !== 'boolean') bad(`conditional must be true or false; got ${String(settings.conditional)}.`);
  if (!(settings.beta >= 0)) bad(`beta must be 0 or more; got ${settings.beta}.`);
  if (!(settings.freeBits >= 0)) bad(`Free bits must be 0 or more nats; got ${settings.freeBits}.`);
  const model = resolveModelConfig({ ...(modelPart as Partial<ModelConfig>), height: shape.height, width: shape.width, channels: shape.channels });
  checkModelSize(model);
  return { ...settings, model };
}

/**
 * The largest model a run may build: 300 million multiply-adds per image for one forward pass,
 * four times the largest default (the 64-px hierarchical model, 76 million). Every weight is
 * used at least once per pass, so this also bounds the weights: at most 300 million, 1.2 GB,
 * about 4.8 GB with gradients and Adam's two moments. Checked before anything is allocated:
 * 8 dense layers of 8,192 units (1,007 million) once grew past 9 GB.
 */
export const MAX_FORWARD_MACS = 300e6;

export function checkModelSize(model: ModelConfig): void {
  const macs = forwardMacsPerImage(model);
  if (macs > MAX_FORWARD_MACS)
    throw new AtlasError(
      'invalid_input',
      `This model needs ${Math.round(macs / 1e6)} million multiply-adds per image and could hold as many weights (up to ${((macs * 16) / 1e9).toFixed(1)} GB while training), over the limit of ${MAX_FORWARD_MACS / 1e6} million: use fewer or smaller layers (hiddenUnits, convFilters, denseUnits).`,
      { macs, limit: MAX_FORWARD_MACS },
    );
}
