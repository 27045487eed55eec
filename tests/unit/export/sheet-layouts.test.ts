import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { sheetOptionsSchema, type SheetOptionsIn } from '../../../src/contract';
import type { AsepriteJson } from '../../../src/export/aseprite';
import { encodeExport, type EncodeOptions } from '../../../src/export/export';
import type { GridDescription } from '../../../src/export/grid';
import { pngColourType } from '../../../src/export/indexed-png';
import type { KaplayAtlas } from '../../../src/export/kaplay-atlas';
import type { Palette } from '../../../src/export/palette';
import type { RgbaFrames } from '../../../src/export/pixels';
import { opaqueBounds, packSheet, type Rect } from '../../../src/export/sheet-pack';
import type { TexturePackerArray, TexturePackerHash } from '../../../src/export/texturepacker';
import type { DecodedImages } from '../../../src/latent/images';

/** Frames of size w x h from a function giving each pixel's RGBA. */
function rgbaFrames(count: number, w: number, h: number, pixel: (f: number, x: number, y: number) => [number, number, number, number]): RgbaFrames {
  const data = new Uint8Array(count * w * h * 4);
  for (let f = 0; f < count; f++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(pixel(f, x, y), ((f * h + y) * w + x) * 4);
  return { count, width: w, height: h, data };
}
const px = (rgba: Uint8Array, width: number, x: number, y: number) => Array.from(rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4));
const noPack = { columns: null, padding: 0, extrude: 0, trim: false, powerOfTwo: false, maxWidth: null };

describe('packing a sheet', () => {
  it('puts untrimmed frames on a grid: margin = padding + extrusion, spacing = padding + 2 x extrusion', () => {
    const frames = rgbaFrames(3, 4, 4, (f, x, y) => [f * 80, x * 60, y * 60, 255]);
    const sheet = packSheet(frames, { ...noPack, padding: 2, extrude: 1 });
    // 3 frames: 2 columns; each footprint 4 + 2 x 1 = 6 px, 2 px apart and from the edges.
    expect(sheet.frames.map((f) => f.frame)).toEqual([
      { x: 3, y: 3, w: 4, h: 4 },
      { x: 11, y: 3, w: 4, h: 4 },
      { x: 3, y: 11, w: 4, h: 4 },
    ]);
    expect([sheet.width, sheet.height, sheet.margin, sheet.spacing, sheet.columns, sheet.rows]).toEqual([18, 18, 3, 4, 2, 2]);
    // Frame 1's own pixels, its extruded edge (copies of the nearest edge pixel), padding left transparent.
    expect(px(sheet.rgba, 18, 11, 3)).toEqual([80, 0, 0, 255]);
    expect(px(sheet.rgba, 18, 10, 3)).toEqual([80, 0, 0, 255]); // one left of (0,0): extruded
    expect(px(sheet.rgba, 18, 10, 2)).toEqual([80, 0, 0, 255]); // the corner too
    expect(px(sheet.rgba, 18, 15, 6)).toEqual([80, 180, 180, 255]); // right of (3,3)
    expect(px(sheet.rgba, 18, 9, 3)).toEqual([0, 0, 0, 0]); // padding
    expect(px(sheet.rgba, 18, 16, 3)).toEqual([0, 0, 0, 0]);
  });

  it('trims frames to their opaque pixels and keeps where they were (spriteSourceSize, sourceSize)', () => {
    // Frame 0: opaque at x 1..2, y 1..3; frame 1: one pixel at (3, 0); frame 2: empty.
    const frames = rgbaFrames(3, 4, 4, (f, x, y) => {
      const on = f === 0 ? x >= 1 && x <= 2 && y >= 1 : f === 1 ? x === 3 && y === 0 : false;
      return on ? [200, 100, 50, 255] : [0, 0, 0, 0];
    });
    expect([0, 1, 2].map((i) => opaqueBounds(frames, i))).toEqual([
      { x: 1, y: 1, w: 2, h: 3 },
      { x: 3, y: 0, w: 1, h: 1 },
      { x: 0, y: 0, w: 1, h: 1 },
    ]);
    const sheet = packSheet(frames, { ...noPack, columns: 3, padding: 1, trim: true });
    expect(sheet.frames).toEqual([
      { frame: { x: 1, y: 1, w: 2, h: 3 }, trimmed: true, spriteSourceSize: { x: 1, y: 1, w: 2, h: 3 }, sourceSize: { w: 4, h: 4 } },
      { frame: { x: 4, y: 1, w: 1, h: 1 }, trimmed: true, spriteSourceSize: { x: 3, y: 0, w: 1, h: 1 }, sourceSize: { w: 4, h: 4 } },
      { frame: { x: 6, y: 1, w: 1, h: 1 }, trimmed: true, spriteSourceSize: { x: 0, y: 0, w: 1, h: 1 }, sourceSize: { w: 4, h: 4 } },
    ]);
    expect([sheet.width, sheet.height]).toEqual([8, 5]);
    expect(px(sheet.rgba, 8, 4, 1)).toEqual([200, 100, 50, 255]);
    const pow2 = packSheet(frames, { ...noPack, columns: 3, padding: 1, trim: true, powerOfTwo: true });
    expect([pow2.width, pow2.height]).toEqual([8, 8]);
  });

  it('starts a new row at the maximum width and refuses a frame wider than it', () => {
    const frames = rgbaFrames(5, 4, 4, () => [1, 2, 3, 255]);
    const sheet = packSheet(frames, { ...noPack, maxWidth: 10 });
    expect([sheet.width, sheet.height, sheet.columns, sheet.rows]).toEqual([8, 12, 2, 3]);
    expect(sheet.frames[2].frame).toEqual({ x: 0, y: 4, w: 4, h: 4 });
    // 4 px frame + 2 x 4 px extrusion + 2 x 2 px padding = 16 px.
    expect(() => packSheet(frames, { ...noPack, padding: 2, extrude: 4, maxWidth: 15 })).toThrow(/16 px of sheet width.*maximum sheet width of 15 px/);
    expect(() => packSheet(frames, { ...noPack, columns: 5, powerOfTwo: true, maxWidth: 20 })).toThrow(/power of two is 32 px wide/);
  });
});

