/**
 * Palette PNGs (colour type 3) whose colour table is the dataset's palette, in the palette's
 * order (darkest first), after one fully transparent entry at index 0: every frame and sheet
 * of an export shares one table, so Aseprite or Piskel open them in indexed mode with the same
 * colours, and transparency is exactly alpha 0 or 255. sharp's palette output would choose
 * its own table (and order) per image, hence this small encoder; sharp reads the result back
 * to check it holds exactly the pixels given.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { AtlasError } from '../errors';
import type { Palette } from './palette';

const SIGNATURE = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Index of each pixel in [transparent, ...palette]; throws when a pixel is neither transparent nor an opaque palette colour. */
export function paletteIndices(rgba: Uint8Array, palette: Palette): Uint8Array {
  const lookup = new Map<number, number>();
  for (let c = 0; c < palette.count; c++) lookup.set((palette.rgba[c * 4] << 16) | (palette.rgba[c * 4 + 1] << 8) | palette.rgba[c * 4 + 2], c + 1);
  const indices = new Uint8Array(rgba.length / 4);
  for (let p = 0; p < indices.length; p++) {
    const o = p * 4;
    if (rgba[o + 3] === 0 && rgba[o] === 0 && rgba[o + 1] === 0 && rgba[o + 2] === 0) continue;
    const entry = rgba[o + 3] === 255 ? lookup.get((rgba[o] << 16) | (rgba[o + 1] << 8) | rgba[o + 2]) : undefined;
    if (entry === undefined)
      throw new AtlasError(
        'invalid_input',
        `Pixel ${p} (rgba ${Array.from(rgba.subarray(o, o + 4)).join(', ')}) is not a colour of the palette, so it cannot be written as an indexed PNG; export with pixel-art finishing.`,
      );
    indices[p] = entry;
  }
  return indices;
}

/** Encode RGBA pixels (already snapped to the palette, alpha 0 or 255) as an 8-bit palette PNG. */
export function encodeIndexedPng(rgba: Uint8Array, width: number, height: number, palette: Palette): Uint8Array {
  if (palette.count > 255) throw new AtlasError('invalid_input', `An indexed PNG holds at most 255 colours besides transparency; the palette has ${palette.count}.`);
  const indices = paletteIndices(rgba, palette);
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 3, 0, 0, 0], 8); // bit depth 8, colour type 3 (palette), deflate, filter set 0, no interlace
  const plte = new Uint8Array((palette.count + 1) * 3);
  for (let c = 0; c < palette.count; c++) plte.set(palette.rgba.subarray(c * 4, c * 4 + 3), (c + 1) * 3);
  // Every row starts with filter type 0 (none): indexed pixel art compresses well without prediction.
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(indices.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const parts = [SIGNATURE, chunk('IHDR', header), chunk('PLTE', plte), chunk('tRNS', Uint8Array.from([0])), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The PNG's colour type (3 = palette), from its IHDR. */
export const pngColourType = (png: Uint8Array) => png[25];

/** Encode, then decode with sharp and refuse to return a file that does not give back exactly these pixels. */
export async function indexedPng(rgba: Uint8Array, width: number, height: number, palette: Palette): Promise<Uint8Array> {
  const png = encodeIndexedPng(rgba, width, height, palette);
  const back = await sharp(png).ensureAlpha().raw().toBuffer();
  if (pngColourType(png) !== 3 || back.length !== rgba.length || !back.equals(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength)))
    throw new AtlasError('internal', 'The indexed PNG did not read back to the same pixels; export without the indexed option.');
  return png;
}
