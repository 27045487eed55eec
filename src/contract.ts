/**
 * The one contract between the UI and everything behind it.
 *
 * Every request the renderer can make (its channel name, the payload schema checked at run
 * time, the result type) and every event it can receive is declared here. Electron main,
 * the preload, the web-mode server, the renderer's bridge, the engine and the tests all
 * derive from these maps; tests fail when a channel has no handler or a handler no channel.
 *
 * Two kinds of request:
 *  - engine requests run in the engine process (src/engine.ts): model work, files, datasets;
 *  - shell requests are OS work done by the host of the window: native dialogs (Electron
 *    main), or their web-mode stand-ins (src/server).
 */
import { z } from 'zod';
import type { AtlasErrorData } from './errors';

/**
 * A file or folder path on the engine's disk. Every path a request carries is declared with
 * this (never a bare string), 'read' when the engine only reads there (the app's bundled sample
 * set may be read, never written), so web mode can confine them all in one place
 * (src/server/confine.ts walks a payload's schema for these marks); a test fails on a request
 * field that is named like a path but not declared as one.
 */
export const fsPath = (access: 'read' | 'write' = 'write') => z.string().min(1).max(4096).meta({ fsPath: access });

/**
 * A folder inside a project, stored relative to the project folder in project.json: never
 * absolute and never climbing out with "..", so a project file cannot point the engine
 * elsewhere on the disk.
 */
const projectRelativeDir = () =>
  z
    .string()
    .min(1)
    .max(4096)
    .refine((p) => !/^([\\/]|[A-Za-z]:)/.test(p) && !p.split(/[\\/]/).includes('..'), { error: 'must be a folder inside the project: a relative path without ".."' })
    .meta({ projectRelative: true });

/** Marks a result type in a channel map; the value is never read. */
const result = <T>() => undefined as unknown as T;

// ---------------------------------------------------------------------------------------
// Shared value types

/** The tfjs backend the engine computes on, as users see it. */
export type BackendLabel = 'tfjs-node' | 'wasm' | 'cpu';

export interface EngineInfo {
  backend: BackendLabel;
  /** Why this backend: e.g. "tfjs-node not installed; using wasm with training kernels". */
  backendReason: string;
  tfjsVersion: string;
  appVersion: string;
  nodeVersion: string;
  pid: number;
}

export interface AppPaths {
  /** Default folder for new datasets and runs (LATENT_ATLAS_WORKSPACE, else ~/LatentAtlas). */
  workspace: string;
  /** The bundled sample dataset (ready to train), or null if the install lacks it. */
  sampleDataset: string | null;
}

export interface SpeedResult {
  backend: BackendLabel;
  gflops: number;
  iterations: number;
  seconds: number;
}

// ---------------------------------------------------------------------------------------
// Datasets (src/data): import options, reports and summaries as the UI sees them

export const IMAGE_SIZES = [16, 24, 32, 48, 64] as const;

const globList = z.array(z.string().min(1).max(500)).max(100);

/** Import options; every field optional, defaults applied by the engine (src/data/options.ts). */
export const importOptionsSchema = z
  .object({
    size: z.custom<(typeof IMAGE_SIZES)[number]>((v) => (IMAGE_SIZES as readonly unknown[]).includes(v), { message: `must be one of ${IMAGE_SIZES.join(', ')}` }),
    channels: z.enum(['auto', 'gray', 'rgb', 'rgba']),
    fit: z.enum(['contain', 'cover', 'stretch']),
    resampling: z.enum(['nearest', 'lanczos']),
    frames: z.enum(['first', 'all']),
    labels: z.enum(['folder', 'none']),
    include: globList,
    exclude: globList,
    maxImages: z.number().int().positive().nullable(),
    dedupe: z.boolean(),
    valFraction: z.number().min(0).max(0.5),
    seed: z.number().int(),
    includeHidden: z.boolean(),
    maxPixels: z.number().int().positive(),
    maxFileBytes: z.number().int().positive(),
    maxDepth: z.number().int().positive().max(256),
    background: z.tuple([z.number().int().min(0).max(255), z.number().int().min(0).max(255), z.number().int().min(0).max(255)]),
  })
  .partial()
  .strict();

export type ImportOptionsIn = z.input<typeof importOptionsSchema>;

/** Why a file was not imported. Stable strings: the UI groups by them and tests assert them. */
export type SkipCode =
  | 'empty_file' // zero bytes
  | 'truncated' // the image data ends early or is corrupt
  | 'not_an_image' // content is no image format at all
  | 'unsupported_format' // an image format sharp cannot read (BMP, HEIC, PSD, ...)
  | 'too_many_pixels' // over maxPixels: likely a decompression bomb
  | 'too_large' // file over maxFileBytes
  | 'broken_symlink'
  | 'symlink_loop' // a link back to a folder on its own path
  | 'duplicate_path' // a second link to a file or folder already walked
  | 'too_deep' // folder nesting over maxDepth
  | 'unreadable' // permission denied or an I/O error
  | 'not_a_file' // socket, FIFO or device
  | 'duplicate' // same bytes as an earlier file (dedupe)
  | 'decode_failed' // sharp failed for another reason
  | 'empty_cell'; // a sprite-sheet cell with no visible pixel

export interface SkippedFileReport {
  /** Path relative to the import root, or the uploaded file's name. */
  path: string;
  code: SkipCode;
  /** One sentence: what was wrong with the file. */
  reason: string;
}

/**
 * How a sprite sheet is cut into frames: by grid (Tiled's margin and spacing), automatically
 * by alpha islands, or by the JSON atlas that lies beside it (TexturePacker Hash/Array, Aseprite).
 */
export const sheetSlicingSchema = z.discriminatedUnion('mode', [
  z
    .object({
      mode: z.literal('grid'),
      cellWidth: z.number().int().min(1).max(16_384),
      cellHeight: z.number().int().min(1).max(16_384),
      /** Pixels around the whole sheet. */
      margin: z.number().int().min(0).max(16_384).default(0),
      /** Pixels between neighbouring cells. */
      spacing: z.number().int().min(0).max(16_384).default(0),
      /** Leave out cells with no visible pixel (listed as skipped, code empty_cell). */
      skipEmpty: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      mode: z.literal('auto'),
      /** A pixel counts as opaque when its alpha is above this. */
      alphaThreshold: z.number().int().min(0).max(254).default(0),
      /** Islands with fewer empty pixels than this between their boxes merge (0: only overlapping boxes). */
      gap: z.number().int().min(0).max(256).default(1),
      /** Islands with fewer opaque pixels are dust, not sprites. */
      minArea: z.number().int().min(1).max(1_000_000).default(16),
      /** Cut islands wider / taller than this along their emptiest lines (packed sheets whose sprites touch); 0 never cuts. */
      splitWidth: z.number().int().min(0).max(16_384).default(0),
      splitHeight: z.number().int().min(0).max(16_384).default(0),
    })
    .strict(),
  z
    .object({
      mode: z.literal('atlas'),
      /** The atlas JSON; default: beside the sheet with the same name (sheet.png -> sheet.json). */
      atlas: fsPath('read').optional(),
    })
    .strict(),
]);
export type SheetSlicing = z.output<typeof sheetSlicingSchema>;
export type SheetSlicingIn = z.input<typeof sheetSlicingSchema>;

