import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import type { SheetPreview, SheetSlicing } from '../contract';
import { DEFAULT_IMPORT_OPTIONS } from './options';
import { loadSheet } from './sheet-load';
import { sliceSizes } from './sheet-slices';
import { sniffFormat } from './sniff';

/** Sheets up to this many bytes travel to the window as they are; larger ones as a smaller PNG. */
const PREVIEW_MAX_BYTES = 6 * 1024 * 1024;
/** Longest side of the smaller PNG sent for a large sheet. */
const PREVIEW_MAX_SIDE = 4096;

/** The image the preview draws its boxes on, in a form every browser shows. */
async function previewImage(file: string, width: number, height: number): Promise<SheetPreview['image']> {
  const bytes = await fs.readFile(file);
  const sniffed = sniffFormat(bytes);
  const longest = Math.max(width, height);
  if (bytes.length <= PREVIEW_MAX_BYTES && longest <= PREVIEW_MAX_SIDE && sniffed.kind === 'image') {
    return { mime: `image/${sniffed.format}`, base64: bytes.toString('base64'), scale: 1 };
  }
  const scale = Math.min(1, PREVIEW_MAX_SIDE / longest);
  const png = await sharp(bytes, { limitInputPixels: false, page: 0, pages: 1 })
    .resize(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)), { kernel: sharp.kernel.nearest })
    .png()
    .toBuffer();
  return { mime: 'image/png', base64: png.toString('base64'), scale };
}

/** Slice a sheet as an import would, without writing anything. */
export async function previewSheet(input: string, slicing: SheetSlicing, maxPixels = DEFAULT_IMPORT_OPTIONS.maxPixels): Promise<SheetPreview> {
  const sheet = await loadSheet(input, slicing, maxPixels);
  const { width, height } = sheet.pixels;
  const frames = sheet.slices.map((s) => ({ name: s.name, x: s.x, y: s.y, w: s.w, h: s.h, tag: s.tag, empty: s.empty === true }));
  return {
    sheet: sheet.name,
    width,
    height,
    mode: sheet.mode,
    atlas: sheet.atlas,
    dust: sheet.dust,
    frames,
    sizes: sliceSizes(sheet.slices.filter((s) => !s.empty)),
    image: await previewImage(sheet.file, width, height),
  };
}