/** DecodedImages from byte pixels (RGBA, values / 255 as the decoder gives them). */
function decoded(count: number, size: number, pixel: (f: number, x: number, y: number) => [number, number, number, number]): DecodedImages {
  const f = rgbaFrames(count, size, size, pixel);
  return { count, size, channels: 4, pixels: Float32Array.from(f.data, (v) => v / 255) };
}

const base = (sheet: SheetOptionsIn = {}, extra: Partial<EncodeOptions> = {}): EncodeOptions => ({
  formats: ['png', 'sheet'],
  name: 'walk-{i}',
  sheetName: 'walk',
  scale: 1,
  delayMs: 80,
  pingPong: false,
  loop: 0,
  columns: null,
  sheet: sheetOptionsSchema.parse(sheet),
  ...extra,
});
const text = (files: { name: string; data: Uint8Array | string }[], name: string) => files.find((f) => f.name === name)!.data as string;
const bytes = (files: { name: string; data: Uint8Array | string }[], name: string) => Buffer.from(files.find((f) => f.name === name)!.data as Uint8Array);
async function rawOf(png: Buffer) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}
function crop(img: { data: Uint8Array; width: number }, r: Rect): Uint8Array {
  const out = new Uint8Array(r.w * r.h * 4);
  for (let y = 0; y < r.h; y++) out.set(img.data.subarray(((r.y + y) * img.width + r.x) * 4, ((r.y + y) * img.width + r.x + r.w) * 4), y * r.w * 4);
  return out;
}
const colourful = (f: number, x: number, y: number): [number, number, number, number] => [(f * 37) % 256, x * 30, y * 30, x === y ? 0 : 255];

