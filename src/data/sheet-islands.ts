import { AtlasError } from '../errors';
import type { SheetPixels, SheetRect, SheetSlice } from './sheet-slices';

/**
 * Automatic slicing: each sprite is an island of opaque pixels (8-connected) on a transparent
 * sheet. Islands whose boxes overlap or lie less than `gap` pixels apart merge (a sprite drawn
 * in several pieces, a sword and its shadow); what is left with fewer than `minArea` opaque
 * pixels is dust, not a sprite.
 */
export interface IslandSpec {
  /** A pixel is opaque when its alpha is above this (0: any pixel that is not fully transparent). */
  alphaThreshold: number;
  /** Islands with fewer than `gap` empty pixels between their boxes merge; 0 merges only overlapping boxes. */
  gap: number;
  /** Opaque pixels an island needs to count as a sprite. */
  minArea: number;
  /**
   * Packed sheets let sprites touch, so their islands run together. An island wider than
   * splitWidth (or taller than splitHeight) is cut into that many parts along the emptiest
   * columns (rows) near the even cut positions; 0 never cuts.
   */
  splitWidth: number;
  splitHeight: number;
}

export interface IslandResult {
  slices: SheetSlice[];
  /** Islands dropped for having fewer than minArea opaque pixels. */
  dust: number;
}

interface Box extends SheetRect {
  pixels: number;
}

/** Bounding boxes and pixel counts of the 8-connected opaque islands, by flood fill. */
function findIslands(sheet: SheetPixels, threshold: number): Box[] {
  const { width: W, height: H, rgba } = sheet;
  const seen = new Uint8Array(W * H);
  const stack = new Int32Array(W * H);
  const boxes: Box[] = [];
  for (let start = 0; start < W * H; start++) {
    if (seen[start] || rgba[start * 4 + 3] <= threshold) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let x0 = W,
      y0 = H,
      x1 = -1,
      y1 = -1,
      pixels = 0;
    while (top > 0) {
      const p = stack[--top];
      const px = p % W;
      const py = (p - px) / W;
      pixels++;
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= H) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx;
          if (nx < 0 || nx >= W) continue;
          const q = ny * W + nx;
          if (seen[q] || rgba[q * 4 + 3] <= threshold) continue;
          seen[q] = 1;
          stack[top++] = q;
        }
      }
    }
    boxes.push({ x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1, pixels });
  }
  return boxes;
}

/** Empty pixels between two boxes along the axis where they are farthest apart; -1 when they overlap. */
function spaceBetween(a: SheetRect, b: SheetRect): number {
  const dx = Math.max(b.x - (a.x + a.w), a.x - (b.x + b.w));
  const dy = Math.max(b.y - (a.y + a.h), a.y - (b.y + b.h));
  if (dx < 0 && dy < 0) return -1;
  return Math.max(dx, dy);
}

/** Merge boxes that overlap or lie closer than `gap`, until no two do (a merged box may reach new neighbours). */
function mergeClose(boxes: Box[], gap: number): Box[] {
  let current = boxes;
  for (;;) {
    const parent = current.map((_, i) => i);
    const find = (i: number): number => {
      while (parent[i] !== i) i = parent[i] = parent[parent[i]];
      return i;
    };
    // Sweep along x: only boxes whose x-ranges come within `gap` can merge.
    const order = current.map((_, i) => i).sort((a, b) => current[a].x - current[b].x);
    let merged = false;
    for (let k = 0; k < order.length; k++) {
      const a = current[order[k]];
      for (let m = k + 1; m < order.length; m++) {
        const b = current[order[m]];
        if (b.x - (a.x + a.w) >= gap) break;
        if (spaceBetween(a, b) < gap) {
          const ra = find(order[k]);
          const rb = find(order[m]);
          if (ra !== rb) {
            parent[rb] = ra;
            merged = true;
          }
        }
      }
    }
    if (!merged) return current;
    const groups = new Map<number, Box>();
    current.forEach((b, i) => {
      const r = find(i);
      const g = groups.get(r);
      if (!g) {
        groups.set(r, { ...b });
        return;
      }
      const x1 = Math.max(g.x + g.w, b.x + b.w);
      const y1 = Math.max(g.y + g.h, b.y + b.h);
      g.x = Math.min(g.x, b.x);
      g.y = Math.min(g.y, b.y);
      g.w = x1 - g.x;
      g.h = y1 - g.y;
      g.pixels += b.pixels;
    });
    current = [...groups.values()];
  }
}

/** Reading order: rows of boxes (a box joins a row when its top lies above the row's first centre), left to right in each. */
function readingOrder(boxes: Box[]): Box[] {
  const byTop = [...boxes].sort((a, b) => a.y - b.y || a.x - b.x);
  const rows: Box[][] = [];
  let row: Box[] = [];
  let rowMid = -Infinity;
  for (const b of byTop) {
    if (row.length && b.y >= rowMid) {
      rows.push(row);
      row = [];
    }
    if (!row.length) rowMid = b.y + b.h / 2;
    row.push(b);
  }
  if (row.length) rows.push(row);
  return rows.flatMap((r) => r.sort((a, b) => a.x - b.x));
}

