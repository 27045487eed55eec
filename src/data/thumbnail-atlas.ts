import sharp from 'sharp';
import { AtlasError } from '../errors';
import type { Dataset } from './store';

/**
 * Pack square HWC uint8 images (1, 3 or 4 channels) into one RGBA PNG grid, row by row,
 * transparent where empty. Used for thumbnail pages, training previews and sprite textures.
 */
export async function imageGridPng(image: (k: number) => Uint8Array, count: number, size: number, channels: number, columns: number): Promise<Uint8Array> {
  const rows = Math.max(1, Math.ceil(count / columns));
  const width = columns * size;
  const rgba = new Uint8Array(width * rows * size * 4);
  for (let k = 0; k < count; k++) {
    const src = image(k);
    const x0 = (k % columns) * size;
    const y0 = Math.floor(k / columns) * size;
    for (let y = 0; y < size; y++) {
      let o = ((y0 + y) * width + x0) * 4;
      let s = y * size * channels;
      for (let x = 0; x < size; x++, o += 4, s += channels) {
        const r = src[s];
        rgba[o] = r;
        rgba[o + 1] = channels === 1 ? r : src[s + 1];
        rgba[o + 2] = channels === 1 ? r : src[s + 2];
        rgba[o + 3] = channels === 4 ? src[s + 3] : 255;
      }
    }
  }
  const png = await sharp(rgba, { raw: { width, height: rows * size, channels: 4 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** One page of a dataset's images as a square-ish grid: the grid view and 3D sprites use it. */
export async function thumbnailAtlas(dataset: Dataset, page: number, perPage: number): Promise<{ png: Uint8Array; first: number; count: number; columns: number; cell: number }> {
  const { size, channels, count: total } = dataset.index;
  const first = page * perPage;
  if (first >= total && !(total === 0 && page === 0)) {
    throw new AtlasError('invalid_input', `Thumbnail page ${page} is past the end: the dataset has ${total} images (${Math.ceil(total / perPage)} pages of ${perPage}).`);
  }
  const count = Math.min(perPage, total - first);
  const columns = Math.ceil(Math.sqrt(perPage));
  const png = await imageGridPng((k) => dataset.image(first + k), count, size, channels, columns);
  return { png, first, count, columns, cell: size };
}
