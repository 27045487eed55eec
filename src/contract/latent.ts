/** Latent tools (src/latent): specs with their limits and defaults, results and the binary wire formats. Part of the contract (src/contract/index.ts re-exports every file). */
import { z } from 'zod';
import { decimalLimit as decimal, fsPath, numberIn, wholeLimit as whole, type NumberLimit } from './shared';
import { TRAIN_LIMITS } from './train';

// ---------------------------------------------------------------------------------------
// Latent tools (src/latent, src/export)
//
// Binary arrays travel as base64 of little-endian bytes: "f32" = Float32Array, "i32" =
// Int32Array, "u8" = Uint8Array. 3x3 matrices are column-major (Three.js Matrix3.fromArray).

/** The paths between waypoints (docs/vae-theory.md): straight, along a great circle, or bent to change the images evenly. */
export const INTERPOLATION_METHODS = ['linear', 'slerp', 'geodesic'] as const;
export type InterpolationMethod = (typeof INTERPOLATION_METHODS)[number];
/** Where prior samples draw z from (sampleSpecSchema.prior says what each is). */
export const SAMPLE_PRIORS = ['fitted', 'standard'] as const;
export type SamplePrior = (typeof SAMPLE_PRIORS)[number];
/**
 * Where a hierarchical model's fitted-prior samples take the fine detail that the fitted
 * directions leave out (sampleSpecSchema.detailFrom says what each is).
 */
export const SAMPLE_DETAIL_SOURCES = ['nearest', 'model'] as const;
export type SampleDetailSource = (typeof SAMPLE_DETAIL_SOURCES)[number];

/**
 * The limits of every number the latent tools take: the schemas below, the CLI's interpolate,
 * sample and traverse flags and the Generate and Interpolate panels read these.
 */
export const LATENT_LIMITS = {
  /** Points an interpolation path visits (and a saved path keeps). */
  waypoints: whole(2, 64),
  /** Frames per path segment, both ends included. */
  interpolateFrames: whole(2, 256),
  /** Geodesic paths: optimisation steps at most, the first trial step, and the relative stopping tolerance. */
  geodesicIterations: whole(1, 5000),
  geodesicLearningRate: decimal(0, 1, 'min'),
  geodesicTolerance: decimal(0, 1),
  /** Images one latent.sample draws. */
  sampleCount: whole(1, 1024),
  /** tau: z ~ N(0, tau^2 I), or the posterior's sigma scaled by tau. */
  temperature: decimal(0, 10),
  /** Temperature of the hierarchy's detail layer z2. */
  detail: decimal(0, 2),
  /** Seed of the random draws (samples, pixel noise, detail layers). */
  seed: whole(0, Infinity),
  /** Values per traversal row. */
  traverseSteps: whole(2, 64),
  /** A traversal sweeps each dimension from -range to range. */
  traverseRange: decimal(0, 10, 'min'),
  /** Strength at an attribute strip's last frame (negative removes the attribute). */
  attributeStrength: decimal(-5, 5),
  /** Frames of an attribute strip or a label path. */
  stripFrames: whole(2, 64),
  /** Images per encoding step (latent.encode, latent.project). */
  encodeBatchSize: whole(1, 4096),
  /** Seed of a UMAP or t-SNE layout (a 32-bit signed integer's positive range). */
  layoutSeed: whole(0, 2_147_483_647),
  /** Colours in the pixel-art palette taken from the dataset. */
  pixelArtColors: whole(16, 64),
  /** After pixel-art finishing, alpha at or above this is opaque, below it transparent. */
  alphaThreshold: decimal(0, 1),
} as const satisfies Record<string, NumberLimit>;

/**
 * What a latent-tool setting left out means: the schemas below fill these in, the CLI's --help
 * states them and the Generate and Interpolate panels start from them.
 */
