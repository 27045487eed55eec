/**
 * Pixel-art finishing: a step after decoding, never a change to the model. Every pixel takes
 * the nearest colour of a palette (in OKLab, so "nearest" means "looks closest") and alpha
 * becomes 0 or 1 at a threshold, which gives the hard edges and flat colours of hand-drawn
 * sprites. It costs some pixel accuracy (about 1 dB PSNR) against the raw decoder output.
 */
import { describeLimit, LATENT_DEFAULTS, LATENT_LIMITS, withinLimit, type PixelArtFinishSpec } from '../contract';
import type { Dataset } from '../data/store';
import { AtlasError } from '../errors';
import type { DecodedImages } from '../latent/images';
import { bytesToOklab, floatsToOklab } from './oklab';
import { datasetPalette, type DatasetPalette, type Palette } from './palette';

export interface FinishOptions {
  channels: 1 | 3 | 4;
  /** Alpha (in [0, 1]) at or above which a pixel is opaque; below, it is fully transparent. Default 0.5. */
  alphaThreshold?: number;
}

/**
 * Snap HWC pixels (1, 3 or 4 channels; floats in [0, 1] or bytes) to a palette (count x 4
 * RGBA bytes) and threshold alpha. Returns a new array of the same kind: bytes stay bytes,
 * floats become palette bytes / 255. A transparent pixel's colour is set to 0 (black).
 * Gray images take the gray level of the nearest palette colour.
 */
export function finishPixelArt<T extends Float32Array | Uint8Array>(pixels: T, palette: Palette, opts: FinishOptions): T {
  const { channels } = opts;
  const threshold = opts.alphaThreshold ?? LATENT_DEFAULTS.alphaThreshold;
  if (![1, 3, 4].includes(channels)) throw new AtlasError('invalid_input', `Pixel-art finishing takes images with 1, 3 or 4 channels, got ${channels}.`);
  if (!withinLimit(threshold, LATENT_LIMITS.alphaThreshold)) throw new AtlasError('invalid_input', `The alpha threshold must be ${describeLimit(LATENT_LIMITS.alphaThreshold)}, got ${threshold}.`);
  if (palette.count < 1) throw new AtlasError('invalid_input', 'The palette has no colours.');
  if (pixels.length % channels !== 0) throw new AtlasError('invalid_input', `${pixels.length} values are not whole pixels of ${channels} channels.`);
  const k = palette.count;
  const lab = new Float64Array(k * 3);
  for (let c = 0; c < k; c++) bytesToOklab(palette.rgba[c * 4], palette.rgba[c * 4 + 1], palette.rgba[c * 4 + 2], lab, c * 3);
  const bytes = pixels instanceof Uint8Array;
  const scale = bytes ? 1 / 255 : 1;
  const out = (bytes ? new Uint8Array(pixels.length) : new Float32Array(pixels.length)) as T;
  const put = (i: number, byte: number) => (out[i] = bytes ? byte : byte / 255);
  const here = new Float64Array(3);
  // Byte images repeat colours a lot: remember each colour's nearest entry.
  const seen = bytes ? new Map<number, number>() : null;

  const nearestEntry = (): number => {
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const dl = here[0] - lab[c * 3];
      const da = here[1] - lab[c * 3 + 1];
      const db = here[2] - lab[c * 3 + 2];
      const d = dl * dl + da * da + db * db;
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return best;
  };

  for (let o = 0; o < pixels.length; o += channels) {
    if (channels === 4 && pixels[o + 3] * scale < threshold) {
      put(o, 0);
      put(o + 1, 0);
      put(o + 2, 0);
      put(o + 3, 0);
      continue;
    }
    const r = pixels[o];
    const g = channels === 1 ? r : pixels[o + 1];
    const b = channels === 1 ? r : pixels[o + 2];
    let entry: number;
    if (seen) {
      const key = (r << 16) | (g << 8) | b;
      const hit = seen.get(key);
      if (hit === undefined) {
        bytesToOklab(r, g, b, here);
        entry = nearestEntry();
        seen.set(key, entry);
      } else entry = hit;
    } else {
      floatsToOklab(r, g, b, here);
      entry = nearestEntry();
    }
    const p = entry * 4;
    if (channels === 1) {
      put(o, Math.round((palette.rgba[p] + palette.rgba[p + 1] + palette.rgba[p + 2]) / 3));
      continue;
    }
    put(o, palette.rgba[p]);
    put(o + 1, palette.rgba[p + 1]);
    put(o + 2, palette.rgba[p + 2]);
    if (channels === 4) put(o + 3, 255);
  }
  return out;
}

export interface FinishedImages {
  images: DecodedImages;
  palette: DatasetPalette;
  alphaThreshold: number;
}

/** Decoded images finished with their dataset's palette (computed once, then cached). */
export async function finishWithDatasetPalette(dataset: Dataset, images: DecodedImages, spec: PixelArtFinishSpec): Promise<FinishedImages> {
  const palette = await datasetPalette(dataset, { colors: spec.colors });
  const pixels = finishPixelArt(images.pixels, palette, { channels: images.channels as 1 | 3 | 4, alphaThreshold: spec.alphaThreshold });
  return { images: { ...images, pixels }, palette, alphaThreshold: spec.alphaThreshold };
}