/** Opaque pixels of each column (axis 'x') or row ('y') of the box. */
function profile(sheet: SheetPixels, b: SheetRect, axis: 'x' | 'y', threshold: number): Int32Array {
  const out = new Int32Array(axis === 'x' ? b.w : b.h);
  for (let y = b.y; y < b.y + b.h; y++) for (let x = b.x; x < b.x + b.w; x++) if (sheet.rgba[(y * sheet.width + x) * 4 + 3] > threshold) out[axis === 'x' ? x - b.x : y - b.y]++;
  return out;
}

/**
 * Cut positions (offsets into the box) so that no part is longer than `limit`. Walking from the
 * start, each cut goes a whole part further on, unless a line between half and a whole part
 * further on holds at most half as many opaque pixels: there two packed sprites most likely
 * meet, and the cut goes at the emptiest such line. A sheet of touching opaque tiles is thus cut
 * on its own grid, and packed sprites of different widths at their seams.
 */
function cuts(counts: Int32Array, limit: number): number[] {
  const out: number[] = [];
  let start = 0;
  while (counts.length - start > limit) {
    const full = start + limit;
    let best = full;
    for (let c = full - 1; c > start + Math.floor(limit / 2); c--) if (counts[c] < counts[best]) best = c;
    if (2 * counts[best] > counts[full]) best = full;
    out.push(best);
    start = best;
  }
  return out;
}

/** The box shrunk to its opaque pixels, with their count; null when it holds none. */
function shrinkToContent(sheet: SheetPixels, b: SheetRect, threshold: number): Box | null {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -1,
    y1 = -1,
    pixels = 0;
  for (let y = b.y; y < b.y + b.h; y++)
    for (let x = b.x; x < b.x + b.w; x++)
      if (sheet.rgba[(y * sheet.width + x) * 4 + 3] > threshold) {
        pixels++;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  return pixels ? { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1, pixels } : null;
}

/** Cut an oversized island into rows, then each row into columns, each part shrunk to its pixels. */
function splitOversized(sheet: SheetPixels, b: Box, spec: IslandSpec): Box[] {
  const { splitWidth: sw, splitHeight: sh, alphaThreshold: t } = spec;
  if ((!sw || b.w <= sw) && (!sh || b.h <= sh)) return [b];
  const rowEdges = sh && b.h > sh ? [0, ...cuts(profile(sheet, b, 'y', t), sh), b.h] : [0, b.h];
  const out: Box[] = [];
  for (let r = 0; r + 1 < rowEdges.length; r++) {
    const band = shrinkToContent(sheet, { x: b.x, y: b.y + rowEdges[r], w: b.w, h: rowEdges[r + 1] - rowEdges[r] }, t);
    if (!band) continue;
    const colEdges = sw && band.w > sw ? [0, ...cuts(profile(sheet, band, 'x', t), sw), band.w] : [0, band.w];
    for (let c = 0; c + 1 < colEdges.length; c++) {
      const part = shrinkToContent(sheet, { x: band.x + colEdges[c], y: band.y, w: colEdges[c + 1] - colEdges[c], h: band.h }, t);
      if (part) out.push(part);
    }
  }
  return out;
}

export function islandSlices(sheet: SheetPixels, spec: IslandSpec): IslandResult {
  const { alphaThreshold, gap, minArea, splitWidth, splitHeight } = spec;
  if (!Number.isInteger(alphaThreshold) || alphaThreshold < 0 || alphaThreshold > 254)
    throw new AtlasError('invalid_input', `The alpha threshold must be a whole number from 0 to 254; got ${alphaThreshold}.`);
  if (!Number.isInteger(gap) || gap < 0 || gap > 256) throw new AtlasError('invalid_input', `The merge gap must be a whole number of pixels from 0 to 256; got ${gap}.`);
  if (!Number.isInteger(minArea) || minArea < 1) throw new AtlasError('invalid_input', `The minimum area must be a whole number of pixels, at least 1; got ${minArea}.`);
  for (const [name, v] of [
    ['split width', splitWidth],
    ['split height', splitHeight],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new AtlasError('invalid_input', `The ${name} must be a whole number of pixels (0: never split); got ${v}.`);
  }
  const merged = mergeClose(findIslands(sheet, alphaThreshold), gap).flatMap((b) => splitOversized(sheet, b, spec));
  const kept = merged.filter((b) => b.pixels >= minArea);
  const slices = readingOrder(kept).map((b, i): SheetSlice => ({ name: String(i + 1), tag: null, x: b.x, y: b.y, w: b.w, h: b.h }));
  return { slices, dust: merged.length - kept.length };
}