describe('atlas layouts', () => {
  it('TexturePacker Hash and Array describe the same rectangles with pivot (and PixiJS anchor) at centre-bottom by default', async () => {
    const images = decoded(5, 6, colourful);
    const hash = JSON.parse(text((await encodeExport(images, base())).files, 'walk.json')) as TexturePackerHash;
    const array = JSON.parse(text((await encodeExport(images, base({ layout: 'texturepacker-array' }))).files, 'walk.json')) as TexturePackerArray;
    expect(array.frames.map((f) => f.filename)).toEqual(Object.keys(hash.frames));
    expect(array.frames.map((f) => f.frame)).toEqual(Object.values(hash.frames).map((f) => f.frame));
    expect(hash.frames['walk-0.png'].pivot).toEqual({ x: 0.5, y: 1 });
    expect(hash.frames['walk-0.png'].anchor).toEqual({ x: 0.5, y: 1 });
    expect(array.meta.app).toBe('https://github.com/latent-atlas/latent-atlas#texturepacker-json-array');
    expect(array.animations).toEqual({ walk: ['walk-0.png', 'walk-1.png', 'walk-2.png', 'walk-3.png', 'walk-4.png'] });
    const custom = JSON.parse(text((await encodeExport(images, base({ pivot: { x: 0.25, y: 0.75 } }))).files, 'walk.json')) as TexturePackerHash;
    expect(custom.frames['walk-4.png'].pivot).toEqual({ x: 0.25, y: 0.75 });
  });

  it('Aseprite JSON: an array of frames with their duration, one forward or ping-pong tag per path, one layer, no slices', async () => {
    const images = decoded(4, 6, colourful);
    const fwd = JSON.parse(text((await encodeExport(images, base({ layout: 'aseprite' }))).files, 'walk.json')) as AsepriteJson;
    expect(fwd.frames.map((f) => [f.filename, f.duration])).toEqual([
      ['0', 80],
      ['1', 80],
      ['2', 80],
      ['3', 80],
    ]);
    expect(fwd.meta.frameTags).toEqual([{ name: 'walk', from: 0, to: 3, direction: 'forward', color: '#000000ff' }]);
    expect(fwd.meta.layers).toEqual([{ name: 'Layer 1', opacity: 255, blendMode: 'normal' }]);
    expect(fwd.meta.slices).toEqual([]);
    expect(fwd.meta).toMatchObject({ app: 'https://github.com/latent-atlas/latent-atlas#aseprite-json', image: 'walk.png', format: 'RGBA8888', scale: '1' });
    const pp = JSON.parse(text((await encodeExport(images, base({ layout: 'aseprite' }, { pingPong: true }))).files, 'walk.json')) as AsepriteJson;
    expect(pp.meta.frameTags[0].direction).toBe('pingpong');
    expect(pp.frames).toHaveLength(4); // Aseprite plays ping-pong from the tag; frames are not repeated
  });

  it('a traversal gets one tag per row, named for the dimension it sweeps', async () => {
    const images = decoded(6, 4, colourful);
    const out = await encodeExport(images, base({ layout: 'aseprite' }, { columns: 3 }), { rows: { dims: [2, 5], columns: 3 } });
    const json = JSON.parse(text(out.files, 'walk.json')) as AsepriteJson;
    expect(json.meta.frameTags.map((t) => [t.name, t.from, t.to])).toEqual([
      ['walk-dim2', 0, 2],
      ['walk-dim5', 3, 5],
    ]);
    expect(out.sheet!.packed.rows).toBe(2);
  });

  it('the grid description slices the sheet back into exactly the exported frames, with Unity and GameMaker numbers', async () => {
    const images = decoded(7, 5, colourful);
    const { files } = await encodeExport(images, base({ layout: 'grid', padding: 3, extrude: 2, pivot: { x: 0.5, y: 1 } }));
    const grid = JSON.parse(text(files, 'walk.grid.json')) as GridDescription;
    expect(grid).toMatchObject({ image: 'walk.png', cellSize: { w: 5, h: 5 }, margin: { x: 5, y: 5 }, spacing: { x: 7, y: 7 }, columns: 3, rows: 3, frameCount: 7 });
    expect(grid.unity).toEqual({ sliceType: 'Grid By Cell Size', pixelSize: { x: 5, y: 5 }, offset: { x: 5, y: 5 }, padding: { x: 7, y: 7 }, pivot: 'Custom', customPivot: { x: 0.5, y: 0 } });
    expect(grid.gameMaker).toMatchObject({ numberOfFrames: 7, framesPerRow: 3, frameWidth: 5, horizontalPixelOffset: 5, horizontalSeparation: 7 });
    const sheet = await rawOf(bytes(files, 'walk.png'));
    expect([sheet.width, sheet.height]).toEqual([grid.imageSize.w, grid.imageSize.h]);
    for (let i = 0; i < grid.frameCount; i++) {
      const col = i % grid.columns;
      const row = Math.floor(i / grid.columns);
      const cell = { x: grid.margin.x + col * (grid.cellSize.w + grid.spacing.x), y: grid.margin.y + row * (grid.cellSize.h + grid.spacing.y), w: grid.cellSize.w, h: grid.cellSize.h };
      expect(crop(sheet, cell)).toEqual((await rawOf(bytes(files, `walk-${i}.png`))).data);
    }
  });

  it('Kaplay atlas: one sprite with every frame rectangle and one animation per tag', async () => {
    const images = decoded(3, 4, colourful);
    const { files, sheet } = await encodeExport(images, base({ layout: 'kaplay' }, { pingPong: true, delayMs: 125 }));
    const atlas = JSON.parse(text(files, 'walk.kaplay.json')) as KaplayAtlas;
    expect(atlas.walk.frames).toEqual(sheet!.packed.frames.map((f) => f.frame));
    expect(atlas.walk.anims).toEqual({ walk: { from: 0, to: 2, loop: true, pingpong: true, speed: 8 } });
    expect([atlas.walk.width, atlas.walk.height]).toEqual([sheet!.packed.width, sheet!.packed.height]);
  });

  it('refuses trimming for layouts that cannot place a trimmed frame', async () => {
    const images = decoded(3, 4, colourful);
    await expect(encodeExport(images, base({ layout: 'grid', trim: true }))).rejects.toThrow(/grid description.*turn trimming off/);
    await expect(encodeExport(images, base({ layout: 'kaplay', trim: true }))).rejects.toThrow(/Kaplay/);
  });
});

