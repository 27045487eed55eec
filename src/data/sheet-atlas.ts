import { AtlasError } from '../errors';
import type { SheetSlice } from './sheet-slices';

/**
 * The JSON atlases that lie beside sprite sheets: TexturePacker "JSON Hash" (frames keyed by
 * name, PixiJS `animations`) and "JSON Array" (frames listed with `filename`), and Aseprite's
 * export in either layout (with `duration` and `meta.frameTags`). One reader serves all four:
 * they differ only in how frames are listed and how tags name them. The app's own plain grid
 * description (src/export/grid.ts: cell size, margin, spacing, animations) reads as an atlas too.
 */

export type AtlasLayout = 'texturepacker-hash' | 'texturepacker-array' | 'aseprite-hash' | 'aseprite-array' | 'grid-description';

export interface ParsedAtlas {
  layout: AtlasLayout;
  /** meta.image: the sheet's file name, relative to the atlas. */
  image: string | null;
  /** meta.size, when given. */
  size: { w: number; h: number } | null;
  slices: SheetSlice[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(file: string, what: string): AtlasError {
  return new AtlasError(
    'invalid_input',
    `${file} is not a sprite atlas the app reads: ${what}. Export it from TexturePacker (JSON Hash or Array) or Aseprite (JSON), or slice the sheet by grid or automatically.`,
    { file },
  );
}

function rect(file: string, name: string, v: unknown, keys: readonly [string, string, string, string]): Record<string, number> {
  if (!isObject(v)) throw bad(file, `frame "${name}" has no ${keys.join('/')} box`);
  const out: Record<string, number> = {};
  for (const k of keys) {
    const n = v[k];
    if (typeof n !== 'number' || !Number.isInteger(n)) throw bad(file, `frame "${name}" has ${k} = ${JSON.stringify(n)}, not a whole number`);
    out[k] = n;
  }
  return out;
}

/** One atlas frame entry as a slice: its area in the sheet, turned and trimmed as the packer says. */
function frameSlice(file: string, name: string, f: unknown): SheetSlice {
  if (!isObject(f)) throw bad(file, `frame "${name}" is not an object`);
  const { x, y, w, h } = rect(file, name, f.frame, ['x', 'y', 'w', 'h']);
  const rotated = f.rotated === true;
  // TexturePacker gives frame.w/h of the sprite as it stands upright; turned, it covers h x w of the sheet.
  const slice: SheetSlice = { name, tag: null, x, y, w: rotated ? h : w, h: rotated ? w : h, ...(rotated ? { rotated } : {}) };
  if (f.trimmed === true && isObject(f.sourceSize) && isObject(f.spriteSourceSize)) {
    const src = rect(file, name, f.sourceSize, ['w', 'h', 'w', 'h']);
    const at = rect(file, name, f.spriteSourceSize, ['x', 'y', 'w', 'h']);
    if (at.x < 0 || at.y < 0 || at.x + w > src.w || at.y + h > src.h) throw bad(file, `frame "${name}" is trimmed to ${w}x${h} at ${at.x},${at.y}, outside its source size ${src.w}x${src.h}`);
    if (src.w !== w || src.h !== h) slice.source = { w: src.w, h: src.h, x: at.x, y: at.y };
  }
  return slice;
}

/** Tags in frame order: Aseprite's frameTags (frame index ranges) or TexturePacker's animations (frame names). */
function applyTags(file: string, slices: SheetSlice[], meta: Json, root: Json): void {
  if (Array.isArray(meta.frameTags)) {
    for (const t of meta.frameTags) {
      if (!isObject(t) || typeof t.name !== 'string' || !Number.isInteger(t.from) || !Number.isInteger(t.to)) throw bad(file, 'a tag (meta.frameTags) lacks name, from or to');
      const from = t.from as number;
      const to = t.to as number;
      if (from < 0 || to >= slices.length || from > to) throw bad(file, `tag "${t.name}" spans frames ${from} to ${to}, but the atlas has frames 0 to ${slices.length - 1}`);
      for (let i = from; i <= to; i++) slices[i].tag ??= t.name;
    }
  }
  if (isObject(root.animations)) {
    const byName = new Map(slices.map((s) => [s.name, s]));
    for (const [tag, names] of Object.entries(root.animations)) {
      if (!Array.isArray(names)) throw bad(file, `animation "${tag}" is not a list of frame names`);
      for (const n of names) {
        const s = byName.get(String(n));
        if (!s) throw bad(file, `animation "${tag}" names frame "${String(n)}", which the atlas does not list`);
        s.tag ??= tag;
      }
    }
  }
}

function whole(file: string, v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw bad(file, `${what} is ${JSON.stringify(v)}, not a whole number of at least ${min}`);
  return v;
}

/** The grid description's frames: frameCount cells, row by row, named by their number like the export's frames. */
function gridDescriptionAtlas(file: string, json: Json): ParsedAtlas {
  const cell = isObject(json.cellSize) ? json.cellSize : {};
  const margin = isObject(json.margin) ? json.margin : {};
  const spacing = isObject(json.spacing) ? json.spacing : {};
  const w = whole(file, cell.w, 'cellSize.w', 1);
  const h = whole(file, cell.h, 'cellSize.h', 1);
  const columns = whole(file, json.columns, 'columns', 1);
  const count = whole(file, json.frameCount, 'frameCount', 1);
  const [mx, my, sx, sy] = [whole(file, margin.x, 'margin.x'), whole(file, margin.y, 'margin.y'), whole(file, spacing.x, 'spacing.x'), whole(file, spacing.y, 'spacing.y')];
  const slices: SheetSlice[] = [];
  for (let i = 0; i < count; i++) slices.push({ name: String(i), tag: null, x: mx + (i % columns) * (w + sx), y: my + Math.floor(i / columns) * (h + sy), w, h });
  if (Array.isArray(json.animations)) applyTags(file, slices, { frameTags: json.animations }, {});
  const size = isObject(json.imageSize) && Number.isInteger(json.imageSize.w) && Number.isInteger(json.imageSize.h) ? { w: json.imageSize.w as number, h: json.imageSize.h as number } : null;
  return { layout: 'grid-description', image: typeof json.image === 'string' && json.image !== '' ? json.image : null, size, slices };
}

/** Read an atlas (its text already parsed); `file` names it in errors. */
export function parseAtlas(file: string, json: unknown): ParsedAtlas {
  if (!isObject(json)) throw bad(file, 'it is not a JSON object');
  if (json.frames === undefined && isObject(json.cellSize)) return gridDescriptionAtlas(file, json);
  const meta = isObject(json.meta) ? json.meta : {};
  const aseprite = typeof meta.app === 'string' && /aseprite/i.test(meta.app);
  let slices: SheetSlice[];
  let layout: AtlasLayout;
  if (Array.isArray(json.frames)) {
    layout = aseprite ? 'aseprite-array' : 'texturepacker-array';
    slices = json.frames.map((f, i) => {
      const name = isObject(f) && typeof f.filename === 'string' ? f.filename : String(i);
      return frameSlice(file, name, f);
    });
  } else if (isObject(json.frames)) {
    layout = aseprite ? 'aseprite-hash' : 'texturepacker-hash';
    slices = Object.entries(json.frames).map(([name, f]) => frameSlice(file, name, f));
  } else {
    throw bad(file, 'it has no "frames" list or object');
  }
  if (slices.length === 0) throw bad(file, 'it lists no frames');
  const seen = new Set<string>();
  for (const s of slices) {
    if (seen.has(s.name)) throw bad(file, `two frames are both called "${s.name}"`);
    seen.add(s.name);
  }
  applyTags(file, slices, meta, json);
  const size = isObject(meta.size) && Number.isInteger(meta.size.w) && Number.isInteger(meta.size.h) ? { w: meta.size.w as number, h: meta.size.h as number } : null;
  return { layout, image: typeof meta.image === 'string' && meta.image !== '' ? meta.image : null, size, slices };
}