/** One frame of a sheet in an import report or preview: its cell and what became of it. */
export interface SheetFrameReport {
  /** Unique in the sheet: r2c5 (grid), 17 (auto), the atlas' frame name. */
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** The atlas tag that covers it, if any. */
  tag: string | null;
  /** 'imported', why not (empty_cell, duplicate, ...), or over_limit (past the max images). */
  status: 'imported' | 'over_limit' | SkipCode;
}

export interface SheetImportReport {
  /** The sheet's file name. */
  sheet: string;
  width: number;
  height: number;
  mode: SheetSlicing['mode'];
  /** The atlas read (mode 'atlas'): its path and layout. */
  atlas: { file: string; layout: string } | null;
  /** Islands dropped as dust (mode 'auto'). */
  dust: number;
  frames: SheetFrameReport[];
}

/** What a sheet would be cut into, before importing (the Dataset panel draws the boxes on the image). */
export interface SheetPreview extends Omit<SheetImportReport, 'frames'> {
  frames: Array<Omit<SheetFrameReport, 'status'> & { empty: boolean }>;
  /** Frame sizes (upright, untrimmed), most common first. */
  sizes: Array<{ w: number; h: number; count: number }>;
  /** The sheet as the browser can show it: its own bytes, or a smaller PNG when large (scale < 1). */
  image: { mime: string; base64: string; scale: number };
}

export interface DatasetImportReport {
  imported: number;
  skipped: SkippedFileReport[];
  /** The dataset folder written. */
  dataset: string;
  decoded: number;
  fromCache: number;
  channels: 1 | 3 | 4;
  size: number;
  labels: string[];
  train: number;
  val: number;
  hidden: number;
  excluded: number;
  overLimit: number;
  durationMs: number;
  /** Sheet imports: every frame of every sheet, with its cell and what became of it. */
  sheets?: SheetImportReport[];
}

export interface DatasetSummary {
  dir: string;
  count: number;
  size: number;
  channels: 1 | 3 | 4;
  labels: string[];
  train: number;
  val: number;
  datasetHash: string;
  createdAt: string;
}

export interface DatasetItemInfo {
  index: number;
  /** Path relative to the import root, or the uploaded file's name. */
  source: string;
  label: string | null;
  split: 'train' | 'val';
  /** sha256 of the source file. */
  hash: string;
  /** The source image's size before resizing. */
  width: number;
  height: number;
  /** Frame number when each frame of an animation was imported. */
  frame?: number;
}

/** A page of thumbnails packed into one PNG grid (for the grid view and 3D sprites). */
export interface ThumbnailAtlas {
  /** PNG bytes, base64. */
  png: string;
  /** Index of the first image on this page. */
  first: number;
  count: number;
  columns: number;
  /** Cell size in pixels (the dataset's image size). */
  cell: number;
}

// ---------------------------------------------------------------------------------------
// Training (src/model, src/train)

/** Training and model settings; every field optional, defaults from src/train/config.ts. */
export const trainSettingsSchema = z
  .object({
    learningRate: z.number().gt(0).lt(1),
    batchSize: z.number().int().min(1).max(4096),
    epochs: z.number().int().min(1).max(100_000),
    seed: z.number().int().min(0),
    beta: z.number().min(0).max(1000),
    warmupSteps: z.number().int().min(0),
    freeBits: z.number().min(0).max(100),
    iwaeK: z.number().int().min(1).max(5000),
    valIwaeK: z.number().int().min(0).max(5000),
    valMaxImages: z.number().int().min(0),
    previewCount: z.number().int().min(0).max(64),
    progressEverySteps: z.number().int().min(1).max(10_000),
    /** Data-parallel training replicas: 'auto' = 2 on the wasm backend with 2+ cores and batch >= 32. */
    workers: z.union([z.literal(1), z.literal(2), z.literal('auto')], { error: 'must be 1, 2 or "auto"' }),
    /**
     * Train for about this many seconds instead of a fixed number of epochs (0 = off): the
     * epochs are computed before the first step from a measured probe of the model on this
     * dataset (the Quick / Balanced / Quality presets are time budgets).
     */
    timeBudgetSec: z.number().min(0).max(7 * 24 * 3600),
    /**
     * Conditional VAE: q(z|x,y) and p(x|z,y) with y the image's label (its subfolder), so samples
     * can be asked for by label. Refused unless the training images have 2+ labels with 8+ images each.
     */
    conditional: z.boolean(),
    architecture: z.enum(['hvae', 'conv', 'mlp']),
    lowerChannels: z.number().int().min(1).max(64),
    lowerLayers: z.union([z.literal(1), z.literal(2)]),
    gaussianMean: z.enum(['linear', 'sigmoid']),
    latentDim: z.number().int().min(2).max(64),
    likelihood: z.enum(['bernoulli', 'gaussian-fixed', 'gaussian-calibrated', 'gaussian-learned']),
    gaussianSigma: z.number().gt(0).max(10),
    hiddenUnits: z.array(z.number().int().min(1).max(8192)).max(8),
    convFilters: z.array(z.number().int().min(1).max(1024)).max(8),
    denseUnits: z.number().int().min(0).max(8192),
  })
  .partial()
  .strict();

export type TrainSettingsIn = z.input<typeof trainSettingsSchema>;

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
  /** Before the first step, when the run measured its speed (time budget or "auto" workers). */
  | ({ type: 'plan'; step: number; epoch: number } & RunEstimate)
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

// ---------------------------------------------------------------------------------------
// Projects (src/project): the project.json a user saves, reopens and resumes

export const PROJECT_SCHEMA_VERSION = 1;

const isoTime = z.string().min(1).max(64);
const shortId = z.string().regex(/^[\w-]{1,64}$/);

export const runRecordSchema = z
  .object({
    id: shortId,
    /** Run folder (checkpoints, latents.bin), relative to the project folder. */
    dir: projectRelativeDir(),
    startedAt: isoTime,
    updatedAt: isoTime,
    /** 'running' in a file that is being opened means the app or engine died mid-run. */
    status: z.enum(['running', 'completed', 'stopped', 'interrupted', 'failed']),
    settings: trainSettingsSchema,
    epoch: z.number().int().min(0),
    step: z.number().int().min(0),
    backend: z.string().max(32).nullable(),
    /** Per-epoch numbers (EpochReport), kept so charts survive a reopen. */
    history: z.array(z.object({ epoch: z.number().int(), step: z.number().int() }).passthrough()),
    /** Present when the run trained on a saved selection only (train.run `selection`). */
    selection: z.object({ name: z.string().max(200), images: z.number().int().min(0), trainImages: z.number().int().min(0), valImages: z.number().int().min(0) }).strict().optional(),
  })
  .strict();

