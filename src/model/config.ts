import { ARCHITECTURES, IMAGE_SIZES, LIKELIHOODS, TRAIN_DEFAULTS, TRAIN_LIMITS, describeLimit, withinLimit, type Architecture, type LikelihoodKind } from '../contract';
import { AtlasError } from '../errors';

/**
 * What p(x|z) is (docs/vae-theory.md section 2), one of the contract's LIKELIHOODS:
 * 'bernoulli': Bern(sigmoid(logits)), stable logits form; 'gaussian-fixed': N(g(z), s^2 I),
 * s = gaussianSigma; 'gaussian-calibrated': one global s, set each batch in closed form
 * (s^2 = batch MSE); 'gaussian-learned': one s per channel, trained by gradient with the weights.
 *
 * The architectures (the contract's ARCHITECTURES): 'hvae', the hierarchical conv VAE (a flat
 * global z on top, a spatial latent map below with a top-down prior; vae-theory.md section 7),
 * the default for images; 'conv', the flat conv VAE; 'mlp', dense layers (with hiddenUnits []
 * a linear VAE, the probabilistic-PCA check). Conv models take square images of IMAGE_SIZES.
 */
export type { Architecture, LikelihoodKind };

export const CHANNEL_COUNTS = [1, 3, 4] as const;

export interface ModelConfig {
  /** Image height and width in pixels (conv: one of IMAGE_SIZES, square). */
  height: number;
  width: number;
  channels: number;
  architecture: Architecture;
  latentDim: number;
  likelihood: LikelihoodKind;
  /** Pixel noise s for 'gaussian-fixed'; initial s for 'gaussian-learned'. */
  gaussianSigma: number;
  /** Lower bound on a calibrated or learned s, so a perfect fit cannot send log s to -inf. */
  minSigma: number;
  /** MLP hidden layer sizes, encoder side (the decoder mirrors them). [] gives a linear VAE. */
  hiddenUnits: number[];
  /** Conv filters per stride-2 layer (length = number of halvings); [] picks from the size. */
  convFilters: number[];
  /** Dense layer between conv features and the latent; 0 for none. */
  denseUnits: number;
  /**
   * The mean image is sigmoid(decoder output) or the raw output. Linear is the default: with a
   * calibrated decoder a sigmoid saturates on sprites (most pixels exactly 0) and collapses;
   * displays clamp the linear mean to [0, 1].
   */
  gaussianMean: 'sigmoid' | 'linear';
  /** 'hvae': channels of each spatial latent map. */
  lowerChannels: number;
  /**
   * 'hvae': spatial latent maps under z1. 1: one map one level above the smallest (8x8 at
   * 32x32); 2: a coarse map at the smallest size (4x4) first, then that one.
   */
  lowerLayers: 1 | 2;
  /**
   * 'hvae': one more spatial map below the others, at twice z2's resolution (16x16 at 32x32),
   * with its prior p(z_fine | z1, z2): the pixel-level detail (outlines, eyes, highlights) that an
   * 8x8 map cannot place. On by default; below 32x32 there is no finer map, and it is switched
   * off (resolveModelConfig). false is what a checkpoint saved before this setting loads as.
   */
  fineLatent: boolean;
  /**
   * Conditional VAE (vae-theory.md section 6): the label vocabulary, in the order of the
   * embedding's rows. [] = unconditional (and what a checkpoint saved before labels loads as).
   */
  labels: string[];
  /**
   * RGBA only: how the model holds colour. 'premultiplied' (rgb * a; the default): colour under
   * a half-transparent edge pixel counts as much as it shows, so the model does not spend itself
   * on colour nobody sees. Measured on Twemoji, the same 12 epochs and seed: 19.07 dB, SSIM 0.516,
   * alpha MAE 0.057 against 18.31 dB, 0.474, 0.077 straight. 'straight' is what a checkpoint saved
   * before this setting loads as. Images go in and come out straight either way (Vae.toImage).
   */
  alpha: 'straight' | 'premultiplied';
}

export const DEFAULT_MODEL_CONFIG: Omit<ModelConfig, 'height' | 'width' | 'channels'> = {
  architecture: TRAIN_DEFAULTS.architecture,
  latentDim: TRAIN_DEFAULTS.latentDim,
  likelihood: TRAIN_DEFAULTS.likelihood,
  gaussianSigma: TRAIN_DEFAULTS.gaussianSigma,
  minSigma: 1e-3,
  hiddenUnits: TRAIN_DEFAULTS.hiddenUnits,
  convFilters: TRAIN_DEFAULTS.convFilters,
  denseUnits: TRAIN_DEFAULTS.denseUnits,
  gaussianMean: TRAIN_DEFAULTS.gaussianMean,
  lowerChannels: TRAIN_DEFAULTS.lowerChannels,
  lowerLayers: TRAIN_DEFAULTS.lowerLayers,
  fineLatent: TRAIN_DEFAULTS.fineLatent,
  labels: [],
  alpha: 'premultiplied',
};

/**
 * The flat conv VAE with a Bernoulli decoder: the first release's default, kept for the
 * theory checks (IWAE bounds, Burda-style evaluation) and as an Advanced setting.
 */
