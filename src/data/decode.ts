import sharp from 'sharp';
import type { FitOption, FramesOption, ResamplingOption } from './options';
import type { ImageFormat } from './sniff';
import type { SkipCode } from './skips';
import { apngFrames, isApng } from './apng';

/**
 * Decode one image file with sharp and bring each frame to size x size RGBA uint8.
 * Every frame is RGBA here whatever the output channels: the cache stores this form, and
 * the importer converts once it knows whether the whole set has alpha or colour.
 */

export interface DecodeOptions {
  size: number;
  fit: FitOption;
  resampling: ResamplingOption;
  frames: FramesOption;
  maxPixels: number;
}

export interface DecodedFrame {
  /** size * size * 4 bytes; contain padding is transparent black. */
  rgba: Uint8Array;
  /** Some pixel of the image itself (not the padding) is not fully opaque. */
  hasAlpha: boolean;
  /** Every pixel has red = green = blue. */
  isGray: boolean;
}

export interface DecodedImage {
  /** Size of the source (one frame), after EXIF orientation. */
  width: number;
  height: number;
  frames: DecodedFrame[];
}

/** A file that cannot become a training image; `code` and message go to the skipped list. */
export class DecodeFailure extends Error {
  readonly code: SkipCode;
  constructor(code: SkipCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Animations longer than this import only their first frames (a 10 000-frame GIF is a video). */
export const MAX_FRAMES = 256;

let decodeCount = 0;
/** Files decoded by sharp since the process started; tests use it to prove the cache works. */
export function decodedFileCount(): number {
  return decodeCount;
}

function classify(err: unknown): DecodeFailure {
  if (err instanceof DecodeFailure) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (/pixel limit/i.test(msg)) return new DecodeFailure('too_many_pixels', 'The image has more pixels than the limit; it may be a decompression bomb.');
  if (/premature|truncat|end of (file|data|stream)|not enough|read error|unexpected end|EOF|corrupt|invalid|bad |CRC|incomplete|short/i.test(msg)) {
    return new DecodeFailure('truncated', `The image data is truncated or corrupt (${msg.split('\n')[0]}).`);
  }
  return new DecodeFailure('decode_failed', `The image could not be decoded (${msg.split('\n')[0]}).`);
}

/** Scan the alpha and colour of the image area (w x h, RGBA). */
function inspect(rgba: Uint8Array): { hasAlpha: boolean; isGray: boolean } {
  let hasAlpha = false;
  let isGray = true;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3] !== 255) hasAlpha = true;
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) isGray = false;
    if (hasAlpha && !isGray) break;
  }
  return { hasAlpha, isGray };
}

/** Centre a w x h RGBA image on a transparent size x size canvas. */
function padCentered(src: Uint8Array, w: number, h: number, size: number): Uint8Array {
  if (w === size && h === size) return src;
  const out = new Uint8Array(size * size * 4);
  const x0 = (size - w) >> 1;
  const y0 = (size - h) >> 1;
  for (let y = 0; y < h; y++) out.set(src.subarray(y * w * 4, (y + 1) * w * 4), ((y0 + y) * size + x0) * 4);
  return out;
}

export async function decodeImage(bytes: Uint8Array, format: ImageFormat, o: DecodeOptions): Promise<DecodedImage> {
  decodeCount++;
  const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // failOn 'error' rejects truncated and corrupt data instead of decoding it as grey garbage;
  // limitInputPixels stops decompression bombs before their pixels are allocated.
  const base = { failOn: 'error' as const, limitInputPixels: o.maxPixels, autoOrient: true };
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, base).metadata();
  } catch (err) {
    throw classify(err);
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const pageHeight = meta.pageHeight ?? meta.height;
  const height = meta.autoOrient?.height ?? pageHeight;
  if (!width || !height) throw new DecodeFailure('decode_failed', 'The image has no width or height.');
  if (format !== 'svg' && width * height > o.maxPixels) {
    throw new DecodeFailure('too_many_pixels', `The image is ${width}x${height} pixels, over the limit of ${o.maxPixels}; it may be a decompression bomb.`);
  }
  // Rasterise SVG so its shorter side lands near the target size, instead of rendering at
  // its nominal size and resampling a blurry bitmap.
  let density: number | undefined;
  if (format === 'svg') density = Math.min(2400, Math.max(1, (72 * o.size * 2) / Math.min(width, height)));

  const kernel = o.resampling === 'nearest' ? sharp.kernel.nearest : sharp.kernel.lanczos3;
  const fit = o.fit === 'contain' ? 'inside' : o.fit === 'cover' ? 'cover' : 'fill';
  const toFrame = async (img: sharp.Sharp, withAlpha: boolean): Promise<DecodedFrame> => {
    let data: Buffer;
    let info: sharp.OutputInfo;
    try {
      // With alpha, resize in 16 bits: libvips premultiplies before resizing, and in 8 bits the
      // colour of faint pixels is lost (alpha 10 turns (12,34,56) into (0,25,51)). Only then:
      // for opaque JPEGs the 16-bit path shifts colours through the ICC transform.
      if (withAlpha) img = img.pipelineColourspace('rgb16');
      ({ data, info } = await img
        .resize(o.size, o.size, { fit, kernel, position: 'centre' })
        .toColourspace('srgb')
        .ensureAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true }));
    } catch (err) {
      throw classify(err);
    }
    if (info.channels !== 4) throw new DecodeFailure('decode_failed', `Decoding gave ${info.channels} channels instead of 4.`);
    const area = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const { hasAlpha, isGray } = inspect(area);
    return { rgba: padCentered(area, info.width, info.height, o.size), hasAlpha, isGray };
  };

  const frames: DecodedFrame[] = [];
  if (format === 'png' && isApng(input)) {
    // libvips sees only an APNG's default image, which may not even be a frame of the animation.
    let anim: Awaited<ReturnType<typeof apngFrames>>;
    try {
      anim = await apngFrames(input, o.frames === 'all' ? MAX_FRAMES : 1, o.maxPixels);
    } catch (err) {
      throw classify(err);
    }
    if (anim) {
      for (const rgba of anim.frames) frames.push(await toFrame(sharp(rgba, { raw: { width: anim.width, height: anim.height, channels: 4 } }), true));
      return { width: anim.width, height: anim.height, frames };
    }
  }
  const pageCount = o.frames === 'all' ? Math.min(meta.pages ?? 1, MAX_FRAMES) : 1;
  for (let page = 0; page < pageCount; page++) {
    frames.push(await toFrame(sharp(input, { ...base, page, pages: 1, ...(density ? { density } : {}) }), meta.hasAlpha === true && meta.space !== 'cmyk'));
  }
  return { width, height, frames };
}