export const projectFileSchema = z
  .object({
    schemaVersion: z.literal(PROJECT_SCHEMA_VERSION),
    name: z.string().min(1).max(200),
    createdAt: isoTime,
    updatedAt: isoTime,
    dataset: z
      .object({
        /** Dataset folder, relative to the project folder. */
        dir: projectRelativeDir(),
        /** The folder the images were imported from (absolute), or null for uploads. */
        sourceFolder: z.string().max(4096).nullable(),
        importOptions: importOptionsSchema,
        datasetHash: z.string().max(128).nullable(),
        count: z.number().int().min(0),
      })
      .strict()
      .nullable(),
    trainSettings: trainSettingsSchema,
    runs: z.array(runRecordSchema),
    /** Saved interpolation paths between dataset images. */
    paths: z.array(
      z
        .object({
          id: shortId,
          name: z.string().max(200),
          waypoints: z.array(z.number().int().min(0)).min(2).max(64),
          method: z.enum(['linear', 'slerp', 'geodesic']),
          frames: z.number().int().min(2).max(512),
        })
        .strict(),
    ),
    selections: z.array(z.object({ id: shortId, name: z.string().max(200), indices: z.array(z.number().int().min(0)).max(1_000_000) }).strict()),
  })
  .strict();

export type ProjectFile = z.infer<typeof projectFileSchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;

export interface OpenedProject {
  /** The project folder (absolute). */
  dir: string;
  project: ProjectFile;
  /** Things the user should know: originals moved, a run was interrupted. */
  notices: string[];
  /** Runs that were cut off (crash, kill) and can resume from their last checkpoint. */
  resumable: string[];
}

// ---------------------------------------------------------------------------------------
// Latent tools (src/latent, src/export)
//
// Binary arrays travel as base64 of little-endian bytes: "f32" = Float32Array, "i32" =
// Int32Array, "u8" = Uint8Array. 3x3 matrices are column-major (Three.js Matrix3.fromArray).

const latentPath = fsPath();
const datasetPath = fsPath('read');
/** A latent vector; its length must equal the model's latent size (the engine checks). */
const latentVector = z.array(z.number()).min(1).max(64);
/** A dataset image (stands for its posterior mean mu(x)) or an explicit latent vector. */
export const latentPointSchema = z.union([z.object({ index: z.number().int().min(0) }).strict(), z.object({ z: latentVector }).strict()]);
/** Three latent dimensions to use as the 3D axes instead of PCA; null = PCA (J > 3). */
const latentAxes = z.tuple([z.number().int().min(0).max(63), z.number().int().min(0).max(63), z.number().int().min(0).max(63)]).nullable().default(null);
/** The model (newest checkpoint of runDir) and the dataset it was trained on. */
const runAndDataset = { runDir: latentPath, dataset: datasetPath };

/** Pixel-art finishing: colour counts allowed for the dataset palette, and the default. */
export const PIXEL_ART_COLORS = { min: 16, max: 64, default: 32 } as const;
const colorsMessage = `must be a whole number of colours from ${PIXEL_ART_COLORS.min} to ${PIXEL_ART_COLORS.max}`;

/**
 * Pixel-art finishing (off unless given): snap every pixel to the dataset's palette (k-means
 * in OKLab on its training pixels, cached in the dataset folder) and make alpha 0 or 1 at a
 * threshold. Results then carry the finished images beside the raw ones; exports write them.
 */
export const pixelArtFinishSchema = z
  .object({
    palette: z.literal('dataset').default('dataset'),
    colors: z
      .number({ error: colorsMessage })
      .int({ error: colorsMessage })
      .min(PIXEL_ART_COLORS.min, { error: colorsMessage })
      .max(PIXEL_ART_COLORS.max, { error: colorsMessage })
      .default(PIXEL_ART_COLORS.default),
    /** Alpha at or above this is opaque, below it fully transparent. */
    alphaThreshold: z.number().min(0).max(1).default(0.5),
  })
  .strict();

export type PixelArtFinishSpec = z.output<typeof pixelArtFinishSchema>;
export type PixelArtFinishIn = z.input<typeof pixelArtFinishSchema>;

/** Temperature of the hierarchy's detail layer for prior samples (chosen on the quality bench). */
export const DEFAULT_SAMPLE_DETAIL = 0.8;

/** A label of a conditional model (its subfolder name); an unknown one is an error listing the known ones. */
const conditionalLabel = z.string().min(1).max(200);

export const interpolateSpecSchema = z
  .object({
    ...runAndDataset,
    /** Two or more points; the path visits them in order. */
    waypoints: z.array(latentPointSchema).min(2).max(64),
    method: z.enum(['linear', 'slerp', 'geodesic']).default('slerp'),
    /** Frames per segment, both ends included (a path of W waypoints has (W-1)(frames-1)+1 frames). */
    frames: z.number().int().min(2).max(256).default(16),
    geodesic: z
      .object({
        iterations: z.number().int().min(1).max(5000).default(200),
        /** The first trial step moves the largest latent coordinate by this much; the line search adapts it. */
        learningRate: z.number().gt(0).max(1).default(0.05),
        /** Stop once the gradient norm falls below this share of its first value, or the energy by less than this share of itself over 10 steps. */
        tolerance: z.number().min(0).max(1).default(1e-3),
      })
      .strict()
      .default({ iterations: 200, learningRate: 0.05, tolerance: 1e-3 }),
    axes: latentAxes,
    /**
     * Hierarchical model: the detail layer z2 along the path. 'endpoints' re-infers it: the
     * posterior of each image waypoint, blended from one to the next (the path starts and ends
     * on the reconstructions); 'prior' redraws it from p(z2|z1) at its mean (smoother, farther
     * from the originals). Ignored by the flat model. The default is 'endpoints'. The geodesic
     * and the reported lengths are measured on the decoder with the detail at its prior mean.
     */
    lower: z.enum(['endpoints', 'prior']).optional(),
    /**
     * Conditional model: decode the whole path as this label. Default: each image waypoint's own
     * label, blended along the path (a path between two classes changes class on the way).
     */
    label: conditionalLabel.optional(),
    /** Also return the images after pixel-art finishing (raw ones stay). */
    finish: pixelArtFinishSchema.optional(),
  })
  .strict();

export const sampleSpecSchema = z
  .object({
    ...runAndDataset,
    count: z.number().int().min(1).max(1024).default(16),
    /** tau: z ~ N(0, tau^2 I); around an image, the posterior's sigma is scaled by tau. */
    temperature: z.number().min(0).max(10).default(1),
    seed: z.number().int().min(0).default(0),
    /** Sample q(z|x) of this image instead of the prior. */
    around: z.object({ index: z.number().int().min(0) }).strict().nullable().default(null),
    /**
     * Where z is drawn from (without `around`): 'fitted', a 10-component Gaussian mixture fitted
     * to the training images' posterior means, i.e. where the data lies (samples land on whole
     * sprites instead of the prior's gaps); 'standard', the model's prior N(0, I). The
     * temperature scales either around its means.
     */
    prior: z.enum(['fitted', 'standard']).default('fitted'),
    /** Add the likelihood's per-pixel noise (a real sample of p(x|z)) instead of the mean image. */
    pixelNoise: z.boolean().default(false),
    /** Hierarchical model: temperature of the detail layer z2 ~ p(z2|z1) (0 = its mean: smooth). */
    detail: z.number().min(0).max(2).default(DEFAULT_SAMPLE_DETAIL),
    /** For each generated image, find the nearest training image in pixel space. */
    memorisation: z.boolean().default(true),
    /** Conditional model: the label to generate (required there, unless sampling around an image: its own label). */
    label: conditionalLabel.optional(),
    axes: latentAxes,
    /** Also return the images after pixel-art finishing (raw ones stay). */
    finish: pixelArtFinishSchema.optional(),
  })
  .strict();