export const FLAT_CONV_CONFIG: Partial<ModelConfig> = { architecture: 'conv', likelihood: 'bernoulli', gaussianMean: 'sigmoid' };

/** Number of stride-2 halvings that bring a conv input down to 3 or 4 pixels. */
export function convDepth(size: number): number {
  let s = size;
  let n = 0;
  while (s > 4) {
    s = Math.ceil(s / 2);
    n++;
  }
  return n;
}

export function defaultConvFilters(size: number): number[] {
  const base = [32, 64, 64, 128, 128];
  return base.slice(0, convDepth(size));
}

export function resolveModelConfig(partial: Partial<ModelConfig> & Pick<ModelConfig, 'height' | 'width' | 'channels'>): ModelConfig {
  const cfg: ModelConfig = { ...DEFAULT_MODEL_CONFIG, ...stripUndefined(partial) } as ModelConfig;
  if (cfg.architecture !== 'mlp' && cfg.convFilters.length === 0) cfg.convFilters = defaultConvFilters(cfg.height);
  // The fine layer needs a map finer than z2's (3+ halvings: 32x32 and up), and the hierarchy:
  // elsewhere the setting means nothing, and the config says so.
  if (cfg.fineLatent && (cfg.architecture !== 'hvae' || cfg.convFilters.length < 3)) cfg.fineLatent = false;
  validateModelConfig(cfg);
  return cfg;
}

export function validateModelConfig(cfg: ModelConfig): void {
  const bad = (msg: string, detail?: unknown): never => {
    throw new AtlasError('invalid_input', msg, detail);
  };
  const { latentDim: latentLimit, lowerChannels: lowerLimit } = TRAIN_LIMITS;
  if (!withinLimit(cfg.latentDim, latentLimit)) bad(`Latent size ${cfg.latentDim} is not supported; choose ${describeLimit(latentLimit)}.`, { latentDim: cfg.latentDim });
  if (!(cfg.channels >= 1) || !Number.isInteger(cfg.channels)) bad(`Channel count ${cfg.channels} is not a positive whole number.`);
  if (cfg.architecture === 'conv' || cfg.architecture === 'hvae') {
    if (!(IMAGE_SIZES as readonly number[]).includes(cfg.height) || cfg.width !== cfg.height)
      bad(`The conv model needs square images of size ${IMAGE_SIZES.join('/')}; got ${cfg.width}x${cfg.height}. Re-import at a supported size or use the MLP model.`);
    if (!(CHANNEL_COUNTS as readonly number[]).includes(cfg.channels)) bad(`The conv model takes 1, 3 or 4 channels; got ${cfg.channels}.`);
    if (cfg.convFilters.length !== convDepth(cfg.height)) bad(`Size ${cfg.height} needs ${convDepth(cfg.height)} conv layers; convFilters has ${cfg.convFilters.length}.`);
    if (cfg.architecture === 'hvae' && cfg.convFilters.length < 2) bad(`The hierarchical model needs at least 2 conv layers; convFilters has ${cfg.convFilters.length}.`);
    if (cfg.architecture === 'hvae' && !withinLimit(cfg.lowerChannels, lowerLimit))
      bad(`lowerChannels (channels of the spatial latent) must be ${describeLimit(lowerLimit)}; got ${cfg.lowerChannels}.`);
    if (cfg.architecture === 'hvae' && cfg.lowerLayers !== 1 && cfg.lowerLayers !== 2) bad(`lowerLayers (spatial latent maps) must be 1 or 2; got ${String(cfg.lowerLayers)}.`);
    if (cfg.architecture === 'hvae' && typeof cfg.fineLatent !== 'boolean') bad(`fineLatent must be true or false; got ${String(cfg.fineLatent)}.`);
  } else if (cfg.architecture !== 'mlp') {
    bad(`Unknown architecture "${String(cfg.architecture)}"; use ${ARCHITECTURES.map((a) => `"${a}"`).join(', ')}.`);
  }
  if (!(LIKELIHOODS as readonly string[]).includes(cfg.likelihood)) bad(`Unknown likelihood "${cfg.likelihood}".`);
  if (!(cfg.gaussianSigma > 0)) bad(`Gaussian sigma must be positive; got ${cfg.gaussianSigma}.`);
  if (!(cfg.minSigma > 0)) bad(`minSigma must be positive; got ${cfg.minSigma}.`);
  if (!Array.isArray(cfg.labels) || cfg.labels.some((l) => typeof l !== 'string' || l.length === 0)) bad("The model's label vocabulary must be a list of non-empty names.", { labels: cfg.labels });
  if (cfg.alpha !== 'straight' && cfg.alpha !== 'premultiplied') bad(`alpha must be "straight" or "premultiplied"; got ${JSON.stringify(cfg.alpha)}.`);
  if (new Set(cfg.labels).size !== cfg.labels.length) bad(`The model's label vocabulary lists a name twice: ${cfg.labels.join(', ')}.`);
  for (const u of [...cfg.hiddenUnits, ...cfg.convFilters]) if (!Number.isInteger(u) || u < 1) bad(`Layer sizes must be positive whole numbers; got ${u}.`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
