/** Training (src/model, src/train): settings with their limits and defaults, progress and reports. Part of the contract (src/contract/index.ts re-exports every file). */
import { z } from 'zod';
import { decimalLimit as decimal, numberIn, wholeLimit as whole, type BackendLabel, type NumberLimit } from './shared';

// ---------------------------------------------------------------------------------------
// Training (src/model, src/train)

/**
 * The limits of every number among the training and model settings: the schema below, the
 * CLI's train flags and the Train panel's form read these.
 */
export const TRAIN_LIMITS = {
  learningRate: decimal(0, 1, 'both'),
  learningRateCooldown: decimal(0, 1),
  batchSize: whole(1, 4096),
  epochs: whole(1, 100_000),
  seed: whole(0, Infinity),
  beta: decimal(0, 1000),
  warmupSteps: whole(0, Infinity),
  freeBits: decimal(0, 100),
  iwaeK: whole(1, 5000),
  valIwaeK: whole(0, 5000),
  valMaxImages: whole(0, Infinity),
  previewCount: whole(0, 64),
  progressEverySteps: whole(1, 10_000),
  /** Seconds; a week at most. */
  timeBudgetSec: decimal(0, 7 * 24 * 3600),
  lowerChannels: whole(1, 64),
  latentDim: whole(2, 64),
  gaussianSigma: decimal(0, 10, 'min'),
  /** Units of one dense layer (hiddenUnits has up to MAX_LAYERS of them). */
  hiddenUnits: whole(1, 8192),
  /** Filters of one conv layer (convFilters has up to MAX_LAYERS of them). */
  convFilters: whole(1, 1024),
  denseUnits: whole(0, 8192),
} as const satisfies Record<string, NumberLimit>;

/** Most layers a hiddenUnits or convFilters list may name. */
export const MAX_LAYERS = 8;

const L = TRAIN_LIMITS;

/** The networks (src/model/config.ts says what each is); 'hvae' is the default for images. */
export const ARCHITECTURES = ['hvae', 'conv', 'mlp'] as const;
/** What p(x|z) is (docs/vae-theory.md section 2). */
export const LIKELIHOODS = ['bernoulli', 'gaussian-fixed', 'gaussian-calibrated', 'gaussian-learned'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];
export type LikelihoodKind = (typeof LIKELIHOODS)[number];

/** Training and model settings; every field optional, defaults TRAIN_DEFAULTS (below). */
export const trainSettingsSchema = z
  .object({
    learningRate: numberIn(L.learningRate),
    /**
     * The share of the run's last steps over which the learning rate falls from learningRate to 0
     * (half a cosine); 0 keeps it constant. The presets cool down (src/train/presets.ts).
     */
    learningRateCooldown: numberIn(L.learningRateCooldown),
    batchSize: numberIn(L.batchSize),
    epochs: numberIn(L.epochs),
    seed: numberIn(L.seed),
    beta: numberIn(L.beta),
    warmupSteps: numberIn(L.warmupSteps),
    freeBits: numberIn(L.freeBits),
    iwaeK: numberIn(L.iwaeK),
    valIwaeK: numberIn(L.valIwaeK),
    valMaxImages: numberIn(L.valMaxImages),
    previewCount: numberIn(L.previewCount),
    progressEverySteps: numberIn(L.progressEverySteps),
    /** Data-parallel training replicas: 'auto' = 2 on the wasm backend with 2+ cores and batch >= 32. */
    workers: z.union([z.literal(1), z.literal(2), z.literal('auto')], { error: 'must be 1, 2 or "auto"' }),
    /**
     * Train for about this many seconds instead of a fixed number of epochs (0 = off): the
     * epochs are computed before the first step from a measured probe of the model on this
     * dataset (the Quick / Balanced / Quality presets are time budgets).
     */
    timeBudgetSec: numberIn(L.timeBudgetSec),
    /**
     * Conditional VAE: q(z|x,y) and p(x|z,y) with y the image's label (its subfolder), so samples
     * can be asked for by label. Refused unless the training images have 2+ labels with 8+ images each.
     */
    conditional: z.boolean(),
    architecture: z.enum(ARCHITECTURES),
    lowerChannels: numberIn(L.lowerChannels),
    lowerLayers: z.union([z.literal(1), z.literal(2)]),
    fineLatent: z.boolean(),
    gaussianMean: z.enum(['linear', 'sigmoid']),
    latentDim: numberIn(L.latentDim),
    likelihood: z.enum(LIKELIHOODS),
    gaussianSigma: numberIn(L.gaussianSigma),
    hiddenUnits: z.array(numberIn(L.hiddenUnits)).max(MAX_LAYERS),
    convFilters: z.array(numberIn(L.convFilters)).max(MAX_LAYERS),
    denseUnits: numberIn(L.denseUnits),
  })
  .partial()
  .strict();

