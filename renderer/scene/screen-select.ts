/**
 * Lasso and box selection in screen space: every point is projected with the camera once per
 * gesture (no draw call, no raycast), then tested against the drawn polygon or rectangle.
 * Pure functions over flat arrays, so 100k points take a few milliseconds and unit tests need
 * no WebGL.
 */

/** How a gesture combines with the current selection: plain replaces, shift adds, alt removes. */
export type SelectMode = 'replace' | 'add' | 'remove';

export function selectModeOf(keys: { shiftKey: boolean; altKey: boolean }): SelectMode {
  return keys.altKey ? 'remove' : keys.shiftKey ? 'add' : 'replace';
}

/**
 * Canvas CSS-pixel positions of `positions` (x, y, z per point) under a column-major
 * view-projection matrix (three.js `Matrix4.elements` of projection x view). Points behind
 * the camera get NaN, so no polygon contains them.
 */
export function projectToScreen(positions: ArrayLike<number>, viewProjection: ArrayLike<number>, width: number, height: number): Float32Array {
  const m = viewProjection;
  const n = Math.floor(positions.length / 3);
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const px = positions[i * 3],
      py = positions[i * 3 + 1],
      pz = positions[i * 3 + 2];
    const w = m[3] * px + m[7] * py + m[11] * pz + m[15];
    if (w <= 0) {
      out[i * 2] = out[i * 2 + 1] = NaN;
      continue;
    }
    out[i * 2] = ((m[0] * px + m[4] * py + m[8] * pz + m[12]) / w + 1) * 0.5 * width;
    out[i * 2 + 1] = (1 - (m[1] * px + m[5] * py + m[9] * pz + m[13]) / w) * 0.5 * height;
  }
  return out;
}

/** Even-odd rule: is (x, y) inside the polygon (flat [x0, y0, x1, y1, ...], closed implicitly)? */
export function pointInPolygon(x: number, y: number, polygon: ArrayLike<number>): boolean {
  let inside = false;
  const n = polygon.length >> 1;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = polygon[i * 2],
      yi = polygon[i * 2 + 1];
    const xj = polygon[j * 2],
      yj = polygon[j * 2 + 1];
    // The edge crosses the horizontal line through y (half-open, so a shared vertex counts once).
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Indices of the screen points inside the polygon (a bounding-box test first skips most). */
export function indicesInPolygon(screen: Float32Array, polygon: ArrayLike<number>): number[] {
  if (polygon.length < 6) return [];
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (let k = 0; k < polygon.length; k += 2) {
    x0 = Math.min(x0, polygon[k]);
    x1 = Math.max(x1, polygon[k]);
    y0 = Math.min(y0, polygon[k + 1]);
    y1 = Math.max(y1, polygon[k + 1]);
  }
  const found: number[] = [];
  for (let i = 0, n = screen.length >> 1; i < n; i++) {
    const x = screen[i * 2],
      y = screen[i * 2 + 1];
    if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) continue; // NaN fails too
    if (pointInPolygon(x, y, polygon)) found.push(i);
  }
  return found;
}

/** Indices of the screen points inside the rectangle spanned by two corners (either order). */
export function indicesInRect(screen: Float32Array, ax: number, ay: number, bx: number, by: number): number[] {
  const x0 = Math.min(ax, bx),
    x1 = Math.max(ax, bx),
    y0 = Math.min(ay, by),
    y1 = Math.max(ay, by);
  const found: number[] = [];
  for (let i = 0, n = screen.length >> 1; i < n; i++) {
    const x = screen[i * 2],
      y = screen[i * 2 + 1];
    if (x >= x0 && x <= x1 && y >= y0 && y <= y1) found.push(i);
  }
  return found;
}

/**
 * The selection after a gesture: replace by the hits, add them (union) or remove them
 * (difference). Sorted, no repeats. A membership mask instead of sets and a sort: linear in
 * the number of images, so 100k of them take a few milliseconds.
 */
export function combineSelection(current: readonly number[], hits: readonly number[], mode: SelectMode): number[] {
  let size = 0;
  for (const i of current) size = Math.max(size, i + 1);
  for (const i of hits) size = Math.max(size, i + 1);
  const member = new Uint8Array(size);
  if (mode !== 'replace') for (const i of current) member[i] = 1;
  for (const i of hits) member[i] = mode === 'remove' ? 0 : 1;
  const out: number[] = [];
  for (let i = 0; i < size; i++) if (member[i]) out.push(i);
  return out;
}

/** Indices sorted ascending without repeats (a saved selection may come in any order). */
export function uniqueSorted(indices: readonly number[]): number[] {
  return combineSelection([], indices, 'replace');
}
