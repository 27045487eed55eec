/** Latent tools (src/latent, src/export): specs, results and the binary wire formats. Part of the contract (src/contract/index.ts re-exports every file). */
import { z } from 'zod';
import { fsPath } from './shared';

// ---------------------------------------------------------------------------------------
// Latent tools (src/latent, src/export)
//
// Binary arrays travel as base64 of little-endian bytes: "f32" = Float32Array, "i32" =
// Int32Array, "u8" = Uint8Array. 3x3 matrices are column-major (Three.js Matrix3.fromArray).

export const latentPath = fsPath();
export const datasetPath = fsPath('read');
/** A latent vector; its length must equal the model's latent size (the engine checks). */
export const latentVector = z.array(z.number()).min(1).max(64);
/** A dataset image (stands for its posterior mean mu(x)) or an explicit latent vector. */
export const latentPointSchema = z.union([z.object({ index: z.number().int().min(0) }).strict(), z.object({ z: latentVector }).strict()]);
/** Three latent dimensions to use as the 3D axes instead of PCA; null = PCA (J > 3). */
export const latentAxes = z
  .tuple([z.number().int().min(0).max(63), z.number().int().min(0).max(63), z.number().int().min(0).max(63)])
  .nullable()
  .default(null);
/** The model (newest checkpoint of runDir) and the dataset it was trained on. */
export const runAndDataset = { runDir: latentPath, dataset: datasetPath };

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
export const conditionalLabel = z.string().min(1).max(200);

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
    prior: z.enum(['fitted', 'standard']).default('fitted'),
    /** Add the likelihood's per-pixel noise (a real sample of p(x|z)) instead of the mean image. */
    pixelNoise: z.boolean().default(false),
    /**
     * Hierarchical model: temperature of the detail layer (0 = smooth). Under the standard prior
     * z2 ~ p(z2|z1) at this temperature; under the fitted prior, the fine detail its main
     * directions leave out, drawn as noise of the measured size times this.
     */
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
    pivot: z
      .object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1) })
      .strict()
      .default({ x: 0.5, y: 1 }),
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
    formats: z
      .array(z.enum(['png', 'sheet', 'gif', 'webp']))
      .min(1)
      .default(['png', 'sheet']),
    /** File name pattern: {i} = frame number (zero-padded), {n} = frame count; no extension. */
    name: z
      .string()
      .regex(/^[\w.{}-]{1,100}$/)
      .default('frame-{i}'),
    /** Base name for the sheet, its atlas and the animations. */
    sheetName: z
      .string()
      .regex(/^[\w.-]{1,100}$/)
      .default('sheet'),
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