export const traverseSpecSchema = z
  .object({
    ...runAndDataset,
    /** The point whose dimensions are swept (an image's mu or a vector); null = the origin. */
    base: latentPointSchema.nullable().default(null),
    /** Dimensions to sweep, one row each; null = all. */
    dims: z.array(z.number().int().min(0).max(63)).min(1).max(64).nullable().default(null),
    /** Values per row, evenly from -range to range. */
    steps: z.number().int().min(2).max(64).default(7),
    range: z.number().gt(0).max(10).default(3),
    pixelNoise: z.boolean().default(false),
    seed: z.number().int().min(0).default(0),
    memorisation: z.boolean().default(false),
    /** Conditional model: the label to decode the traversal as (default: the base image's own label; required from the origin). */
    label: conditionalLabel.optional(),
    axes: latentAxes,
    /** Also return the images after pixel-art finishing (raw ones stay). */
    finish: pixelArtFinishSchema.optional(),
  })
  .strict();

/**
 * An attribute vector v = mean mu(A) - mean mu(B) of two selections of images (e.g. "with
 * shield" minus "without"), applied to a point: z(s) = mu(x) + s v for `frames` strengths
 * evenly from 0 to `strength`. The hierarchy keeps the image's own detail layer, so strength 0
 * is its reconstruction.
 */
export const attributeSpecSchema = z
  .object({
    ...runAndDataset,
    /** Images that have the attribute. */
    positive: z.array(z.number().int().min(0)).min(1, { error: 'needs at least one image with the attribute' }).max(1_000_000),
    /** Images that lack it. */
    negative: z.array(z.number().int().min(0)).min(1, { error: 'needs at least one image without the attribute' }).max(1_000_000),
    /** The image (or vector) the attribute is applied to. */
    base: latentPointSchema,
    /** Strength at the strip's last frame (negative removes the attribute). */
    strength: z.number().min(-5).max(5).default(1),
    frames: z.number().int().min(2).max(64).default(8),
    axes: latentAxes,
    /** Also return the images after pixel-art finishing (raw ones stay). */
    finish: pixelArtFinishSchema.optional(),
  })
  .strict();

export type AttributeSpecIn = z.input<typeof attributeSpecSchema>;
export type InterpolateSpecIn = z.input<typeof interpolateSpecSchema>;
export type SampleSpecIn = z.input<typeof sampleSpecSchema>;
export type TraverseSpecIn = z.input<typeof traverseSpecSchema>;

/** "Same z, other label": images re-drawn as other labels at their own z = mu(x, y_own) (conditional model). */
export const relabelSpecSchema = z
  .object({
    ...runAndDataset,
    images: z.array(z.object({ index: z.number().int().min(0) }).strict()).min(1).max(16),
    /** The labels to draw them as, one row each; default: every label of the model. */
    labels: z.array(conditionalLabel).min(1).max(256).optional(),
    /** Hierarchical model: temperature of the detail layer z2 ~ p(z2|z1,y) (0 = its mean). */
    detail: z.number().min(0).max(2).default(0),
    seed: z.number().int().min(0).default(0),
  })
  .strict();

/** A path from one label to another at a fixed z (an image's mu, or a vector): the label embedding blended. */
export const labelPathSpecSchema = z
  .object({
    ...runAndDataset,
    at: latentPointSchema,
    from: conditionalLabel,
    to: conditionalLabel,
    frames: z.number().int().min(2).max(64).default(8),
    detail: z.number().min(0).max(2).default(0),
    seed: z.number().int().min(0).default(0),
  })
  .strict();
export type RelabelSpecIn = z.input<typeof relabelSpecSchema>;
export type LabelPathSpecIn = z.input<typeof labelPathSpecSchema>;

/**
 * Sprite-sheet atlas layouts, each written as the tool it imitates writes it: TexturePacker's
 * JSON Hash and JSON Array (PixiJS, Phaser, melonJS), Aseprite's JSON with frame tags (Phaser,
 * Kaplay loadAseprite, Excalibur, melonJS), a Godot 4 SpriteFrames resource, Kaplay's
 * loadSpriteAtlas JSON, and a plain grid description (Unity "Grid by cell size", GameMaker).
 */
export const SHEET_LAYOUTS = ['texturepacker-hash', 'texturepacker-array', 'aseprite', 'godot', 'kaplay', 'grid'] as const;
export type SheetLayout = (typeof SHEET_LAYOUTS)[number];
/** Sheet option limits and defaults (TexturePacker's: 2 px padding, 1 px extrusion; pivot at the feet). */
export const SHEET_LIMITS = { padding: { min: 0, max: 16, default: 2 }, extrude: { min: 0, max: 4, default: 1 }, maxWidth: { min: 16, max: 16_384 } } as const;

export const sheetOptionsSchema = z
  .object({
    layout: z.enum(SHEET_LAYOUTS).default('texturepacker-hash'),
    /** Transparent pixels between frames and around the sheet's edge. */
    padding: z.number().int().min(SHEET_LIMITS.padding.min).max(SHEET_LIMITS.padding.max).default(SHEET_LIMITS.padding.default),
    /** Edge pixels repeated outwards around each frame, so texture filtering never samples a neighbour. */
    extrude: z.number().int().min(SHEET_LIMITS.extrude.min).max(SHEET_LIMITS.extrude.max).default(SHEET_LIMITS.extrude.default),
    /** Round the sheet's width and height up to powers of two. */
    powerOfTwo: z.boolean().default(false),
    /** Widest the sheet may be, in pixels; null = no limit (the columns decide). */
    maxWidth: z.number().int().min(SHEET_LIMITS.maxWidth.min).max(SHEET_LIMITS.maxWidth.max).nullable().default(null),
    /** Cut each frame to its opaque pixels; atlases keep spriteSourceSize/sourceSize so engines place it as before. */
    trim: z.boolean().default(false),
    /** Pivot (anchor) as a share of the frame, from its top-left; default centre-bottom, for characters standing on the ground. */
    pivot: z.object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1) }).strict().default({ x: 0.5, y: 1 }),
  })
  .strict();
export type SheetOptions = z.output<typeof sheetOptionsSchema>;
export type SheetOptionsIn = z.input<typeof sheetOptionsSchema>;

