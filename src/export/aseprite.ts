/**
 * Aseprite's JSON data file as `aseprite --data x.json --format json-array --list-tags
 * --list-layers --list-slices --filename-format "{frame}"` writes it: an array of frames with
 * `duration` in ms, `meta.frameTags` ({name, from, to, direction, color}), `meta.layers` and
 * an empty `meta.slices`. Item names are the frame numbers because Phaser's
 * createFromAseprite looks frames up by number. Read by Phaser (load.aseprite), Kaplay
 * (loadAseprite), Excalibur's Aseprite plugin and melonJS.
 */
import { APP_URL, APP_VERSION, type AtlasInput } from './atlas-input';
import type { Rect } from './sheet-pack';

export interface AsepriteFrame {
  filename: string;
  frame: Rect;
  rotated: false;
  trimmed: boolean;
  spriteSourceSize: Rect;
  sourceSize: { w: number; h: number };
  duration: number;
}

export interface AsepriteTag {
  name: string;
  from: number;
  to: number;
  direction: 'forward' | 'pingpong';
  color: string;
}

export interface AsepriteJson {
  frames: AsepriteFrame[];
  meta: {
    app: string;
    version: string;
    image: string;
    format: 'RGBA8888';
    size: { w: number; h: number };
    scale: '1';
    frameTags: AsepriteTag[];
    layers: Array<{ name: string; opacity: number; blendMode: 'normal' }>;
    slices: never[];
  };
}

export function asepriteJson(a: AtlasInput): AsepriteJson {
  return {
    frames: a.sheet.frames.map((f, i) => ({
      filename: String(i),
      frame: f.frame,
      rotated: false,
      trimmed: f.trimmed,
      spriteSourceSize: f.spriteSourceSize,
      sourceSize: f.sourceSize,
      duration: a.delayMs,
    })),
    meta: {
      app: `${APP_URL}#aseprite-json`,
      version: APP_VERSION,
      image: a.image,
      format: 'RGBA8888',
      size: { w: a.sheet.width, h: a.sheet.height },
      scale: '1',
      frameTags: a.tags.map((t) => ({ name: t.name, from: t.from, to: t.to, direction: a.pingPong ? 'pingpong' : 'forward', color: '#000000ff' })),
      layers: [{ name: 'Layer 1', opacity: 255, blendMode: 'normal' }],
      slices: [],
    },
  };
}