describe('indexed PNG', () => {
  const palette: Palette = { count: 3, rgba: Uint8Array.from([10, 10, 10, 255, 120, 60, 30, 255, 250, 240, 200, 255]) };
  const snapped = (f: number, x: number, y: number): [number, number, number, number] => {
    if ((x + y + f) % 4 === 0) return [0, 0, 0, 0];
    const c = (x * 3 + y + f) % 3;
    return [palette.rgba[c * 4], palette.rgba[c * 4 + 1], palette.rgba[c * 4 + 2], 255];
  };

  it('writes frames and sheet as palette PNGs (colour type 3) with the dataset palette after a transparent entry, re-reading to the same pixels', async () => {
    const images = decoded(4, 6, snapped);
    const plain = await encodeExport(images, base({ extrude: 2 }, { scale: 2 }));
    const indexed = await encodeExport(images, base({ extrude: 2 }, { scale: 2, indexed: true }), { palette });
    for (const name of ['walk-0.png', 'walk-3.png', 'walk.png']) {
      const png = bytes(indexed.files, name);
      expect(pngColourType(png)).toBe(3);
      expect(png[24]).toBe(8); // IHDR bit depth
      // PLTE: transparent slot first, then the palette in its order; tRNS makes only slot 0 transparent.
      const plte = png.indexOf(Buffer.from('PLTE'));
      expect(Array.from(png.subarray(plte + 4, plte + 4 + 12))).toEqual([0, 0, 0, 10, 10, 10, 120, 60, 30, 250, 240, 200]);
      const trns = png.indexOf(Buffer.from('tRNS'));
      expect(png.readUInt32BE(trns - 4)).toBe(1);
      expect((await rawOf(png)).data).toEqual((await rawOf(bytes(plain.files, name))).data);
    }
  });

  it('refuses an indexed export without a palette, or with a colour outside it', async () => {
    const images = decoded(2, 4, snapped);
    await expect(encodeExport(images, base({}, { indexed: true }))).rejects.toThrow(/pixel-art finishing/);
    const off = decoded(2, 4, () => [1, 2, 3, 255]);
    await expect(encodeExport(off, base({}, { indexed: true }), { palette })).rejects.toThrow(/not a colour of the palette/);
  });
});

/**
 * A small reader of Godot's text resource format (enough for a SpriteFrames .tres): sections
 * `[tag key=value ...]`, then `key = value` properties whose values are Godot variants. Values
 * are turned into JSON: Rect2(...) -> {rect2: [...]}, ExtResource/SubResource("id") ->
 * {ext|sub: id}, StringName &"x" -> "x". Refuses anything it does not understand.
 */