export const exportOptionsSchema = z
  .object({
    /** What to decode: the same specs as latent.interpolate/sample/traverse, or latent vectors. */
    source: z.union([
      z.object({ interpolate: interpolateSpecSchema }).strict(),
      z.object({ sample: sampleSpecSchema }).strict(),
      z.object({ traverse: traverseSpecSchema }).strict(),
      z.object({ attribute: attributeSpecSchema }).strict(),
      /** dataset: needed only for pixel-art finishing (its palette). */
      z.object({ latents: z.object({ runDir: latentPath, z: z.array(latentVector).min(1).max(4096), dataset: datasetPath.optional() }).strict() }).strict(),
    ]),
    outDir: latentPath,
    formats: z.array(z.enum(['png', 'sheet', 'gif', 'webp'])).min(1).default(['png', 'sheet']),
    /** File name pattern: {i} = frame number (zero-padded), {n} = frame count; no extension. */
    name: z.string().regex(/^[\w.{}-]{1,100}$/).default('frame-{i}'),
    /** Base name for the sheet, its atlas and the animations. */
    sheetName: z.string().regex(/^[\w.-]{1,100}$/).default('sheet'),
    /** Nearest-neighbour upscale factor. */
    scale: z.number().int().min(1).max(8).default(1),
    /** Frame delay of GIF/WebP animations. */
    delayMs: z.number().int().min(10).max(10_000).default(100),
    /** Play forwards then backwards (without repeating the end frames). */
    pingPong: z.boolean().default(false),
    /** Animation loop count; 0 = forever. */
    loop: z.number().int().min(0).max(65_535).default(0),
    /** Sheet columns; null = a square-ish grid. */
    columns: z.number().int().min(1).max(256).nullable().default(null),
    /** Replace files that exist; otherwise refuse and name them. */
    overwrite: z.boolean().default(false),
    /** Write pixel-art finished frames (the source spec's own `finish` applies when this is absent). */
    finish: pixelArtFinishSchema.optional(),
    /** Atlas layout and packing of the sprite sheet. */
    sheet: sheetOptionsSchema.prefault({}),
    /**
     * Write PNG frames and the sheet as palette PNGs (colour type 3) whose colours are the
     * dataset's palette plus one transparent entry; implies pixel-art finishing (alpha 0 or 255).
     */
    indexed: z.boolean().default(false),
  })
  .strict();

export type ExportOptionsIn = z.input<typeof exportOptionsSchema>;

/** Decoded images packed into one RGBA PNG grid, row by row. */
export interface ImageStrip {
  /** PNG bytes, base64. */
  png: string;
  count: number;
  columns: number;
  /** Cell size in pixels. */
  cell: number;
}

export interface LatentEncodeReport {
  count: number;
  latentDim: number;
  /**
   * Values in the hierarchy's spatial detail layer z2 (0 for a flat model): the UI offers the
   * detail temperature and the interpolation's detail mode only when it is above 0.
   */
  lowerDim: number;
  /** Training step of the checkpoint used. */
  step: number;
  /** The checkpoint folder used. */
  checkpoint: string;
  datasetHash: string;
  /** True when latents.bin already held this model's encoding of this dataset. */
  cached: boolean;
  seconds: number;
  meanKl: number;
  meanReconError: number;
  /** A conditional model's label vocabulary (it generates by label; its map shows q(z|x,y)); [] otherwise. */
  modelLabels: string[];
}

/** y = P (z - m); a 3D point maps back as z = m + P^T y. */
export interface LatentProjectionMap {
  method: 'pca' | 'axes';
  /** The latent dimensions used as axes ('axes'), else null. */
  axes: [number, number, number] | null;
  /** m, length J. */
  centre: number[];
  /** P: three rows of length J. */
  components: [number[], number[], number[]];
  /** Share of the means' variance along each axis. */
  explained: [number, number, number];
}

export interface LatentProjection extends LatentEncodeReport {
  projection: LatentProjectionMap;
  /** f32 count x 3: y per image. */
  points: string;
  labels: string[];
  /** i32 count: index into labels, -1 for none. */
  labelIndex: string;
  /** u8 count: 0 = train, 1 = validation. */
  split: string;
  /** f32 count: mean squared pixel error of g(mu) (pixel values in [0, 1]). */
  reconError: string;
  /** f32 count: KL(q(z|x) || p(z)) in nats. */
  kl: string;
  /**
   * f32 count x 9: per image a column-major 3x3 matrix whose columns are the axes of the
   * projected posterior ellipsoid S = P diag(sigma^2) P^T at k = 1 (half-length sqrt(eigenvalue));
   * scale by k from ellipsoidK for 19.9%, 73.8%, 95% of the mass.
   */
  ellipsoids: string;
  ellipsoidK: [number, number, number];
  /** The prior N(0, I) under the same map: centre -P m, axes of P P^T (column-major, k = 1). */
  prior: { centre: [number, number, number]; axes: number[] };
}

/** How the 3D view lays the images out: linear maps of the means (PCA, chosen dimensions) or nonlinear ones. */
export type LayoutMethod = 'pca' | 'dims' | 'umap' | 'tsne';
export const NONLINEAR_LAYOUTS = ['umap', 'tsne'] as const;
export type NonlinearLayoutMethod = (typeof NONLINEAR_LAYOUTS)[number];

/** A nonlinear layout of every image's posterior mean (no inverse, no ellipsoids). */
export interface LatentLayout {
  method: NonlinearLayoutMethod;
  seed: number;
  count: number;
  /** f32 count x 3, centred, RMS radius 2. */
  points: string;
  /** True when it came from memory or runDir/layouts (same weights, data, method, seed). */
  cached: boolean;
  /** Seconds the computation took (when cached: when it ran). */
  seconds: number;
}

export interface LatentDecodeResult {
  /** The latent vectors decoded (points mapped back with z = m + P^T y). */
  z: number[][];
  strip: ImageStrip;
}

export interface LatentNeighbours {
  /** Per query, the k nearest dataset images by Euclidean distance between posterior means. */
  neighbours: { indices: number[]; distances: number[] }[];
}

export interface LatentPathResult {
  method: 'linear' | 'slerp' | 'geodesic';
  /** Frames x J. */
  z: number[][];
  /** f32 frames x 3 under the dataset's projection. */
  points: string;
  strip: ImageStrip;
  /** Image-space length sum ||g(z_{i+1}) - g(z_i)|| of this path (pixel values in [0, 1]). */
  length: number;
  /** The same for the linear path through the same waypoints and frame count. */
  linearLength: number;
  /**
   * Geodesic only: optimisation steps taken and the path energy before and after (never higher).
   * improved: the optimiser lowered the energy; false means no step could, and the path is the
   * linear one. converged: after lowering it, the energy stopped falling (within tolerance)
   * before the step budget ran out.
   */
  geodesic?: { iterations: number; energyStart: number; energyEnd: number; converged: boolean; improved: boolean };
  /** Present when `finish` was asked for. */
  finished?: PixelArtFinished;
}

/** Memorisation check for one generated image. */
export interface NearestTraining {
  index: number;
  /** Root mean square pixel difference (pixel values in [0, 1]). */
  rms: number;
}

/** Images after pixel-art finishing, laid out like the raw strip beside them. */
export interface PixelArtFinished {
  strip: ImageStrip;
  /** The dataset palette used, '#rrggbb', darkest first (may hold fewer colours than asked for). */
  palette: string[];
  /** Colours asked for. */
  colors: number;
  alphaThreshold: number;
}

export interface LatentGenerated {
  z: number[][];
  points: string;
  strip: ImageStrip;
  /** Present when `finish` was asked for. */
  finished?: PixelArtFinished;
  /** Present when the memorisation check ran: one entry per generated image. */
  nearest: NearestTraining[] | null;
}

export interface LatentRelabelResult {
  /** Rows of the strip, in order. */
  labels: string[];
  /** Each image's own label (the one its z was inferred with), in column order. */
  ownLabels: string[];
  /** z = mu(x, y_own) of each image (the columns). */
  z: number[][];
  /** labels.length rows x images columns. */
  strip: ImageStrip;
}