export const LATENT_DEFAULTS = {
  interpolateMethod: 'slerp' as InterpolationMethod,
  interpolateFrames: 16,
  geodesicIterations: 200,
  geodesicLearningRate: 0.05,
  geodesicTolerance: 1e-3,
  sampleCount: 16,
  temperature: 1,
  /**
   * The detail of samples, chosen on the quality bench (DCSS sprites, Balanced, 10 min, seed 1): fitted
   * samples with the nearest sprite's detail at 1 against 0.8 are sharper (gradient ratio 0.89
   * against 0.79 of real sprites), as whole (opaque islands 1.03 against 0.92 of real sprites'),
   * and no nearer to any training sprite (median RMS 0.269 against 0.270).
   */
  detail: 1,
  prior: 'fitted' as SamplePrior,
  /**
   * Fitted samples borrow fine detail from their nearest training image: on the quality bench's
   * DCSS run they became crisp whole sprites where the model's own detail gave smooth blobs.
   */
  detailFrom: 'nearest' as SampleDetailSource,
  seed: 0,
  traverseSteps: 7,
  traverseRange: 3,
  attributeStrength: 1,
  stripFrames: 8,
  /** Relabelled images and label paths keep the detail layer at its mean. */
  relabelDetail: 0,
  encodeBatchSize: 256,
  layoutSeed: 0,
  pixelArtColors: 32,
  alphaThreshold: 0.5,
} satisfies Record<string, number | string>;

const LL = LATENT_LIMITS;
const LD = LATENT_DEFAULTS;

export const latentPath = fsPath();
export const datasetPath = fsPath('read');
/** A latent vector; its length must equal the model's latent size (the engine checks). */
export const latentVector = z.array(z.number()).min(1).max(TRAIN_LIMITS.latentDim.max);
/** A dataset image (stands for its posterior mean mu(x)) or an explicit latent vector. */
export const latentPointSchema = z.union([z.object({ index: z.number().int().min(0) }).strict(), z.object({ z: latentVector }).strict()]);
/** A latent dimension's index (below the model's latent size: the engine checks). */
const latentDimension = z
  .number()
  .int()
  .min(0)
  .max(TRAIN_LIMITS.latentDim.max - 1);
/** Three latent dimensions to use as the 3D axes instead of PCA; null = PCA (J > 3). */
export const latentAxes = z.tuple([latentDimension, latentDimension, latentDimension]).nullable().default(null);
/** The model (newest checkpoint of runDir) and the dataset it was trained on. */
export const runAndDataset = { runDir: latentPath, dataset: datasetPath };

const colorsMessage = `must be a whole number of colours from ${LL.pixelArtColors.min} to ${LL.pixelArtColors.max}`;

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
      .min(LL.pixelArtColors.min, { error: colorsMessage })
      .max(LL.pixelArtColors.max, { error: colorsMessage })
      .default(LD.pixelArtColors),
    /** Alpha at or above this is opaque, below it fully transparent. */
    alphaThreshold: numberIn(LL.alphaThreshold).default(LD.alphaThreshold),
  })
  .strict();

export type PixelArtFinishSpec = z.output<typeof pixelArtFinishSchema>;
export type PixelArtFinishIn = z.input<typeof pixelArtFinishSchema>;

/** A label of a conditional model (its subfolder name); an unknown one is an error listing the known ones. */
export const conditionalLabel = z.string().min(1).max(200);

