import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import type { SheetSlicing } from '../contract';
import { AtlasError } from '../errors';
import { MAX_IMAGE_SIDE } from './decode';
import { parseAtlas, type AtlasLayout } from './sheet-atlas';
import { gridSlices } from './sheet-grid';
import { islandSlices } from './sheet-islands';
import { isTransparent, sliceOutside, type SheetPixels, type SheetSlice } from './sheet-slices';
import { sniffFormat } from './sniff';

/**
 * A sprite sheet read and sliced, before anything is written: every way a sheet can be wrong
 * (too big, not an image, a grid that does not fit, an atlas naming frames outside the image,
 * an atlas without its image) throws here, so an import either starts whole or not at all.
 */

export interface LoadedSheet {
  /** Absolute path of the sheet image. */
  file: string;
  /** The sheet's file name, as reports and dataset items name it. */
  name: string;
  pixels: SheetPixels;
  mode: SheetSlicing['mode'];
  /** The atlas used (mode 'atlas'). */
  atlas: { file: string; layout: AtlasLayout } | null;
  /** Every slice, in order; `empty` marks grid cells with no visible pixel (skipped when skipEmpty). */
  slices: Array<SheetSlice & { empty?: true }>;
  /** Islands dropped as dust (auto). */
  dust: number;
}

const SHEET_FORMATS = ['png', 'gif', 'webp'] as const;

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** The atlas beside a sheet: same name with .json (sheet.png -> sheet.json), else the app's grid description (sheet.grid.json), or null. */
export async function atlasBeside(image: string): Promise<string | null> {
  const stem = path.join(path.dirname(image), path.basename(image, path.extname(image)));
  for (const candidate of [`${stem}.json`, `${stem}.grid.json`]) if (await exists(candidate)) return candidate;
  return null;
}

async function readAtlasJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AtlasError('not_found', `The atlas ${file} does not exist. Give the JSON exported with the sheet, or slice the sheet by grid or automatically.`, { file });
    throw new AtlasError('io_error', `Could not read the atlas ${file} (${code ?? (err as Error).message}); check its permissions.`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AtlasError('invalid_input', `The atlas ${file} is not valid JSON (${(err as Error).message}). Export it again from the tool that made the sheet.`, { file });
  }
}

/** Decode the whole sheet to straight RGBA, refusing it before decoding when its header is over the limits. */
export async function decodeSheet(file: string, maxPixels: number): Promise<SheetPixels> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AtlasError('not_found', `The sheet ${file} does not exist. Check the path.`, { file });
    if (code === 'EISDIR') throw new AtlasError('invalid_input', `${file} is a folder, not a sprite sheet. Give one PNG, GIF or WebP image, or import the folder without sheet slicing.`, { file });
    throw new AtlasError('io_error', `Could not read the sheet ${file} (${code ?? (err as Error).message}); check its permissions.`, { file });
  }
  const sniffed = sniffFormat(bytes);
  if (sniffed.kind !== 'image' || !(SHEET_FORMATS as readonly string[]).includes(sniffed.format)) {
    const what = sniffed.kind === 'image' ? `a ${sniffed.format.toUpperCase()} image` : sniffed.kind === 'unsupported' ? `a ${sniffed.format} image` : 'not an image';
    throw new AtlasError('invalid_input', `The sheet ${file} is ${what}; a sprite sheet must be a PNG, GIF or WebP (formats that keep transparency exactly). Convert it to PNG.`, { file });
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new AtlasError('invalid_input', `The sheet ${file} could not be read (${(err as Error).message.split('\n')[0]}); it may be truncated or corrupt.`, { file });
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > maxPixels) {
    throw new AtlasError(
      'invalid_input',
      `The sheet ${file} is ${width}x${height} pixels, over the limit of ${maxPixels.toLocaleString('en')} pixels (and ${MAX_IMAGE_SIDE} per side); it was not decoded. Cut it into smaller sheets and import those.`,
      { file, width, height, maxPixels },
    );
  }
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels, page: 0, pages: 1 })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (err) {
    throw new AtlasError('invalid_input', `The sheet ${file} could not be decoded (${(err as Error).message.split('\n')[0]}); it may be truncated or corrupt. Export it again.`, { file });
  }
}

