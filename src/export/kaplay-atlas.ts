/**
 * Kaplay's sprite-atlas JSON (the `data` of loadSpriteAtlas(image, data)): one sprite named
 * after the sheet whose `frames` are the frame rectangles in pixels, and one entry in `anims`
 * per tag. Kaplay places every frame at its rectangle's corner, so trimmed frames would move:
 * the export refuses trimming with this layout.
 */
import { framesPerSecond, type AtlasInput } from './atlas-input';

export interface KaplayAtlas {
  [sprite: string]: {
    x: number;
    y: number;
    width: number;
    height: number;
    frames: Array<{ x: number; y: number; w: number; h: number }>;
    anims: Record<string, { from: number; to: number; loop: boolean; pingpong: boolean; speed: number }>;
  };
}

export function kaplayAtlas(a: AtlasInput, spriteName: string): KaplayAtlas {
  return {
    [spriteName]: {
      x: 0,
      y: 0,
      width: a.sheet.width,
      height: a.sheet.height,
      frames: a.sheet.frames.map((f) => ({ ...f.frame })),
      anims: Object.fromEntries(a.tags.map((t) => [t.name, { from: t.from, to: t.to, loop: a.loop === 0, pingpong: a.pingPong, speed: framesPerSecond(a.delayMs) }])),
    },
  };
}
