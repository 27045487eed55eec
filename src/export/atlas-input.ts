/**
 * What every atlas layout describes: the packed sheet, the frame names, the animations (one
 * tag per path, or per traversal row) and how they play. The `meta.app` value names this app
 * by its URL with the layout as the fragment: engines such as melonJS pick their parser by
 * looking for "texturepacker" or "aseprite" in meta.app, as they do for the tools' own URLs.
 */
import { APP_VERSION } from '../version';
import type { PackedSheet } from './sheet-pack';

export const APP_NAME = 'Latent Atlas';
export const APP_URL = 'https://github.com/latent-atlas/latent-atlas';
export { APP_VERSION };

/** A run of frames played as one animation (indices into the frames, both ends included). */
export interface AnimationTag {
  name: string;
  from: number;
  to: number;
}

export interface AtlasInput {
  sheet: PackedSheet;
  /** The sheet image's file name, as the atlas refers to it. */
  image: string;
  /** One name per frame. */
  names: string[];
  tags: AnimationTag[];
  pingPong: boolean;
  delayMs: number;
  /** 0 = forever. */
  loop: number;
  /** Share of the frame from its top-left. */
  pivot: { x: number; y: number };
}

/** The frames a tag plays, in order: forwards, then (ping-pong) back without repeating either end. */
export function tagPlayOrder(tag: AnimationTag, pingPong: boolean): number[] {
  const order: number[] = [];
  for (let i = tag.from; i <= tag.to; i++) order.push(i);
  if (pingPong) for (let i = tag.to - 1; i > tag.from; i--) order.push(i);
  return order;
}

/**
 * The animations of an export: a traversal has one per row (named for the dimension it
 * sweeps), anything else one for all its frames, named after the sheet.
 */
export function animationTags(count: number, sheetName: string, rows: { dims: number[]; columns: number } | null): AnimationTag[] {
  if (!rows || rows.dims.length * rows.columns !== count) return [{ name: sheetName, from: 0, to: count - 1 }];
  return rows.dims.map((d, r) => ({ name: `${sheetName}-dim${d}`, from: r * rows.columns, to: (r + 1) * rows.columns - 1 }));
}

/** Frames per second of a frame delay, as engines that take a rate want it. */
export const framesPerSecond = (delayMs: number) => Math.round((1000 / delayMs) * 1000) / 1000;
