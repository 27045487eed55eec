/**
 * TexturePacker's "JSON (Hash)" and "JSON (Array)" data files, as TexturePacker writes them
 * (frames keyed by name, or an array with `filename`), plus the `animations` list PixiJS reads
 * and the `anchor` it takes the pivot from (Phaser reads TexturePacker's own `pivot`).
 * Read by PixiJS (Assets, Spritesheet), Phaser (load.atlas / load.multiatlas) and melonJS.
 */
import { APP_URL, APP_VERSION, tagPlayOrder, type AtlasInput } from './atlas-input';
import type { Rect } from './sheet-pack';

export interface TexturePackerFrame {
  frame: Rect;
  rotated: false;
  trimmed: boolean;
  spriteSourceSize: Rect;
  sourceSize: { w: number; h: number };
  pivot: { x: number; y: number };
  anchor: { x: number; y: number };
}

export interface TexturePackerMeta {
  app: string;
  version: string;
  image: string;
  format: 'RGBA8888';
  size: { w: number; h: number };
  scale: '1';
}

export interface TexturePackerHash {
  frames: Record<string, TexturePackerFrame>;
  animations: Record<string, string[]>;
  meta: TexturePackerMeta;
}

export interface TexturePackerArray {
  frames: Array<{ filename: string } & TexturePackerFrame>;
  animations: Record<string, string[]>;
  meta: TexturePackerMeta;
}

function frameEntries(a: AtlasInput): TexturePackerFrame[] {
  return a.sheet.frames.map((f) => ({ frame: f.frame, rotated: false, trimmed: f.trimmed, spriteSourceSize: f.spriteSourceSize, sourceSize: f.sourceSize, pivot: a.pivot, anchor: a.pivot }));
}

function shared(a: AtlasInput, layout: 'json-hash' | 'json-array') {
  return {
    animations: Object.fromEntries(a.tags.map((t) => [t.name, tagPlayOrder(t, a.pingPong).map((i) => a.names[i])])),
    meta: { app: `${APP_URL}#texturepacker-${layout}`, version: APP_VERSION, image: a.image, format: 'RGBA8888', size: { w: a.sheet.width, h: a.sheet.height }, scale: '1' } as TexturePackerMeta,
  };
}

export function texturePackerHash(a: AtlasInput): TexturePackerHash {
  const entries = frameEntries(a);
  return { frames: Object.fromEntries(a.names.map((n, i) => [n, entries[i]])), ...shared(a, 'json-hash') };
}

export function texturePackerArray(a: AtlasInput): TexturePackerArray {
  return { frames: frameEntries(a).map((f, i) => ({ filename: a.names[i], ...f })), ...shared(a, 'json-array') };
}
