/** Datasets (src/data): import options, reports and summaries as the UI sees them. Part of the contract (src/contract/index.ts re-exports every file). */
import { z } from 'zod';
import { fsPath, numberIn, type NumberLimit } from './shared';

// ---------------------------------------------------------------------------------------
// Datasets (src/data): import options, reports and summaries as the UI sees them

/** The sides, in pixels, images are imported at: the sizes the conv models are built for. */
export const IMAGE_SIZES = [16, 24, 32, 48, 64] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

/**
 * The import options that pick one of a few. channels: auto keeps the fewest that lose nothing;
 * fit: contain pads (transparent), cover fills and crops the centre, stretch ignores the aspect;
 * resampling: nearest keeps pixel art crisp, lanczos suits photos and anti-aliased art;
 * frames: one image per file, or each frame of a GIF/APNG/WebP; labels: the first subfolder
 * level below the import root, or none.
 */
export const IMPORT_CHOICES = {
  channels: ['auto', 'gray', 'rgb', 'rgba'],
  fit: ['contain', 'cover', 'stretch'],
  resampling: ['nearest', 'lanczos'],
  frames: ['first', 'all'],
  labels: ['folder', 'none'],
} as const;

/** The limits of the number import options: the schema below, the CLI's import flags and the Dataset panel's form read these. */
export const IMPORT_LIMITS = {
  /** Stop after this many images (null: no limit). */
  maxImages: { min: 1, max: Infinity, integer: true },
  /** Share of images (grouped by source file) held out for validation. */
  valFraction: { min: 0, max: 0.5, integer: false },
  /** Seed of the validation split. */
  seed: { min: -Infinity, max: Infinity, integer: true },
  /** Decoded pixel limit per image (width * height), against decompression bombs. */
  maxPixels: { min: 1, max: Infinity, integer: true },
  /** Files larger than this are skipped without being read. */
  maxFileBytes: { min: 1, max: Infinity, integer: true },
  /** Folder depth limit of the walk (the root is depth 0). */
  maxDepth: { min: 1, max: 256, integer: true },
  /** Each of the background's red, green and blue. */
  background: { min: 0, max: 255, integer: true },
} as const satisfies Record<string, NumberLimit>;

/** Include and exclude patterns: globs matched against the path relative to the import root (picomatch, `dot` off). */
export const GLOB_LIMITS = { length: 500, count: 100 } as const;

const globList = z.array(z.string().min(1).max(GLOB_LIMITS.length)).max(GLOB_LIMITS.count);
const I = IMPORT_LIMITS;
const colour = numberIn(I.background);

/** Import options; every field optional, defaults IMPORT_DEFAULTS (below), applied by the engine (src/data/options.ts). */
export const importOptionsSchema = z
  .object({
    size: z.custom<ImageSize>((v) => (IMAGE_SIZES as readonly unknown[]).includes(v), { message: `must be one of ${IMAGE_SIZES.join(', ')}` }),
    channels: z.enum(IMPORT_CHOICES.channels),
    fit: z.enum(IMPORT_CHOICES.fit),
    resampling: z.enum(IMPORT_CHOICES.resampling),
    frames: z.enum(IMPORT_CHOICES.frames),
    labels: z.enum(IMPORT_CHOICES.labels),
    include: globList,
    exclude: globList,
    maxImages: numberIn(I.maxImages).nullable(),
    /** Skip files whose bytes equal an earlier file's. */
    dedupe: z.boolean(),
    valFraction: numberIn(I.valFraction),
    seed: numberIn(I.seed),
    includeHidden: z.boolean(),
    maxPixels: numberIn(I.maxPixels),
    maxFileBytes: numberIn(I.maxFileBytes),
    maxDepth: numberIn(I.maxDepth),
    /** RGB used under transparent pixels when the output has no alpha channel (gray or rgb). */
    background: z.tuple([colour, colour, colour]),
  })
  .partial()
  .strict();

export type ImportOptionsIn = z.input<typeof importOptionsSchema>;
export type ImportOptions = z.output<typeof importOptionsSchema>;
/** Every import option, with the defaults filled in. */
export type ResolvedImportOptions = { [K in keyof ImportOptions]-?: Exclude<ImportOptions[K], undefined> };

/** What an import option left out means (the engine fills these in; the Dataset panel's form starts from them). */
export const IMPORT_DEFAULTS: ResolvedImportOptions = {
  size: 32,
  channels: 'auto',
  fit: 'contain',
  resampling: 'lanczos',
  frames: 'first',
  labels: 'folder',
  include: [],
  exclude: [],
  maxImages: null,
  dedupe: true,
  valFraction: 0.1,
  seed: 1,
  includeHidden: false,
  maxPixels: 50_000_000,
  maxFileBytes: 64 * 1024 * 1024,
  maxDepth: 32,
  background: [0, 0, 0],
};

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
