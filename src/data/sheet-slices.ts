/**
 * The frames of a sprite sheet as rectangles: what every slicing mode (grid, alpha islands,
 * JSON atlas) produces, and the crop that turns a rectangle back into RGBA pixels.
 */

export interface SheetRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One frame of a sheet: where it lies and what it is called in reports and in the dataset. */
export interface SheetSlice extends SheetRect {
  /** Unique within the sheet: "r2c5" (grid), "17" (islands), the atlas' own frame name. */
  name: string;
  /** A tag of the atlas that covers the frame (Aseprite frameTags, TexturePacker animations), else null. */
  tag: string | null;
  /** Atlas frames packed turned 90 degrees clockwise (TexturePacker `rotated`): x, y, w, h are the area in the sheet. */
  rotated?: boolean;
  /** A trimmed atlas frame goes back onto a canvas of its source size at this offset. */
  source?: { w: number; h: number; x: number; y: number };
}

/** A decoded sheet: straight (not premultiplied) RGBA, row by row. */
export interface SheetPixels {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** The pixels of a slice, exactly as they are in the sheet (turned back and un-trimmed for atlas frames). */
export function cropSlice(sheet: SheetPixels, s: SheetSlice): { width: number; height: number; rgba: Uint8Array } {
  const crop = new Uint8Array(s.w * s.h * 4);
  for (let y = 0; y < s.h; y++) {
    const from = ((s.y + y) * sheet.width + s.x) * 4;
    crop.set(sheet.rgba.subarray(from, from + s.w * 4), y * s.w * 4);
  }
  let width = s.w;
  let height = s.h;
  let rgba = crop;
  if (s.rotated) {
    // Packed turned clockwise: turn the area counter-clockwise to get the sprite upright.
    width = s.h;
    height = s.w;
    rgba = new Uint8Array(crop.length);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        // Upright (x, y) came from the packed area's column (w - 1 - y), row x.
        const from = (x * s.w + (s.w - 1 - y)) * 4;
        rgba.set(crop.subarray(from, from + 4), (y * width + x) * 4);
      }
  }
  if (!s.source) return { width, height, rgba };
  const { w: fullW, h: fullH, x: ox, y: oy } = s.source;
  const full = new Uint8Array(fullW * fullH * 4);
  for (let y = 0; y < height; y++) full.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), ((oy + y) * fullW + ox) * 4);
  return { width: fullW, height: fullH, rgba: full };
}

/** True when every pixel of the area is fully transparent. */
export function isTransparent(sheet: SheetPixels, r: SheetRect): boolean {
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * sheet.width * 4;
    for (let x = r.x; x < r.x + r.w; x++) if (sheet.rgba[row + x * 4 + 3] !== 0) return false;
  }
  return true;
}

/** The first slice that reaches outside the sheet, or null. */
export function sliceOutside(sheet: { width: number; height: number }, slices: readonly SheetSlice[]): SheetSlice | null {
  for (const s of slices) {
    if (!(s.x >= 0 && s.y >= 0 && s.w >= 1 && s.h >= 1 && s.x + s.w <= sheet.width && s.y + s.h <= sheet.height)) return s;
  }
  return null;
}

/** "32x32 (40), 16x24 (2)": the sizes of the slices, most common first. */
export function sliceSizes(slices: readonly SheetSlice[]): Array<{ w: number; h: number; count: number }> {
  const counts = new Map<string, { w: number; h: number; count: number }>();
  for (const s of slices) {
    const { width: w, height: h } = uprightSize(s);
    const key = `${w}x${h}`;
    const hit = counts.get(key);
    if (hit) hit.count++;
    else counts.set(key, { w, h, count: 1 });
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || b.w * b.h - a.w * a.h);
}

/** The frame's size once turned upright and un-trimmed. */
export function uprightSize(s: SheetSlice): { width: number; height: number } {
  if (s.source) return { width: s.source.w, height: s.source.h };
  return s.rotated ? { width: s.h, height: s.w } : { width: s.w, height: s.h };
}
