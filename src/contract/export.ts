/** Exports (src/export): frame and sprite-sheet options with their limits and defaults, and the reports. Part of the contract (src/contract/index.ts re-exports every file). */
import { z } from 'zod';
import { attributeSpecSchema, datasetPath, interpolateSpecSchema, latentPath, latentVector, pixelArtFinishSchema, runAndDataset, sampleSpecSchema, traverseSpecSchema } from './latent';
import { decimalLimit as decimal, numberIn, wholeLimit as whole, type NumberLimit } from './shared';

/**
 * Sprite-sheet atlas layouts, each written as the tool it imitates writes it: TexturePacker's
 * JSON Hash and JSON Array (PixiJS, Phaser, melonJS), Aseprite's JSON with frame tags (Phaser,
 * Kaplay loadAseprite, Excalibur, melonJS), a Godot 4 SpriteFrames resource, Kaplay's
 * loadSpriteAtlas JSON, and a plain grid description (Unity "Grid by cell size", GameMaker).
 */
export const SHEET_LAYOUTS = ['texturepacker-hash', 'texturepacker-array', 'aseprite', 'godot', 'kaplay', 'grid'] as const;
export type SheetLayout = (typeof SHEET_LAYOUTS)[number];
/** The limits of the sprite sheet's numbers: the schema below, the CLI's sheet flags and the Export panel's sheet options read these. */
export const SHEET_LIMITS = {
  padding: whole(0, 16),
  extrude: whole(0, 4),
  maxWidth: whole(16, 16_384),
  /** Each of the pivot's x and y, a share of the frame from its top-left. */
  pivot: decimal(0, 1),
} as const satisfies Record<string, NumberLimit>;

/** What a sheet option left out means (TexturePacker's 2 px padding and 1 px extrusion; the pivot at the feet, for characters standing on the ground). */
export const SHEET_DEFAULTS = {
  layout: 'texturepacker-hash' as SheetLayout,
  padding: 2,
  extrude: 1,
  powerOfTwo: false,
  /** null: no limit, the columns decide. */
  maxWidth: null as number | null,
  trim: false,
  pivot: { x: 0.5, y: 1 },
};

const SL = SHEET_LIMITS;
const SD = SHEET_DEFAULTS;

export const sheetOptionsSchema = z
  .object({
    layout: z.enum(SHEET_LAYOUTS).default(SD.layout),
    /** Transparent pixels between frames and around the sheet's edge. */
    padding: numberIn(SL.padding).default(SD.padding),
    /** Edge pixels repeated outwards around each frame, so texture filtering never samples a neighbour. */
    extrude: numberIn(SL.extrude).default(SD.extrude),
    /** Round the sheet's width and height up to powers of two. */
    powerOfTwo: z.boolean().default(SD.powerOfTwo),
    /** Widest the sheet may be, in pixels; null = no limit (the columns decide). */
    maxWidth: numberIn(SL.maxWidth).nullable().default(SD.maxWidth),
    /** Cut each frame to its opaque pixels; atlases keep spriteSourceSize/sourceSize so engines place it as before. */
    trim: z.boolean().default(SD.trim),
    /** Pivot (anchor) as a share of the frame, from its top-left; default centre-bottom, for characters standing on the ground. */
    pivot: z
      .object({ x: numberIn(SL.pivot), y: numberIn(SL.pivot) })
      .strict()
      .default(() => ({ ...SD.pivot })),
  })
  .strict();
export type SheetOptions = z.output<typeof sheetOptionsSchema>;
export type SheetOptionsIn = z.input<typeof sheetOptionsSchema>;