export const interpolateSpecSchema = z
  .object({
    ...runAndDataset,
    /** Two or more points; the path visits them in order. */
    waypoints: z.array(latentPointSchema).min(LL.waypoints.min).max(LL.waypoints.max),
    method: z.enum(INTERPOLATION_METHODS).default(LD.interpolateMethod),
    /** Frames per segment, both ends included (a path of W waypoints has (W-1)(frames-1)+1 frames). */
    frames: numberIn(LL.interpolateFrames).default(LD.interpolateFrames),
    geodesic: z
      .object({
        iterations: numberIn(LL.geodesicIterations).default(LD.geodesicIterations),
        /** The first trial step moves the largest latent coordinate by this much; the line search adapts it. */
        learningRate: numberIn(LL.geodesicLearningRate).default(LD.geodesicLearningRate),
        /** Stop once the gradient norm falls below this share of its first value, or the energy by less than this share of itself over 10 steps. */
        tolerance: numberIn(LL.geodesicTolerance).default(LD.geodesicTolerance),
      })
      .strict()
      .default({ iterations: LD.geodesicIterations, learningRate: LD.geodesicLearningRate, tolerance: LD.geodesicTolerance }),
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
    count: numberIn(LL.sampleCount).default(LD.sampleCount),
    /** tau: z ~ N(0, tau^2 I); around an image, the posterior's sigma is scaled by tau. */
    temperature: numberIn(LL.temperature).default(LD.temperature),
    seed: numberIn(LL.seed).default(LD.seed),
    /** Sample q(z|x) of this image instead of the prior. */
    around: z
      .object({ index: z.number().int().min(0) })
      .strict()
      .nullable()
      .default(null),
    /**
     * Where z is drawn from (without `around`): 'fitted', a 10-component Gaussian mixture fitted
     * to the training images' posterior means, i.e. where the data lies (samples land on whole
     * sprites instead of the prior's gaps); for the hierarchy it is fitted jointly over z1 and
     * the main directions of z2, so the detail goes with the sprite. 'standard', the model's
     * prior N(0, I). The temperature scales either around its means.
     */
    prior: z.enum(SAMPLE_PRIORS).default(LD.prior),
    /** Add the likelihood's per-pixel noise (a real sample of p(x|z)) instead of the mean image. */
    pixelNoise: z.boolean().default(false),
    /**
     * Hierarchical model: temperature of the detail layer (0 = smooth). Under the standard prior
     * z2 ~ p(z2|z1) at this temperature; under the fitted prior, the fine detail its main
     * directions leave out, times this (from where `detailFrom` says).
     */
    detail: numberIn(LL.detail).default(LD.detail),
    /**
     * Hierarchical model, fitted prior: where the detail the fitted directions leave out comes
     * from. 'nearest': from the fitted training image nearest the draw (its fine layer and the
     * rest of its detail offsets, scaled by `detail`), so samples are crisp variations of
     * training sprites; 'model': noise of the measured size times `detail` on the spatial maps,
     * with the model's fine layer at its prior mean (smooth, further from any one sprite).
     */
    detailFrom: z.enum(SAMPLE_DETAIL_SOURCES).default(LD.detailFrom),
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
    dims: z.array(latentDimension).min(1).max(TRAIN_LIMITS.latentDim.max).nullable().default(null),
    /** Values per row, evenly from -range to range. */
    steps: numberIn(LL.traverseSteps).default(LD.traverseSteps),
    range: numberIn(LL.traverseRange).default(LD.traverseRange),
    pixelNoise: z.boolean().default(false),
    seed: numberIn(LL.seed).default(LD.seed),
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
    strength: numberIn(LL.attributeStrength).default(LD.attributeStrength),
    frames: numberIn(LL.stripFrames).default(LD.stripFrames),
    /** Conditional model: the label to decode the strip as (default: the base image's own label; required for a vector base). */
    label: conditionalLabel.optional(),
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
    images: z
      .array(z.object({ index: z.number().int().min(0) }).strict())
      .min(1)
      .max(16),
    /** The labels to draw them as, one row each; default: every label of the model. */
    labels: z.array(conditionalLabel).min(1).max(256).optional(),
    /** Hierarchical model: temperature of the detail layer z2 ~ p(z2|z1,y) (0 = its mean). */
    detail: numberIn(LL.detail).default(LD.relabelDetail),
    seed: numberIn(LL.seed).default(LD.seed),
  })
  .strict();

/** A path from one label to another at a fixed z (an image's mu, or a vector): the label embedding blended. */
export const labelPathSpecSchema = z
  .object({
    ...runAndDataset,
    at: latentPointSchema,
    from: conditionalLabel,
    to: conditionalLabel,
    frames: numberIn(LL.stripFrames).default(LD.stripFrames),
    detail: numberIn(LL.detail).default(LD.relabelDetail),
    seed: numberIn(LL.seed).default(LD.seed),
  })
  .strict();
export type RelabelSpecIn = z.input<typeof relabelSpecSchema>;
export type LabelPathSpecIn = z.input<typeof labelPathSpecSchema>;

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
  method: InterpolationMethod;
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