interface GodotSection {
  tag: string;
  attrs: Record<string, string | number>;
  props: Record<string, unknown>;
}
function readGodotTres(source: string): GodotSection[] {
  const sections: GodotSection[] = [];
  const lines = source.split('\n');
  let current: GodotSection | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const header = /^\[(\w+)((?:\s+\w+=(?:"[^"]*"|[\w.]+))*)\]$/.exec(line);
    if (header) {
      const attrs: Record<string, string | number> = {};
      for (const m of header[2].matchAll(/(\w+)=("([^"]*)"|[\w.]+)/g)) attrs[m[1]] = m[3] ?? Number(m[2]);
      current = { tag: header[1], attrs, props: {} };
      sections.push(current);
      continue;
    }
    const prop = /^(\w+) = (.*)$/.exec(line);
    if (!prop || !current) throw new Error(`line ${i + 1} is neither a section nor a property: ${line}`);
    // A value may span lines until its brackets balance.
    let value = prop[2];
    const depth = (s: string) => [...s].reduce((d, c) => d + ('[{('.includes(c) ? 1 : ')}]'.includes(c) ? -1 : 0), 0);
    while (depth(value) > 0) value += '\n' + lines[++i];
    const json = value
      .replace(/Rect2\(([^)]*)\)/g, (_, a: string) => `{"rect2": [${a}]}`)
      .replace(/(ExtResource|SubResource)\("([^"]*)"\)/g, (_, kind: string, id: string) => `{"${kind === 'ExtResource' ? 'ext' : 'sub'}": "${id}"}`)
      .replace(/&"/g, '"');
    current.props[prop[1]] = JSON.parse(json);
  }
  return sections;
}

describe('Godot 4 SpriteFrames', () => {
  it('parses as a SpriteFrames resource whose AtlasTexture regions cut the exact frames from the sheet, one animation per tag at the frame rate', async () => {
    // Frames with transparent left columns and bottom rows, so trimming moves them.
    const images = decoded(6, 5, (f, x, y) => (x < f % 3 || y > 3 + (f % 2) - 1 ? [0, 0, 0, 0] : colourful(f, x, y)));
    const { files } = await encodeExport(images, base({ layout: 'godot', trim: true }, { columns: 3, pingPong: true, delayMs: 120 }), { rows: { dims: [0, 3], columns: 3 } });
    const sections = readGodotTres(text(files, 'walk.tres'));
    expect(sections[0]).toMatchObject({ tag: 'gd_resource', attrs: { type: 'SpriteFrames', format: 3, load_steps: 8 } });
    const ext = sections.filter((s) => s.tag === 'ext_resource');
    expect(ext).toEqual([{ tag: 'ext_resource', attrs: { type: 'Texture2D', path: 'walk.png', id: '1_sheet' }, props: {} }]);
    const subs = new Map(sections.filter((s) => s.tag === 'sub_resource').map((s) => [s.attrs.id, s]));
    expect(subs.size).toBe(6);
    expect(subs.get('AtlasTexture_2')!.props.margin).toEqual({ rect2: [2, 0, 2, 2] }); // opaque x 2..4, y 0..2 of 5x5: 2 px cut left, 2 right, 2 below
    const sheet = await rawOf(bytes(files, 'walk.png'));
    for (let i = 0; i < 6; i++) {
      const sub = subs.get(`AtlasTexture_${i}`)!;
      expect(sub.attrs.type).toBe('AtlasTexture');
      expect(sub.props.atlas).toEqual({ ext: '1_sheet' });
      const [x, y, w, h] = (sub.props.region as { rect2: number[] }).rect2;
      // The frame put back at its place (margin) inside its full-size cell equals the exported frame.
      const full = new Uint8Array(5 * 5 * 4);
      const [mx, my] = sub.props.margin ? (sub.props.margin as { rect2: number[] }).rect2 : [0, 0];
      const cut = crop(sheet, { x, y, w, h });
      for (let r = 0; r < h; r++) full.set(cut.subarray(r * w * 4, (r + 1) * w * 4), ((my + r) * 5 + mx) * 4);
      expect(full).toEqual((await rawOf(bytes(files, `walk-${i}.png`))).data);
    }
    const anims = sections.find((s) => s.tag === 'resource')!.props.animations as { name: string; speed: number; loop: boolean; frames: { texture: { sub: string }; duration: number }[] }[];
    expect(anims.map((a) => [a.name, a.speed, a.loop])).toEqual([
      ['walk-dim0', 8.333, true],
      ['walk-dim3', 8.333, true],
    ]);
    // Ping-pong written out: 3, 4, 5, 4.
    expect(anims[1].frames.map((f) => f.texture.sub)).toEqual(['AtlasTexture_3', 'AtlasTexture_4', 'AtlasTexture_5', 'AtlasTexture_4']);
    expect(anims[1].frames.every((f) => f.duration === 1)).toBe(true);
  });
});