export interface LatentLabelPathResult {
  z: number[];
  /** Weight of `to` per frame (0 at `from`, 1 at `to`). */
  t: number[];
  strip: ImageStrip;
}

export interface LatentTraversal extends LatentGenerated {
  /** Rows of the strip: one swept dimension each. */
  dims: number[];
  /** Columns: the values each dimension takes. */
  values: number[];
}

export interface LatentAttributeResult {
  /** v = mean mu(positive) - mean mu(negative), length J. */
  vector: number[];
  /** ||v||. */
  norm: number;
  positiveCount: number;
  negativeCount: number;
  /** The strength of each frame, 0 first. */
  strengths: number[];
  /** Frames x J: mu(x) + s v. */
  z: number[][];
  /** f32 frames x 3 under the dataset's projection. */
  points: string;
  strip: ImageStrip;
  /** Present when `finish` was asked for. */
  finished?: PixelArtFinished;
}

/** A named set of dataset images to write out as a file list. */
export interface SelectionCsvReport {
  /** The CSV written (absolute). */
  path: string;
  rows: number;
}

export interface ExportReport {
  outDir: string;
  frames: number;
  /** Every file written, absolute paths. */
  files: string[];
  width: number;
  height: number;
  /** Present when the frames were pixel-art finished: the palette used and the alpha threshold. */
  pixelArt?: { palette: string[]; colors: number; alphaThreshold: number };
  /** Present when a sprite sheet was written: its layout, pixel size and atlas file. */
  sheet?: { layout: SheetLayout; width: number; height: number; atlas: string };
}

/** The latent map for the TensorFlow Embedding Projector (projector.tensorflow.org). */
export const projectorExportSchema = z
  .object({
    ...runAndDataset,
    outDir: latentPath,
    /** Thumbnail edge in the sprite image; null = the training size, made smaller when the projector's 8192 px limit needs it. */
    thumbnail: z.number().int().min(4).max(128).nullable().default(null),
    overwrite: z.boolean().default(false),
  })
  .strict();

export interface ProjectorExportReport {
  outDir: string;
  /** Every file written, absolute paths: vectors.tsv, metadata.tsv, sprite.png, projector_config.json. */
  files: string[];
  count: number;
  latentDim: number;
  /** Thumbnail size in the sprite image, and the sprite's grid (images per row and column). */
  singleImageDim: [number, number];
  spriteGrid: number;
}

// ---------------------------------------------------------------------------------------
// Engine requests

/** A sprite sheet on the engine's disk. */
const sheetOnDiskSchema = z.object({ sheet: fsPath('read') });
/** A sprite sheet uploaded into a staging area (dataset.stageFiles), by its file name there; its atlas may lie beside it. */
const sheetUploadedSchema = z.object({ staged: z.string().regex(/^[\w-]{1,64}$/), sheetName: z.string().min(1).max(1024) });
/** Where a sheet import or preview reads the sheet. */
export type SheetSource = z.input<typeof sheetOnDiskSchema> | z.input<typeof sheetUploadedSchema>;