export type TrainSettingsIn = z.input<typeof trainSettingsSchema>;

/**
 * What a setting left out means: the engine fills these in (src/train/config.ts,
 * src/model/config.ts) and the CLI's --help states them. (The Train panel starts from a preset,
 * src/train/presets.ts, instead.) A time budget of 0 trains `epochs` epochs.
 */
export const TRAIN_DEFAULTS = {
  learningRate: 1e-3,
  // Constant unless asked: a run whose epochs are raised on resume then continues exactly as one
  // planned that long from the start would (a cooldown depends on where the run ends).
  learningRateCooldown: 0,
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
  architecture: 'hvae',
  latentDim: 16,
  likelihood: 'gaussian-calibrated',
  gaussianSigma: 0.1,
  // Linear: with a calibrated decoder a sigmoid saturates on sprites and collapses (src/model/config.ts).
  gaussianMean: 'linear',
  lowerChannels: 8,
  lowerLayers: 1,
  // On where the images allow it (32x32 and larger; ignored below): measured on the quality
  // bench, Twemoji 22 epochs 26.2 dB / SSIM 0.876 against 22.1 / 0.730 without it; DCSS sprites
  // 34 epochs 22.2 dB / 0.869 (src/model/config.ts ModelConfig.fineLatent).
  fineLatent: true,
  hiddenUnits: [512, 256],
  /** [] picks the filters from the image size. */
  convFilters: [],
  denseUnits: 256,
} satisfies Required<Omit<z.output<typeof trainSettingsSchema>, 'workers' | 'timeBudgetSec'>>;

/** Per-image numbers in nats (bitsPerDim in bits per pixel value). */
export interface LossReport {
  loss: number;
  recon: number;
  kl: number;
  elbo: number;
  /** -elbo / (D ln 2). */
  bitsPerDim: number;
  /** L_k with the training k (equals a one-sample ELBO when k = 1). */
  iwae: number;
}

export interface IwaeEstimate {
  k: number;
  /** Mean L_k over images: an estimate (lower bound) of log p(x), nats per image. */
  logLikelihood: number;
  /** -logLikelihood: the NLL usually quoted, nats per image. */
  nll: number;
  bitsPerDim: number;
  /** Standard error of the mean over images. */
  stdError: number;
}

/** Evaluation numbers on held-out images (per image, in nats unless named otherwise). */
export interface ValidationReport {
  images: number;
  /** Mean ELBO, nats per image (higher is better). */
  elbo: number;
  /** Mean E_q[-log p(x|z)], nats per image. */
  recon: number;
  /** Mean KL(q(z|x) || p(z)), nats per image. */
  kl: number;
  /** -ELBO in bits per dimension. */
  bitsPerDim: number;
  /** Mean KL per dimension of the global latent (z1 of the hierarchy). */
  klPerDim: number[];
  /**
   * Mean KL per latent layer, top first: [global z] for the flat model, [global z1, spatial z2]
   * for the hierarchy. A layer near 0 nats has collapsed (the model ignores it).
   */
  klLayers: number[];
  /** Cov_x(E_q[u]) per latent dimension. */
  latentVariance: number[];
  /** Dimensions with latentVariance > 0.01 (active units, Burda et al. 2015). */
  activeUnits: number;
  /**
   * PSNR in dB of the posterior-mean reconstructions (RGBA composited over mid-grey 0.5):
   * 10 log10(1 / MSE) over every displayed value. Absent in records made before it existed.
   */
  psnrDb?: number;
  iwae?: IwaeEstimate;
}

export interface EpochReport {
  epoch: number;
  step: number;
  train: LossReport;
  val: ValidationReport | null;
  seconds: number;
  /** Problems the engine saw in this epoch's numbers (posterior collapse), each with what to do. */
  warnings?: string[];
}

/** What the workers probe at the start of a run measured and chose ("auto" workers). */
export interface WorkersProbe {
  oneImagesPerSec: number;
  /** Null when the second worker could not start. */
  twoImagesPerSec: number | null;
  /** twoImagesPerSec / oneImagesPerSec. */
  speedup: number | null;
  chosen: 1 | 2;
  /** One line for people: "2 workers: 1.4x faster than 1 in a probe (520 vs 371 img/s)". */
  note: string;
}

