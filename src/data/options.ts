import { AtlasError } from '../errors';

/** Training sizes the model factories support. */
export const IMAGE_SIZES = [16, 24, 32, 48, 64] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

export type ChannelsOption = 'auto' | 'gray' | 'rgb' | 'rgba';
/** contain: whole image, transparent padding; cover: fill and crop the centre; stretch: ignore aspect. */
export type FitOption = 'contain' | 'cover' | 'stretch';
/** nearest keeps pixel art crisp; lanczos is best for photos and anti-aliased art. */
export type ResamplingOption = 'nearest' | 'lanczos';
/** first: one image per file; all: each frame of a GIF/APNG/WebP animation is its own image. */
export type FramesOption = 'first' | 'all';
/** folder: the first subfolder level below the import root is the label; none: no labels. */
export type LabelsOption = 'folder' | 'none';

export interface ImportOptions {
  size?: ImageSize;
  channels?: ChannelsOption;
  fit?: FitOption;
  resampling?: ResamplingOption;
  frames?: FramesOption;
  labels?: LabelsOption;
  /** Globs matched against the path relative to the import root (picomatch, `dot` off). */
  include?: string[];
  exclude?: string[];
  /** Stop after this many images (null: no limit). */
  maxImages?: number | null;
  /** Skip files whose bytes equal an earlier file's. */
  dedupe?: boolean;
  /** Fraction of images (grouped by source file) held out for validation, 0..0.5. */
  valFraction?: number;
  /** Seed of the validation split. */
  seed?: number;
  includeHidden?: boolean;
  /** Decoded pixel limit per image (width * height), against decompression bombs. */
  maxPixels?: number;
  /** Files larger than this are skipped without being read. */
  maxFileBytes?: number;
  /** Folder depth limit of the walk (the root is depth 0). */
  maxDepth?: number;
  /** RGB used under transparent pixels when the output has no alpha channel (gray or rgb). */
  background?: [number, number, number];
}

export type ResolvedImportOptions = Required<Omit<ImportOptions, 'maxImages'>> & { maxImages: number | null };

export const DEFAULT_IMPORT_OPTIONS: ResolvedImportOptions = {
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

function bad(message: string): AtlasError {
  return new AtlasError('invalid_input', message);
}

function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw bad(`Import option ${name} must be one of ${allowed.join(', ')}; got ${String(value)}.`);
  return value;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw bad(`Import option ${name} must be a whole number of at least 1; got ${value}.`);
  return value;
}

/** Apply defaults and check every option, so a bad value fails before any file is read. */
export function resolveImportOptions(opts: ImportOptions = {}): ResolvedImportOptions {
  const o = { ...DEFAULT_IMPORT_OPTIONS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as ResolvedImportOptions;
  if (!(IMAGE_SIZES as readonly number[]).includes(o.size)) throw bad(`Import option size must be one of ${IMAGE_SIZES.join(', ')}; got ${o.size}.`);
  oneOf('channels', o.channels, ['auto', 'gray', 'rgb', 'rgba']);
  oneOf('fit', o.fit, ['contain', 'cover', 'stretch']);
  oneOf('resampling', o.resampling, ['nearest', 'lanczos']);
  oneOf('frames', o.frames, ['first', 'all']);
  oneOf('labels', o.labels, ['folder', 'none']);
  for (const key of ['include', 'exclude'] as const) {
    if (!Array.isArray(o[key]) || o[key].some((g) => typeof g !== 'string' || g === '')) throw bad(`Import option ${key} must be a list of non-empty glob strings.`);
  }
  if (o.maxImages !== null) positiveInt('maxImages', o.maxImages);
  if (typeof o.valFraction !== 'number' || !(o.valFraction >= 0 && o.valFraction <= 0.5)) throw bad(`Import option valFraction must be between 0 and 0.5; got ${o.valFraction}.`);
  if (!Number.isInteger(o.seed)) throw bad(`Import option seed must be a whole number; got ${o.seed}.`);
  positiveInt('maxPixels', o.maxPixels);
  positiveInt('maxFileBytes', o.maxFileBytes);
  positiveInt('maxDepth', o.maxDepth);
  if (!Array.isArray(o.background) || o.background.length !== 3 || o.background.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
    throw bad('Import option background must be three whole numbers from 0 to 255 (red, green, blue).');
  }
  return o;
}