export const engineRequests = {
  /** Which backend the engine runs on and its versions; a cheap round trip. */
  'engine.info': {
    payload: z.object({}).strict(),
    result: result<EngineInfo>(),
  },
  /** Where the app keeps its work (datasets, runs) and the bundled sample set. */
  'engine.paths': {
    payload: z.object({}).strict(),
    result: result<AppPaths>(),
  },
  /** Measure this machine's matmul throughput on the engine's backend (progress, cancel). */
  'engine.measureSpeed': {
    payload: z
      .object({
        seconds: z.number().min(0.1).max(60).default(2),
        size: z.number().int().min(16).max(2048).default(256),
      })
      .strict(),
    result: result<SpeedResult>(),
  },
  /** Import a folder (or staged uploads) into a dataset folder; progress, cancel, skipped-file report. */
  'dataset.import': {
    payload: z
      .object({
        source: z.union([
          z.object({ folder: fsPath('read') }).strict(),
          z.object({ staged: z.string().regex(/^[\w-]{1,64}$/) }).strict(),
          sheetOnDiskSchema.extend({ slicing: sheetSlicingSchema }).strict(),
          sheetUploadedSchema.extend({ slicing: sheetSlicingSchema }).strict(),
        ]),
        output: fsPath(),
        options: importOptionsSchema.default({}),
      })
      .strict(),
    result: result<DatasetImportReport>(),
  },
  /** Slice a sprite sheet without importing: the frames' boxes, their sizes and the image to draw them on. */
  'dataset.sheetPreview': {
    payload: z.union([
      sheetOnDiskSchema.extend({ slicing: sheetSlicingSchema, maxPixels: z.number().int().positive().optional() }).strict(),
      sheetUploadedSchema.extend({ slicing: sheetSlicingSchema, maxPixels: z.number().int().positive().optional() }).strict(),
    ]),
    result: result<SheetPreview>(),
  },
  /**
   * Upload files for an import (drag and drop, web mode): appended to a staging area named
   * by `staged`; the next dataset.import with source {staged} imports them. Send big drops in
   * several calls below the message limit.
   */
  'dataset.stageFiles': {
    payload: z
      .object({
        staged: z.string().regex(/^[\w-]{1,64}$/),
        files: z.array(z.object({ name: z.string().min(1).max(1024), base64: z.string() }).strict()).min(1).max(10_000),
      })
      .strict(),
    result: result<{ staged: string; files: number; bytes: number }>(),
  },
  /** Copy a dataset (e.g. the bundled sample set into a project), written atomically. */
  'dataset.copy': {
    payload: z.object({ from: fsPath('read'), to: fsPath() }).strict(),
    result: result<DatasetSummary>(),
  },
  /** Open an imported dataset and summarise it. */
  'dataset.info': {
    payload: z.object({ path: fsPath('read') }).strict(),
    result: result<DatasetSummary>(),
  },
  /** One image's record: where it came from, its label and split (for the inspector). */
  'dataset.item': {
    payload: z.object({ path: fsPath('read'), index: z.number().int().min(0) }).strict(),
    result: result<DatasetItemInfo>(),
  },
  /** Many image records at once (search over file names, big datasets). */
  'dataset.items': {
    payload: z.object({ path: fsPath('read'), from: z.number().int().min(0), count: z.number().int().min(1).max(10_000) }).strict(),
    result: result<{ items: DatasetItemInfo[]; total: number }>(),
  },
  /** One page of thumbnails as a PNG grid. */
  'dataset.thumbnails': {
    payload: z
      .object({ path: fsPath('read'), page: z.number().int().min(0), perPage: z.number().int().min(1).max(1024).default(256) })
      .strict(),
    result: result<ThumbnailAtlas>(),
  },
  /**
   * Train a VAE on a dataset, checkpointing into runDir every epoch and on stop. Progress
   * events carry TrainProgress in `data`. Cancelling ends the run without saving; use
   * train.control 'stop' to end it at a step boundary with a checkpoint.
   */
  'train.run': {
    payload: z
      .object({
        dataset: fsPath('read'),
        runDir: fsPath(),
        settings: trainSettingsSchema.default({}),
        /** Continue from runDir's newest checkpoint (epochs may be raised). */
        resume: z.boolean().default(false),
        /** The project this run belongs to: its run record is saved after every epoch. */
        project: z.object({ dir: fsPath(), runId: z.string().regex(/^[\w-]{1,64}$/) }).strict().optional(),
        /**
         * Train on these images only ("train on this selection"): the selection's training-split
         * images train, its validation-split images validate; the rest of the dataset is left out.
         */
        selection: z
          .object({ name: z.string().min(1).max(200), indices: z.array(z.number().int().min(0)).min(1, { error: 'the selection is empty' }).max(1_000_000) })
          .strict()
          .optional(),
      })
      .strict(),
    result: result<TrainRunReport>(),
  },
  /**
   * The training run in progress, if any: a page that was reloaded (or a second window) uses
   * it to show the run again and to poll its progress.
   */
  'train.status': {
    payload: z.object({}).strict(),
    result: result<TrainStatusReport>(),
  },
  /**
   * How long training with these settings would take on this dataset here, measured with a short
   * probe of the model (a few seconds); with settings.timeBudgetSec, the epochs that fit in it.
   * Refused while a run trains (it would slow the run and measure the wrong thing).
   */
  'train.estimate': {
    payload: z
      .object({
        dataset: fsPath('read'),
        settings: trainSettingsSchema.default({}),
      })
      .strict(),
    result: result<RunEstimate>(),
  },
  /** Pause, resume or stop the running training at the next step boundary. */
  'train.control': {
    payload: z.object({ action: z.enum(['pause', 'resume', 'stop']) }).strict(),
    result: result<{ running: boolean; paused: boolean }>(),
  },
  /** Make a new project folder (refuses a folder that already holds a project). */
  'project.create': {
    payload: z.object({ dir: fsPath(), name: z.string().min(1).max(200) }).strict(),
    result: result<OpenedProject>(),
  },
  /**
   * Open a project. A corrupt or missing project.json fails with code 'invalid_input' or
   * 'not_found' and detail {backups: [{backup, updatedAt}]} naming the good backups; a file
   * from a newer app fails with 'unsupported'.
   */
  'project.open': {
    payload: z.object({ dir: fsPath() }).strict(),
    result: result<OpenedProject>(),
  },
  /**
   * Save the user's part of the project (atomic; the previous 3 versions are kept as
   * project.json.1..3). Run records are the engine's alone: a `runs` field is dropped here
   * and the file's own are kept; the UI reads them back with project.open.
   */
  'project.save': {
    payload: z.object({ dir: fsPath(), project: projectFileSchema.omit({ runs: true }).strip() }).strict(),
    result: result<{ savedAt: string }>(),
  },
  /** Copy the whole project (dataset, runs) to a new folder and open it there. */
  'project.saveAs': {
    payload: z.object({ dir: fsPath(), to: fsPath() }).strict(),
    result: result<OpenedProject>(),
  },
  /** Replace a damaged project.json with backup n (1 = newest). */
  'project.restoreBackup': {
    payload: z.object({ dir: fsPath(), backup: z.number().int().min(1).max(3) }).strict(),
    result: result<OpenedProject>(),
  },
  /** Recently opened projects, newest first. */
  'project.recent': {
    payload: z.object({}).strict(),
    result: result<{ recent: Array<{ dir: string; name: string; openedAt: string }> }>(),
  },
  /**
   * Encode every image of a dataset with the newest checkpoint of runDir (cached in
   * runDir/latents.bin; encodes again only when the weights or the dataset changed). Progress.
   */
  'latent.encode': {
    payload: z
      .object({
        ...runAndDataset,
        batchSize: z.number().int().min(1).max(4096).default(256),
        force: z.boolean().default(false),
        /** Encode a dataset the model was not trained on, deliberately; without this such a dataset is refused. */
        otherDataset: z.boolean().default(false),
      })
      .strict(),
    result: result<LatentEncodeReport>(),
  },
  /** The 3D view of the latent space: points, colouring data, posterior ellipsoids, the prior. */
  'latent.project': {
    payload: z.object({ ...runAndDataset, axes: latentAxes, batchSize: z.number().int().min(1).max(4096).default(256) }).strict(),
    result: result<LatentProjection>(),
  },
  /**
   * UMAP or t-SNE of the posterior means into 3D, seeded (same model, data and seed: same
   * map), cached in runDir/layouts/ with the model's weights (a new checkpoint computes it
   * again). Progress (data.stage: 'neighbours' then 'optimising'); cancellable.
   */
  'latent.layout': {
    payload: z.object({ ...runAndDataset, method: z.enum(NONLINEAR_LAYOUTS), seed: z.number().int().min(0).max(2_147_483_647).default(0) }).strict(),
    result: result<LatentLayout>(),
  },
  /** Where latent vectors (path frames, samples) fall in a nonlinear layout: among their nearest images. */
  'latent.place': {
    payload: z.object({ ...runAndDataset, method: z.enum(NONLINEAR_LAYOUTS), seed: z.number().int().min(0).max(2_147_483_647).default(0), z: z.array(latentVector).min(1).max(4096) }).strict(),
    result: result<{ points: string }>(),
  },
  /** Decode latent vectors, or 3D view points mapped back with z = m + P^T y, to images. */
  'latent.decode': {
    payload: z.union([
      z
        .object({ runDir: latentPath, z: z.array(latentVector).min(1).max(1024), pixelNoise: z.boolean().default(false), seed: z.number().int().min(0).default(0), label: conditionalLabel.optional() })
        .strict(),
      z
        .object({
          ...runAndDataset,
          points: z.array(z.tuple([z.number(), z.number(), z.number()])).min(1).max(1024),
          axes: latentAxes,
          pixelNoise: z.boolean().default(false),
          seed: z.number().int().min(0).default(0),
          /** Conditional model: the label to decode as (required there). */
          label: conditionalLabel.optional(),
        })
        .strict(),
    ]),
    result: result<LatentDecodeResult>(),
  },
  /** Exact k nearest dataset images in latent space (distance between posterior means). */
  'latent.neighbours': {
    payload: z
      .object({
        ...runAndDataset,
        queries: z.array(latentPointSchema).min(1).max(1024),
        k: z.number().int().min(1).max(1000).default(10),
        /** Leave an image query out of its own result. */
        excludeSelf: z.boolean().default(true),
      })
      .strict(),
    result: result<LatentNeighbours>(),
  },
  /** A path between images or vectors (linear, slerp, geodesic): latents, 3D points, frames, image-space lengths. */
  'latent.interpolate': {
    payload: interpolateSpecSchema,
    result: result<LatentPathResult>(),
  },
  /** New images from the prior N(0, tau^2 I) or around an image from q(z|x), with a memorisation check. */
  'latent.sample': {
    payload: sampleSpecSchema,
    result: result<LatentGenerated>(),
  },
  /** Sweep dimensions one at a time from -range to range, the others held at a base point. */
  /** "Same z, other label" (conditional model): each image re-drawn as each label; one strip row per label. */
  'latent.relabel': {
    payload: relabelSpecSchema,
    result: result<LatentRelabelResult>(),
  },
  /** A fixed z decoded from one label to another (conditional model). */
  'latent.labelPath': {
    payload: labelPathSpecSchema,
    result: result<LatentLabelPathResult>(),
  },
  'latent.traverse': {
    payload: traverseSpecSchema,
    result: result<LatentTraversal>(),
  },
  /** Attribute vector of two selections applied to an image: the vector, the strip and its 3D path. */
  'latent.attribute': {
    payload: attributeSpecSchema,
    result: result<LatentAttributeResult>(),
  },
  /**
   * Write a selection as a file list, CSV with the header "file,label,index" (file = path
   * relative to the import root). Atomic; refuses to replace an existing file unless overwrite.
   */
  'selection.exportCsv': {
    payload: z
      .object({
        dataset: datasetPath,
        indices: z.array(z.number().int().min(0)).min(1, { error: 'the selection is empty' }).max(1_000_000),
        file: fsPath(),
        overwrite: z.boolean().default(false),
      })
      .strict(),
    result: result<SelectionCsvReport>(),
  },
  /**
   * Decode a path, samples, a traversal or given vectors and write PNG frames (optionally
   * indexed), a sprite sheet with its atlas in the chosen layout (see SHEET_LAYOUTS), an animated
   * GIF and/or WebP into outDir. Refuses to replace existing files (naming them) unless overwrite
   * is true. The files are written as a set (staged in a hidden folder, moved in once complete):
   * Cancel, a failure or a kill leaves the folder's earlier files; progress phases 'decoding',
   * 'encoding' (frames) and 'writing' (files). An unwritable folder fails before any decoding.
   */
  'export.frames': {
    payload: exportOptionsSchema,
    result: result<ExportReport>(),
  },
  /**
   * Write the dataset's latent map for the TensorFlow Embedding Projector: vectors.tsv (the
   * posterior means), metadata.tsv (file, label, KL, reconstruction error), sprite.png and
   * projector_config.json. Refuses to replace existing files unless overwrite is true.
   */
  'export.projector': {
    payload: projectorExportSchema,
    result: result<ProjectorExportReport>(),
  },
} as const;