/**
 * Where the sheet and its atlas are: `input` is the sheet image, or in atlas mode may be the
 * atlas JSON itself (its meta.image names the sheet, relative to the JSON).
 */
async function locate(input: string, slicing: SheetSlicing): Promise<{ image: string; atlasFile: string | null; atlasJson: unknown }> {
  const abs = path.resolve(input);
  if (slicing.mode !== 'atlas') return { image: abs, atlasFile: null, atlasJson: null };
  const isJson = path.extname(abs).toLowerCase() === '.json';
  const atlasFile = slicing.atlas ? path.resolve(slicing.atlas) : isJson ? abs : await atlasBeside(abs);
  if (!atlasFile) {
    throw new AtlasError(
      'not_found',
      `No atlas lies beside ${abs} (looked for ${path.basename(abs, path.extname(abs))}.json and .grid.json). Put the sheet's JSON next to it, name it with --atlas, or slice the sheet by grid or automatically.`,
      { file: abs },
    );
  }
  const atlasJson = await readAtlasJson(atlasFile);
  if (!isJson) return { image: abs, atlasFile, atlasJson };
  const named = (atlasJson as { meta?: { image?: unknown } })?.meta?.image;
  if (typeof named !== 'string' || named === '')
    throw new AtlasError('invalid_input', `The atlas ${atlasFile} does not name its image (meta.image). Import the sheet image instead, with the atlas beside it.`, { file: atlasFile });
  const image = path.resolve(path.dirname(atlasFile), named);
  if (!(await exists(image))) {
    throw new AtlasError('not_found', `The atlas ${atlasFile} names the image ${named}, which is not at ${image}. Put the sheet image beside its atlas (or fix meta.image), then import again.`, {
      file: atlasFile,
      image,
    });
  }
  return { image, atlasFile, atlasJson };
}

export async function loadSheet(input: string, slicing: SheetSlicing, maxPixels: number): Promise<LoadedSheet> {
  const { image, atlasFile, atlasJson } = await locate(input, slicing);
  const pixels = await decodeSheet(image, maxPixels);
  const name = path.basename(image);
  const base = { file: image, name, pixels, mode: slicing.mode, dust: 0 };
  if (slicing.mode === 'grid') {
    const slices: LoadedSheet['slices'] = gridSlices(name, pixels.width, pixels.height, slicing);
    if (slicing.skipEmpty) for (const s of slices) if (isTransparent(pixels, s)) s.empty = true;
    return { ...base, atlas: null, slices };
  }
  if (slicing.mode === 'auto') {
    const { slices, dust } = islandSlices(pixels, slicing);
    return { ...base, atlas: null, slices, dust };
  }
  const atlasName = atlasFile ?? '(atlas)';
  const parsed = parseAtlas(atlasName, atlasJson);
  if (parsed.size && (parsed.size.w !== pixels.width || parsed.size.h !== pixels.height)) {
    throw new AtlasError(
      'invalid_input',
      `The atlas ${atlasName} describes a ${parsed.size.w}x${parsed.size.h} sheet, but ${image} is ${pixels.width}x${pixels.height}: they do not belong together. Export the sheet and its atlas again, together.`,
      { file: atlasName, image },
    );
  }
  const outside = sliceOutside(pixels, parsed.slices);
  if (outside) {
    throw new AtlasError(
      'invalid_input',
      `The atlas ${atlasName} names frame "${outside.name}" at ${outside.x},${outside.y} (${outside.w}x${outside.h}), outside ${name}, which is ${pixels.width}x${pixels.height}. Check that the atlas belongs to this image, or export the two again together.`,
      { file: atlasName, frame: outside.name },
    );
  }
  return { ...base, atlas: { file: atlasName, layout: parsed.layout }, slices: parsed.slices };
}
