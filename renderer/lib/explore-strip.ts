/** An ImageStrip (a PNG grid of decoded images) as an object URL with its layout, for CSS sprites. */
import type { ImageStrip } from '../../src/contract';
import { base64ToArray, pngObjectUrl } from './bytes';

export interface ShownStrip {
  url: string;
  count: number;
  columns: number;
  cell: number;
  width: number;
  height: number;
}

export function stripUrl(strip: ImageStrip): ShownStrip {
  const url = pngObjectUrl(strip.png);
  const rows = Math.ceil(strip.count / strip.columns);
  return { url, count: strip.count, columns: strip.columns, cell: strip.cell, width: strip.columns * strip.cell, height: rows * strip.cell };
}

/** CSS background for cell i of a strip shown `size` pixels wide. */
export function cellBackground(strip: { url: string; columns: number; cell: number; width: number; height: number }, i: number, size: number, first = 0) {
  const scale = size / strip.cell;
  const k = i - first;
  const x = (k % strip.columns) * strip.cell;
  const y = Math.floor(k / strip.columns) * strip.cell;
  return { image: `url("${strip.url}")`, size: `${strip.width * scale}px ${strip.height * scale}px`, position: `${-x * scale}px ${-y * scale}px` };
}

export const base64ToF32 = (b64: string) => base64ToArray(b64, Float32Array);
