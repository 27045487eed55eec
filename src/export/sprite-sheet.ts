/**
 * A sprite sheet: frames packed into one PNG grid plus a TexturePacker "JSON Hash" atlas,
 * the layout PixiJS (Assets / Spritesheet) and Phaser (load.atlas) read. The `animations`
 * entry lists a path's frames in play order so engines play it as one animation.
 */
import sharp from 'sharp';
import { APP_VERSION } from '../version';
import { frameRgba, type RgbaFrames } from './pixels';

export interface AtlasFrame {
  frame: { x: number; y: number; w: number; h: number };
  rotated: false;
  trimmed: false;
  spriteSourceSize: { x: number; y: number; w: number; h: number };
  sourceSize: { w: number; h: number };
}

export interface SpriteAtlas {
  frames: Record<string, AtlasFrame>;
  animations: Record<string, string[]>;
  meta: { app: string; version: string; image: string; format: 'RGBA8888'; size: { w: number; h: number }; scale: '1' };
}

export interface SpriteSheet {
  png: Uint8Array;
  atlas: SpriteAtlas;
}

export function sheetLayout(count: number, columns: number | null): { columns: number; rows: number } {
  const cols = Math.max(1, Math.min(count, columns ?? Math.ceil(Math.sqrt(count))));
  return { columns: cols, rows: Math.ceil(count / cols) };
}

/** Pack frames row by row (transparent where empty) and describe each cell in the atlas. */
export async function spriteSheet(frames: RgbaFrames, names: string[], opts: { image: string; columns: number | null; animation: string; playOrder: number[] }): Promise<SpriteSheet> {
  const { width: w, height: h, count } = frames;
  const { columns, rows } = sheetLayout(count, opts.columns);
  const W = columns * w;
  const H = rows * h;
  const rgba = new Uint8Array(W * H * 4);
  const atlasFrames: Record<string, AtlasFrame> = {};
  for (let i = 0; i < count; i++) {
    const x0 = (i % columns) * w;
    const y0 = Math.floor(i / columns) * h;
    const src = frameRgba(frames, i);
    for (let y = 0; y < h; y++) rgba.set(src.subarray(y * w * 4, (y + 1) * w * 4), ((y0 + y) * W + x0) * 4);
    atlasFrames[names[i]] = { frame: { x: x0, y: y0, w, h }, rotated: false, trimmed: false, spriteSourceSize: { x: 0, y: 0, w, h }, sourceSize: { w, h } };
  }
  const png = await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).png({ compressionLevel: 6 }).toBuffer();
  return {
    png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength),
    atlas: {
      frames: atlasFrames,
      animations: { [opts.animation]: opts.playOrder.map((i) => names[i]) },
      meta: { app: 'Latent Atlas', version: APP_VERSION, image: opts.image, format: 'RGBA8888', size: { w: W, h: H }, scale: '1' },
    },
  };
}
