import { AtlasError } from '../errors';
import { describeLimit, TRAIN_DEFAULTS, TRAIN_LIMITS, withinLimit } from '../contract';
import { resolveModelConfig, type ModelConfig } from '../model/config';
import { forwardMacsPerImage } from '../model/flops';

/** Optimisation and objective settings; the model part is ModelConfig minus the image shape. */
export interface TrainSettings {
  learningRate: number;
  /** Share of the last steps over which the learning rate cools to 0 (cooledLearningRate); 0 = constant. */
  learningRateCooldown: number;
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

/** The contract's defaults of the training part (TRAIN_DEFAULTS holds the model's too). */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  learningRate: TRAIN_DEFAULTS.learningRate,
  learningRateCooldown: TRAIN_DEFAULTS.learningRateCooldown,
  batchSize: TRAIN_DEFAULTS.batchSize,
  epochs: TRAIN_DEFAULTS.epochs,
  seed: TRAIN_DEFAULTS.seed,
  beta: TRAIN_DEFAULTS.beta,
  warmupSteps: TRAIN_DEFAULTS.warmupSteps,
  freeBits: TRAIN_DEFAULTS.freeBits,
  iwaeK: TRAIN_DEFAULTS.iwaeK,
  progressEverySteps: TRAIN_DEFAULTS.progressEverySteps,
  previewCount: TRAIN_DEFAULTS.previewCount,
  valIwaeK: TRAIN_DEFAULTS.valIwaeK,
  valMaxImages: TRAIN_DEFAULTS.valMaxImages,
  conditional: TRAIN_DEFAULTS.conditional,
};

const TRAIN_KEYS = Object.keys(DEFAULT_TRAIN_SETTINGS) as (keyof TrainSettings)[];
/** Names the errors use where the setting's key reads poorly. */
const SETTING_NAMES: Partial<Record<keyof TrainSettings, string>> = { learningRate: 'Learning rate', learningRateCooldown: 'Learning-rate cooldown', freeBits: 'Free bits' };
const NUMBER_KEYS = TRAIN_KEYS.filter((k): k is Exclude<keyof TrainSettings, 'conditional'> => k !== 'conditional');

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
  // The contract's limits (TRAIN_LIMITS), again for callers that do not come through a channel.
  for (const k of NUMBER_KEYS)
    if (!withinLimit(settings[k], TRAIN_LIMITS[k])) bad(`${SETTING_NAMES[k] ?? k} ${settings[k]} is out of range: use ${describeLimit(TRAIN_LIMITS[k])} (default ${DEFAULT_TRAIN_SETTINGS[k]}).`);
  if (typeof settings.conditional !== 'boolean') bad(`conditional must be true or false; got ${String(settings.conditional)}.`);
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
