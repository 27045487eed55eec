/**
 * Packing frames into one sheet image: rows of frames (a traversal keeps one dimension per
 * row), transparent padding between frames and around the edge, edge pixels extruded
 * outwards so texture filtering never samples a neighbour, optional trimming to the opaque
 * pixels, a width limit and power-of-two sizes. Every atlas layout describes this one result.
 *
 * Geometry: each frame's footprint is its pixels plus `extrude` on every side; footprints are
 * `padding` apart and `padding` from the sheet's edge. Untrimmed, that is a regular grid whose
 * first cell starts at margin = padding + extrude with spacing = padding + 2 * extrude.
 */
import { AtlasError } from '../errors';
import { frameRgba, type RgbaFrames } from './pixels';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PlacedFrame {
  /** Where the frame's (trimmed) pixels lie in the sheet. */
  frame: Rect;
  trimmed: boolean;
  /** Where those pixels lie inside the untrimmed frame. */
  spriteSourceSize: Rect;
  sourceSize: { w: number; h: number };
}

export interface SheetPackOptions {
  /** Frames per row; null = a square-ish grid. */
  columns: number | null;
  padding: number;
  extrude: number;
  trim: boolean;
  powerOfTwo: boolean;
  /** Widest the sheet may be; null = no limit. */
  maxWidth: number | null;
}

export interface PackedSheet {
  width: number;
  height: number;
  /** height x width x 4. */
  rgba: Uint8Array;
  frames: PlacedFrame[];
  /** Frames per full row. */
  columns: number;
  rows: number;
  /** The regular grid the untrimmed frames sit on: offset of the first frame and the gap between frames. */
  margin: number;
  spacing: number;
}

/** Frames per row when no count is given: the squarest grid. */
export function defaultColumns(count: number, columns: number | null): number {
  return Math.max(1, Math.min(count, columns ?? Math.ceil(Math.sqrt(count))));
}

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(n, 1)));

/**
 * The smallest rectangle holding every pixel of frame i with alpha above 0; a frame with no
 * such pixel keeps a single transparent pixel at its top-left (engines need a non-empty frame).
 */
export function opaqueBounds(frames: RgbaFrames, i: number): Rect {
  const { width: w, height: h } = frames;
  const px = frameRgba(frames, i);
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (px[(y * w + x) * 4 + 3] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  return x1 < 0 ? { x: 0, y: 0, w: 1, h: 1 } : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

export function packSheet(frames: RgbaFrames, opts: SheetPackOptions): PackedSheet {
  const { padding: p, extrude: e } = opts;
  const { count, width: fw, height: fh } = frames;
  const source = Array.from({ length: count }, (_, i) => (opts.trim ? opaqueBounds(frames, i) : { x: 0, y: 0, w: fw, h: fh }));
  const columns = defaultColumns(count, opts.columns);
  const limit = opts.maxWidth ?? Infinity;
  const footprint = (r: Rect) => r.w + 2 * e;
  const widest = Math.max(...source.map(footprint));
  if (widest + 2 * p > limit)
    throw new AtlasError(
      'invalid_input',
      `A frame needs ${widest + 2 * p} px of sheet width (${widest - 2 * e} px, ${e} px extrusion and ${p} px padding each side), more than the maximum sheet width of ${limit} px; raise the maximum width or lower the scale.`,
    );

  // Greedy rows: a new row when the column count is reached or the next frame would pass the width limit.
  const placed: PlacedFrame[] = [];
  let x = p;
  let y = p;
  let inRow = 0;
  let rowHeight = 0;
  let width = 0;
  let rows = count > 0 ? 1 : 0;
  let fullRow = 0;
  for (let i = 0; i < count; i++) {
    const r = source[i];
    if (inRow > 0 && (inRow === columns || x + footprint(r) + p > limit)) {
      y += rowHeight + p;
      x = p;
      inRow = 0;
      rowHeight = 0;
      rows++;
    }
    placed.push({ frame: { x: x + e, y: y + e, w: r.w, h: r.h }, trimmed: opts.trim && (r.w !== fw || r.h !== fh), spriteSourceSize: r, sourceSize: { w: fw, h: fh } });
    x += footprint(r) + p;
    width = Math.max(width, x);
    rowHeight = Math.max(rowHeight, r.h + 2 * e);
    inRow++;
    fullRow = Math.max(fullRow, inRow);
  }
  let height = y + rowHeight + p;
  if (opts.powerOfTwo) {
    width = nextPowerOfTwo(width);
    height = nextPowerOfTwo(height);
  }
  if (opts.maxWidth !== null && width > opts.maxWidth)
    throw new AtlasError(
      'invalid_input',
      `The sheet rounded up to a power of two is ${width} px wide, more than the maximum width of ${opts.maxWidth} px; raise the maximum width or turn off power-of-two sizes.`,
    );

  const rgba = new Uint8Array(width * height * 4);
  placed.forEach((pf, i) => blitExtruded(rgba, width, frameRgba(frames, i), fw, pf.spriteSourceSize, pf.frame.x, pf.frame.y, e));
  return { width, height, rgba, frames: placed, columns: fullRow, rows, margin: p + e, spacing: p + 2 * e };
}

/** Copy `src` (a region of a w-wide RGBA frame) to (x0, y0) of the sheet, repeating its edge pixels e px outwards. */
function blitExtruded(sheet: Uint8Array, sheetWidth: number, frame: Uint8Array, frameWidth: number, src: Rect, x0: number, y0: number, e: number): void {
  for (let dy = -e; dy < src.h + e; dy++) {
    const sy = src.y + Math.min(Math.max(dy, 0), src.h - 1);
    for (let dx = -e; dx < src.w + e; dx++) {
      const sx = src.x + Math.min(Math.max(dx, 0), src.w - 1);
      const s = (sy * frameWidth + sx) * 4;
      sheet.set(frame.subarray(s, s + 4), ((y0 + dy) * sheetWidth + x0 + dx) * 4);
    }
  }
}