/** The files an export can write: PNG frames, a sprite sheet with its atlas, animated GIF and WebP. */
export const EXPORT_FORMATS = ['png', 'sheet', 'gif', 'webp'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The limits of the export's numbers: the schemas here, the CLI's --out flags and the Export panel read these. */
export const EXPORT_LIMITS = {
  /** Nearest-neighbour upscale factor. */
  scale: whole(1, 8),
  /** Milliseconds per frame of GIF/WebP animations. */
  delayMs: whole(10, 10_000),
  /** Animation loop count; 0 = forever. */
  loop: whole(0, 65_535),
  /** Sheet columns. */
  columns: whole(1, 256),
  /** Latent vectors one export decodes. */
  latentFrames: whole(1, 4096),
  /** The Embedding Projector sprite's thumbnail edge, in pixels. */
  projectorThumbnail: whole(4, 128),
} as const satisfies Record<string, NumberLimit>;

/** What an export option left out means: the schema fills these in, the CLI's --help states them, the Export panel starts from them. */
export const EXPORT_DEFAULTS = {
  formats: ['png', 'sheet'] as ExportFormat[],
  name: 'frame-{i}',
  sheetName: 'sheet',
  scale: 1,
  delayMs: 100,
  pingPong: false,
  loop: 0,
  /** null: a square-ish grid. */
  columns: null as number | null,
  overwrite: false,
  indexed: false,
};

const EL = EXPORT_LIMITS;
const ED = EXPORT_DEFAULTS;

export const exportOptionsSchema = z
  .object({
    /** What to decode: the same specs as latent.interpolate/sample/traverse, or latent vectors. */
    source: z.union([
      z.object({ interpolate: interpolateSpecSchema }).strict(),
      z.object({ sample: sampleSpecSchema }).strict(),
      z.object({ traverse: traverseSpecSchema }).strict(),
      z.object({ attribute: attributeSpecSchema }).strict(),
      /** dataset: needed only for pixel-art finishing (its palette). */
      z.object({ latents: z.object({ runDir: latentPath, z: z.array(latentVector).min(EL.latentFrames.min).max(EL.latentFrames.max), dataset: datasetPath.optional() }).strict() }).strict(),
    ]),
    outDir: latentPath,
    formats: z
      .array(z.enum(EXPORT_FORMATS))
      .min(1)
      .default(() => [...ED.formats]),
    /** File name pattern: {i} = frame number (zero-padded), {n} = frame count; no extension. */
    name: z
      .string()
      .regex(/^[\w.{}-]{1,100}$/)
      .default(ED.name),
    /** Base name for the sheet, its atlas and the animations. */
    sheetName: z
      .string()
      .regex(/^[\w.-]{1,100}$/)
      .default(ED.sheetName),
    /** Nearest-neighbour upscale factor. */
    scale: numberIn(EL.scale).default(ED.scale),
    /** Frame delay of GIF/WebP animations. */
    delayMs: numberIn(EL.delayMs).default(ED.delayMs),
    /** Play forwards then backwards (without repeating the end frames). */
    pingPong: z.boolean().default(ED.pingPong),
    /** Animation loop count; 0 = forever. */
    loop: numberIn(EL.loop).default(ED.loop),
    /** Sheet columns; null = a square-ish grid. */
    columns: numberIn(EL.columns).nullable().default(ED.columns),
    /** Replace files that exist; otherwise refuse and name them. */
    overwrite: z.boolean().default(ED.overwrite),
    /** Write pixel-art finished frames (the source spec's own `finish` applies when this is absent). */
    finish: pixelArtFinishSchema.optional(),
    /** Atlas layout and packing of the sprite sheet. */
    sheet: sheetOptionsSchema.prefault({}),
    /**
     * Write PNG frames and the sheet as palette PNGs (colour type 3) whose colours are the
     * dataset's palette plus one transparent entry; implies pixel-art finishing (alpha 0 or 255).
     */
    indexed: z.boolean().default(ED.indexed),
  })
  .strict();

export type ExportOptionsIn = z.input<typeof exportOptionsSchema>;

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
    thumbnail: numberIn(EL.projectorThumbnail).nullable().default(null),
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