/** A run's plan before its first step: epochs, the measured speed and how long it should take. */
export interface RunEstimate {
  /** The time budget asked for (seconds), or null for a fixed number of epochs. */
  budgetSec: number | null;
  epochs: number;
  trainImages: number;
  /** Validation images evaluated per epoch. */
  valImages: number;
  /** Training images per second measured on this model, batch and machine. */
  imagesPerSec: number;
  valImagesPerSec: number | null;
  /** Seconds per epoch at that speed (training, validation and overhead). */
  epochSec: number;
  /** Seconds the epochs still to train should take. */
  estimatedSec: number;
  /** Seconds the speed probe took before training (counted against the budget). */
  probeSec: number;
  workers: 1 | 2;
  /** Present when "auto" workers were decided by measuring 1 and 2. */
  probe: WorkersProbe | null;
  /** "about 9 min on 5,713 images (12 epochs at 410 img/s)". */
  summary: string;
}

/**
 * `data` of a dataset.train progress event: a step (every few steps), an epoch summary with
 * a preview PNG (originals in the top row, reconstructions below), a checkpoint written, or
 * a change of run state.
 */
export type TrainProgress =
  | ({
      type: 'step';
      step: number;
      epoch: number;
      epochs: number;
      totalSteps: number;
      stepsPerEpoch: number;
      beta: number;
      imagesPerSec: number;
      elapsedSec: number;
      etaSec: number;
      /** Training threads in use (2 = data-parallel on both cores). */
      workers: number;
    } & LossReport)
  | ({ type: 'epoch'; epochs: number; workers: number; previewPng: string | null } & EpochReport)
  | { type: 'checkpoint'; step: number; epoch: number; dir: string }
  /**
   * Before the first step, when the run measured its speed (time budget or "auto" workers); and
   * again (revised) at an epoch's end when a time-budgeted run's own epoch times moved the
   * epochs that fit its budget (raised, or lowered again but never below the first plan).
   */
  | ({ type: 'plan'; step: number; epoch: number; revised: boolean } & RunEstimate)
  | { type: 'paused' | 'resumed' | 'stopped'; step: number; epoch: number };

/** What train.status says about the engine's run (the renderer's own view of a run is its TrainingPhase). */
export interface TrainStatusReport {
  running: boolean;
  paused: boolean;
  dataset: string | null;
  runDir: string | null;
  /** The project run being trained, if train.run was given one (its record has the full history). */
  project: { dir: string; runId: string } | null;
  /** The newest step event and every epoch of this train.run so far. */
  lastStep: Extract<TrainProgress, { type: 'step' }> | null;
  epochs: EpochReport[];
  /** The running run's newest epoch previews (at most 30), after train.status's `previewsAfter` epoch. */
  previews: TrainPreview[];
  /**
   * How the engine's last run ended, kept until the next one starts: a page that was away when
   * it ended (reloaded, or polling once a second) shows its real outcome and every epoch.
   */
  ended: EndedRunReport | null;
}

/** An epoch's preview (originals above, reconstructions below) as a base64 PNG. */
export interface TrainPreview {
  epoch: number;
  png: string;
}

/** A run this engine trained that has ended, as train.status reports it. */
export interface EndedRunReport {
  /** 'stopped' also for a cancelled run (its newest checkpoint is kept); 'failed' for an error. */
  status: 'completed' | 'stopped' | 'failed';
  dataset: string;
  runDir: string;
  project: { dir: string; runId: string } | null;
  lastStep: Extract<TrainProgress, { type: 'step' }> | null;
  epochs: EpochReport[];
  previews: TrainPreview[];
}

/** A run restricted to a selection: its name and how many of its images trained and validated. */
export interface TrainSelectionNote {
  name: string;
  /** Images in the selection. */
  images: number;
  /** Of those, in the training split (the only images the run trains on). */
  trainImages: number;
  /** Of those, in the validation split (the only images it validates on). */
  valImages: number;
}

export interface TrainRunReport {
  status: 'completed' | 'stopped';
  /** Present when the run trained on a selection only. */
  selection?: TrainSelectionNote;
  step: number;
  epoch: number;
  history: EpochReport[];
  /** The newest checkpoint folder, if one was written. */
  checkpoint: string | null;
  backend: BackendLabel;
}
