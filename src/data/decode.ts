import sharp, { type Metadata, type OutputInfo, type Sharp, type SharpOptions } from 'sharp';
import type { FitOption, FramesOption, ResamplingOption } from './options';
import { looksTruncated, type ImageFormat } from './sniff';
import type { SkipCode } from './skips';
import { apngFrames, isApng } from './apng';
import { resampleRgba } from './resample';

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

/**
 * Neither side of a source image may exceed this many pixels, whatever its pixel count: a
 * 49,000,000x1 strip is under the pixel limit yet costs libvips gigabytes and half a minute.
 * 16384 is the largest texture side GPUs commonly take (WebGL's usual MAX_TEXTURE_SIZE), so
 * any real sprite sheet or photo fits, and for training sizes of 16 to 64 pixels it is already
 * a 256-fold or more reduction; anything longer is a strip or a bomb, not a training image.
 */
export const MAX_IMAGE_SIDE = 16384;

/** Animations longer than this import only their first frames (a 10 000-frame GIF is a video). */
export const MAX_FRAMES = 256;

let decodeCount = 0;
/** Files decoded by sharp since the process started; tests use it to prove the cache works. */
export function decodedFileCount(): number {
  return decodeCount;
}

function classify(err: unknown, bytes?: Uint8Array, format?: ImageFormat): DecodeFailure {
  const truncated = bytes && format && looksTruncated(bytes, format);
  if (err instanceof DecodeFailure && !(err.code === 'decode_failed' && truncated)) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (truncated) return new DecodeFailure('truncated', 'The file ends early: it is truncated (an interrupted download or copy?).');
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

/** Files up to this size are decoded in one sharp call, without reading the header first. */
const DIRECT_DECODE_BYTES = 64 * 1024;

/** Sprite-sized sources are resized in JS (see resample.ts); bigger ones go through libvips, whose shrink-on-load makes big JPEGs cheap. */
function smallLimitFor(o: DecodeOptions): number {
  return (4 * o.size) ** 2;
}

function finishSmall(rgba: Uint8Array, w: number, h: number, o: DecodeOptions): DecodedFrame {
  const r = resampleRgba(rgba, w, h, o.size, o.fit, o.resampling);
  const { hasAlpha, isGray } = inspect(r.rgba);
  return { rgba: padCentered(r.rgba, r.width, r.height, o.size), hasAlpha, isGray };
}

async function toFrameWith(img: Sharp, sourcePixels: number, withAlpha: boolean, o: DecodeOptions): Promise<DecodedFrame> {
  let data: Buffer;
  let info: OutputInfo;
  const small = sourcePixels <= smallLimitFor(o);
  try {
    if (!small && withAlpha) {
      // With alpha, resize in 16 bits: libvips premultiplies before resizing, and in 8 bits
      // faint pixels lose their colour (alpha 10 turns (12,34,56) into (0,25,51)). Only then:
      // for opaque JPEGs the 16-bit path shifts colours through the ICC transform.
      img = img.pipelineColourspace('rgb16');
    }
    if (!small) {
      const kernel = o.resampling === 'nearest' ? sharp.kernel.nearest : sharp.kernel.lanczos3;
      const fit = o.fit === 'contain' ? 'inside' : o.fit === 'cover' ? 'cover' : 'fill';
      img = img.resize(o.size, o.size, { fit, kernel, position: 'centre' });
    }
    ({ data, info } = await img.toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw classify(err);
  }
  if (info.channels !== 4) throw new DecodeFailure('decode_failed', `Decoding gave ${info.channels} channels instead of 4.`);
  const area = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (small) return finishSmall(area, info.width, info.height, o);
  const { hasAlpha, isGray } = inspect(area);
  return { rgba: padCentered(area, info.width, info.height, o.size), hasAlpha, isGray };
}

/** One full-size decode; resized in JS when small, else handed to libvips from the raw pixels. */
async function decodeDirect(input: Buffer, format: ImageFormat, base: SharpOptions, o: DecodeOptions): Promise<DecodedImage> {
  let data: Buffer;
  let info: OutputInfo;
  try {
    ({ data, info } = await sharp(input, base).toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw classify(err, input, format);
  }
  if (info.channels !== 4) throw new DecodeFailure('decode_failed', `Decoding gave ${info.channels} channels instead of 4.`);
  const { width, height } = info;
  const area = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (width * height <= smallLimitFor(o)) return { width, height, frames: [finishSmall(area, width, height, o)] };
  const withAlpha = inspect(area).hasAlpha;
  return { width, height, frames: [await toFrameWith(sharp(area, { raw: { width, height, channels: 4 } }), width * height, withAlpha, o)] };
}

/**
 * Frames cut from a sprite sheet arrive as straight RGBA: bring one to the training size like a
 * decoded file. A frame already at the training size is kept as it is, bit for bit (resampling
 * at scale 1 would only clear the colour under fully transparent pixels), so a sheet the app
 * exported comes back exactly.
 */
export async function decodeRawFrame(rgba: Uint8Array, width: number, height: number, o: DecodeOptions): Promise<DecodedImage> {
  if (width === o.size && height === o.size) return { width, height, frames: [{ rgba, ...inspect(rgba) }] };
  if (width * height <= smallLimitFor(o)) return { width, height, frames: [finishSmall(rgba, width, height, o)] };
  const withAlpha = inspect(rgba).hasAlpha;
  return { width, height, frames: [await toFrameWith(sharp(rgba, { raw: { width, height, channels: 4 } }), width * height, withAlpha, o)] };
}

/** Refuse an image whose header names a side over MAX_IMAGE_SIDE or more pixels than the limit. */
function checkDimensions(width: number, height: number, o: DecodeOptions, what = 'The image'): void {
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw new DecodeFailure('too_many_pixels', `${what} is ${width}x${height} pixels: each side may be at most ${MAX_IMAGE_SIDE} pixels (it was not decoded; it may be a decompression bomb).`);
  }
  if (width * height > o.maxPixels) {
    throw new DecodeFailure('too_many_pixels', `${what} is ${width}x${height} pixels, over the limit of ${o.maxPixels}; it may be a decompression bomb.`);
  }
}

/** Width and height from a PNG's IHDR or a GIF's screen descriptor, read from the bytes; null for other formats. */
function headerDimensions(bytes: Uint8Array, format: ImageFormat): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png' && bytes.length >= 24) return { width: view.getUint32(16), height: view.getUint32(20) };
  if (format === 'gif' && bytes.length >= 10) return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  return null;
}

export async function decodeImage(bytes: Uint8Array, format: ImageFormat, o: DecodeOptions): Promise<DecodedImage> {
  decodeCount++;
  const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // failOn 'error' rejects truncated and corrupt data instead of decoding it as grey garbage;
  // limitInputPixels stops decompression bombs before their pixels are allocated.
  const base = { failOn: 'error' as const, limitInputPixels: o.maxPixels, autoOrient: true };
  // The header's size is checked before any decode: PNG and GIF from their bytes here.
  const fromBytes = headerDimensions(input, format);
  if (fromBytes) checkDimensions(fromBytes.width, fromBytes.height, o);
  // Small files that are not vectors or multi-frame requests skip sharp's separate header read:
  // one decode at full size gives everything (sharp's calls cost as much to set up as to run).
  const multiPage = o.frames === 'all' && format !== 'png';
  if (format !== 'svg' && !multiPage && bytes.length <= DIRECT_DECODE_BYTES && !(format === 'png' && isApng(input))) {
    if (!fromBytes) {
      // Other raster formats: sharp's header read (metadata() decodes no pixels) comes first.
      let head: Metadata;
      try {
        head = await sharp(input, base).metadata();
      } catch (err) {
        throw classify(err, input, format);
      }
      if (head.width && head.height) checkDimensions(head.width, head.pageHeight ?? head.height, o);
    }
    try {
      return await decodeDirect(input, format, base, o);
    } catch (err) {
      // An unclear failure (libvips may say just "Unknown error" when decodes fail at the same
      // time) gets a second, slower look below: header first, then a decode, for a clear reason.
      if (!(err instanceof DecodeFailure) || err.code !== 'decode_failed') throw err;
    }
  }
  let meta: Metadata;
  try {
    meta = await sharp(input, base).metadata();
  } catch (err) {
    throw classify(err, input, format);
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const pageHeight = meta.pageHeight ?? meta.height;
  const height = meta.autoOrient?.height ?? pageHeight;
  if (!width || !height) throw new DecodeFailure('decode_failed', 'The image has no width or height.');
  if (format !== 'svg') checkDimensions(width, height, o);
  // Rasterise SVG so its shorter side lands near the target size, instead of rendering at
  // its nominal size and resampling a blurry bitmap.
  let density: number | undefined;
  if (format === 'svg') {
    density = Math.min(2400, Math.max(1, (72 * o.size * 2) / Math.min(width, height)));
    checkDimensions(Math.ceil((width * density) / 72), Math.ceil((height * density) / 72), o, 'The drawing, rasterised,');
  }

  const smallLimit = smallLimitFor(o);
  const finish = (rgba: Uint8Array, w: number, h: number) => finishSmall(rgba, w, h, o);
  const toFrame = (img: Sharp, sourcePixels: number, withAlpha: boolean) => toFrameWith(img, sourcePixels, withAlpha, o);

  const frames: DecodedFrame[] = [];
  if (format === 'png' && isApng(input)) {
    // libvips sees only an APNG's default image, which may not even be a frame of the animation.
    let anim: Awaited<ReturnType<typeof apngFrames>>;
    try {
      anim = await apngFrames(input, o.frames === 'all' ? MAX_FRAMES : 1, o.maxPixels);
    } catch (err) {
      throw classify(err, input, format);
    }
    if (anim) {
      const { width: w, height: h } = anim;
      for (const rgba of anim.frames) {
        frames.push(w * h <= smallLimit ? finish(rgba, w, h) : await toFrame(sharp(rgba, { raw: { width: w, height: h, channels: 4 } }), w * h, true));
      }
      return { width: w, height: h, frames };
    }
  }
  const rendered = density ? width * height * (density / 72) ** 2 : width * height;
  const withAlpha = meta.hasAlpha === true && meta.space !== 'cmyk';
  const pageCount = o.frames === 'all' ? Math.min(meta.pages ?? 1, MAX_FRAMES) : 1;
  try {
    for (let page = 0; page < pageCount; page++) {
      frames.push(await toFrame(sharp(input, { ...base, page, pages: 1, ...(density ? { density } : {}) }), rendered, withAlpha));
    }
  } catch (err) {
    throw classify(err, input, format);
  }
  return { width, height, frames };
}
