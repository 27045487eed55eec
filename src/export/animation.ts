/**
 * Animated GIF and WebP from RGBA frames (sharp, frames stacked as pages). GIF keeps 1-bit
 * transparency; WebP is lossless with full alpha. Duplicate frames are kept so the frame
 * count and timing are exactly what was asked for.
 */
import sharp from 'sharp';
import { frameRgba, type RgbaFrames } from './pixels';

export interface AnimationOptions {
  /** Frame indices in play order (ping-pong already expanded). */
  order: number[];
  delayMs: number;
  /** 0 = forever. */
  loop: number;
}

function stacked(frames: RgbaFrames, order: number[]): ReturnType<typeof sharp> {
  const n = frames.width * frames.height * 4;
  const data = new Uint8Array(order.length * n);
  order.forEach((f, k) => data.set(frameRgba(frames, f), k * n));
  return sharp(data, { raw: { width: frames.width, height: frames.height * order.length, channels: 4, pageHeight: frames.height } });
}

const bytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export async function animatedGif(frames: RgbaFrames, opts: AnimationOptions): Promise<Uint8Array> {
  // sharp takes GIF delays per frame as an array; a single number would only set the first.
  const delay = opts.order.map(() => opts.delayMs);
  return bytes(await stacked(frames, opts.order).gif({ loop: opts.loop, delay, keepDuplicateFrames: true, effort: 7 }).toBuffer());
}

export async function animatedWebp(frames: RgbaFrames, opts: AnimationOptions): Promise<Uint8Array> {
  const delay = opts.order.map(() => opts.delayMs);
  return bytes(await stacked(frames, opts.order).webp({ loop: opts.loop, delay, lossless: true }).toBuffer());
}