// ---------------------------------------------------------------------------------------
// Shell requests (Electron main, or the web server in web mode)

export const shellRequests = {
  /** Ask the user for a folder (Electron: native dialog). null when they cancel. */
  'shell.openFolder': {
    payload: z.object({ title: z.string().max(200).optional() }).strict(),
    result: result<{ path: string | null }>(),
  },
  /** Ask the user where to save (Electron: native dialog). null when they cancel. */
  'shell.saveTo': {
    payload: z
      .object({ title: z.string().max(200).optional(), defaultName: z.string().max(255).optional() })
      .strict(),
    result: result<{ path: string | null }>(),
  },
  /** Show a written file or folder in the system file manager (Electron; 'unsupported' in web mode). */
  'shell.reveal': {
    payload: z.object({ path: fsPath('read') }).strict(),
    result: result<{ ok: true }>(),
  },
} as const;

export const requests = { ...engineRequests, ...shellRequests } as const;

export type EngineChannel = keyof typeof engineRequests;
export type ShellChannel = keyof typeof shellRequests;
export type RequestChannel = EngineChannel | ShellChannel;

/** Runtime lists of channel names: preload and the web transport expose exactly these. */
export const engineChannels = Object.keys(engineRequests) as EngineChannel[];
export const shellChannels = Object.keys(shellRequests) as ShellChannel[];
export const requestChannels: RequestChannel[] = [...engineChannels, ...shellChannels];

/** What the caller passes (defaults may be omitted). */
export type PayloadIn<C extends RequestChannel> = z.input<(typeof requests)[C]['payload']>;
/** What the handler receives (defaults filled in, validated). */
export type Payload<C extends RequestChannel> = z.output<(typeof requests)[C]['payload']>;
export type Result<C extends RequestChannel> = (typeof requests)[C]['result'];

export function isRequestChannel(name: unknown): name is RequestChannel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}

export function isEngineChannel(name: unknown): name is EngineChannel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(engineRequests, name);
}

/**
 * Validate a payload for a channel. Returns the parsed payload (defaults applied) or an
 * error whose message names the channel and the offending fields.
 */
export function parsePayload<C extends RequestChannel>(
  channel: C,
  payload: unknown,
): { ok: true; value: Payload<C> } | { ok: false; error: AtlasErrorData } {
  const schema = requests[channel].payload as z.ZodType;
  const parsed = schema.safeParse(payload ?? {});
  if (parsed.success) return { ok: true, value: parsed.data as Payload<C> };
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`)
    .join('; ');
  return {
    ok: false,
    error: { code: 'bad_request', message: `Invalid payload for ${channel}: ${issues}`, detail: parsed.error.issues },
  };
}

// ---------------------------------------------------------------------------------------
// Events (engine or host -> UI)

export interface ProgressEvent {
  /** The request this progress belongs to. */
  requestId: string;
  channel: RequestChannel;
  /** A short phase name the UI can show ("scanning", "decoding", "training"). */
  phase: string;
  done: number;
  /** null when the total is not known yet. */
  total: number | null;
  /** Items per second, when meaningful. */
  rate?: number;
  /** Estimated seconds left. */
  etaSeconds?: number;
  message?: string;
  /** Channel-specific numbers (losses, skipped counts); see the channel's docs. */
  data?: Record<string, unknown>;
}

export interface LogEvent {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  time: string;
}

export type EngineState = 'starting' | 'ready' | 'restarting' | 'stopped';

export interface EngineStateEvent {
  state: EngineState;
  info?: EngineInfo;
  /** Why the state changed (e.g. "engine exited with code 1; starting a fresh one"). */
  reason?: string;
}

/** App-menu commands (Electron's menu bar); the renderer carries them out like its own buttons. */
export type MenuCommand = 'project.new' | 'project.open' | 'project.save' | 'project.saveAs' | 'dataset.import' | 'help.shortcuts';

export interface MenuEvent {
  command: MenuCommand;
  /** For Open Recent: the project folder chosen. */
  dir?: string;
}

export interface Events {
  progress: ProgressEvent;
  /** From the Electron menu (web mode has none: the UI shows the same commands itself). */
  menu: MenuEvent;
  log: LogEvent;
  /** Failures not tied to one request's result (e.g. the engine process died). */
  error: AtlasErrorData;
  'engine.state': EngineStateEvent;
}

export type EventName = keyof Events;
export const eventNames: EventName[] = ['progress', 'menu', 'log', 'error', 'engine.state'];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (eventNames as string[]).includes(name);
}

// ---------------------------------------------------------------------------------------
// What a request returns across every transport: a value or a plain error, never a throw.

export type Envelope<T> = { ok: true; result: T } | { ok: false; error: AtlasErrorData };

/** Largest message the web transport accepts (uploads are sent in chunks below this). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

// ---------------------------------------------------------------------------------------
// What the Electron preload exposes as window.atlas: one named function per channel (never
// a generic invoke), cancel, and one event subscription. The web bridge offers the same.

export type PreloadRequests = {
  [C in RequestChannel]: (payload: PayloadIn<C>, requestId: string) => Promise<Envelope<Result<C>>>;
};

export interface PreloadApi {
  requests: PreloadRequests;
  cancel(requestId: string): void;
  onEvent(listener: (name: EventName, data: Events[EventName]) => void): () => void;
}

/** IPC channel names used between preload and main. */
export const ipcChannel = {
  request: (channel: RequestChannel) => `atlas:request:${channel}`,
  cancel: 'atlas:cancel',
  event: 'atlas:event',
} as const;
