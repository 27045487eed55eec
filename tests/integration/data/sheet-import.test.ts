import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { sheetOptionsSchema, type SheetLayout } from '../../../src/contract';
import { importImages } from '../../../src/data/import';
import { importSheets } from '../../../src/data/sheet-import';
import { previewSheet } from '../../../src/data/sheet-preview';
import { openDataset } from '../../../src/data/store';
import { AtlasError } from '../../../src/errors';
import type { RgbaFrames } from '../../../src/export/pixels';
import { spriteSheet } from '../../../src/export/sprite-sheet';

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-sheet-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/**
 * Frames as the app's decoder makes them: every pixel different, including fully transparent
 * pixels that still carry colour (a bit-exact import must keep those too). With `border`, a
 * fully clear (0,0,0,0) frame edge of that width, so trimming has something to cut.
 */
function makeFrames(count: number, size: number, border = 0): RgbaFrames {
  const data = new Uint8Array(count * size * size * 4);
  for (let f = 0; f < count; f++)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const o = ((f * size + y) * size + x) * 4;
        const inside = x >= border && y >= border && x < size - border - (f % 2) && y < size - border;
        if (!inside) continue;
        data.set([(f * 37 + x * 11) % 256, (y * 13 + f) % 256, (x * y + 3 * f) % 256, (x + y) % 5 === 0 ? 0 : 40 + ((x * 7 + y * 3 + f) % 216)], o);
      }
  return { count, width: size, height: size, data };
}

const frameOf = (frames: RgbaFrames, i: number) => frames.data.subarray(i * frames.width * frames.height * 4, (i + 1) * frames.width * frames.height * 4);

async function writeSheet(dir: string, frames: RgbaFrames, layout: SheetLayout, extra: Record<string, unknown> = {}): Promise<{ png: string; atlas: string }> {
  await fs.mkdir(dir, { recursive: true });
  const names = Array.from({ length: frames.count }, (_, i) => `walk-${i}`);
  const sheet = await spriteSheet(frames, {
    sheetName: 'walk',
    columns: null,
    names,
    tags: [
      { name: 'left', from: 0, to: 2 },
      { name: 'right', from: 3, to: frames.count - 1 },
    ],
    pingPong: false,
    delayMs: 100,
    loop: 0,
    options: sheetOptionsSchema.parse({ layout, ...extra }),
  });
  const png = path.join(dir, 'walk.png');
  await fs.writeFile(png, sheet.png);
  const atlas = path.join(dir, sheet.atlas.name);
  await fs.writeFile(atlas, sheet.atlas.data);
  return { png, atlas };
}

async function datasetState(dir: string): Promise<string> {
  const names = await fs.readdir(dir).catch(() => null);
  if (!names) return 'absent';
  const parts = await Promise.all(names.sort().map(async (n) => `${n}:${(await fs.readFile(path.join(dir, n))).toString('base64')}`));
  return parts.join('|');
}

async function rejection(p: Promise<unknown>): Promise<AtlasError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AtlasError);
  return err as AtlasError;
}

describe('round trip: a sheet the app exported, imported again with its atlas', () => {
  const cases: Array<{ layout: SheetLayout; extra?: Record<string, unknown>; border?: number }> = [
    { layout: 'texturepacker-hash' },
    { layout: 'texturepacker-array', extra: { padding: 3, extrude: 2 } },
    { layout: 'aseprite', extra: { padding: 0, extrude: 0 } },
    { layout: 'grid', extra: { padding: 1, extrude: 1 } },
    { layout: 'texturepacker-hash', extra: { trim: true }, border: 3 },
    { layout: 'aseprite', extra: { trim: true, padding: 2, extrude: 1 }, border: 2 },
  ];
  for (const { layout, extra = {}, border = 0 } of cases) {
    it(`gives back the same frames byte for byte (${layout}${Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : ''})`, async () => {
      const frames = makeFrames(7, 16, border);
      const { png } = await writeSheet(path.join(tmp, 'export'), frames, layout, extra);
      const out = path.join(tmp, 'ds');
      const result = await importSheets({ sheets: [png], slicing: { mode: 'atlas' }, output: out, cacheDir: null, options: { size: 16, channels: 'rgba', valFraction: 0 } });
      expect(result.imported).toBe(7);
      expect(result.skipped).toEqual([]);
      const ds = await openDataset(out);
      expect(ds.index.count).toBe(7);
      for (let i = 0; i < 7; i++) expect(Buffer.from(ds.image(i)).equals(Buffer.from(frameOf(frames, i))), `frame ${i}`).toBe(true);
      // Every frame is named by sheet and cell, and labelled by the tag that covers it.
      expect(ds.index.items.map((it) => it.label)).toEqual(['left', 'left', 'left', 'right', 'right', 'right', 'right']);
      expect(ds.index.items[0].source).toMatch(/^walk\.png#/);
      const report = result.sheets?.[0];
      expect(report?.sheet).toBe('walk.png');
      expect(report?.mode).toBe('atlas');
      expect(report?.frames.map((f) => f.status)).toEqual(Array(7).fill('imported'));
    });
  }

  it('takes the atlas JSON itself as the input and finds the image it names', async () => {
    const frames = makeFrames(5, 16);
    const { atlas } = await writeSheet(path.join(tmp, 'export'), frames, 'aseprite');
    const result = await importSheets({ sheets: [atlas], slicing: { mode: 'atlas' }, output: path.join(tmp, 'ds'), cacheDir: null, options: { size: 16, channels: 'rgba', valFraction: 0 } });
    expect(result.imported).toBe(5);
    expect(result.sheets?.[0].atlas?.layout).toBe('aseprite-array');
  });
});

describe('sheet import through the pipeline', () => {
  async function gridSheet(file: string, cells: number, cell: number, emptyAt: number[], dupAt: Record<number, number> = {}): Promise<RgbaFrames> {
    const frames = makeFrames(cells, cell);
    for (const i of emptyAt) frameOf(frames, i).fill(0);
    for (const [i, j] of Object.entries(dupAt)) frameOf(frames, Number(i)).set(frameOf(frames, j));
    const cols = 4;
    const rows = Math.ceil(cells / cols);
    const rgba = new Uint8Array(cols * cell * rows * cell * 4);
    for (let i = 0; i < cells; i++)
      for (let y = 0; y < cell; y++) rgba.set(frameOf(frames, i).subarray(y * cell * 4, (y + 1) * cell * 4), ((Math.floor(i / cols) * cell + y) * cols * cell + (i % cols) * cell) * 4);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await sharp(rgba, { raw: { width: cols * cell, height: rows * cell, channels: 4 } })
      .png()
      .toFile(file);
    return frames;
  }

  it('imports grid cells, reports empty and duplicate cells by sheet and cell, labels with the sheet name', async () => {
    const file = path.join(tmp, 'in', 'slimes.png');
    const frames = await gridSheet(file, 8, 16, [5], { 7: 1 });
    const result = await importSheets({
      sheets: [file],
      slicing: { mode: 'grid', cellWidth: 16, cellHeight: 16, margin: 0, spacing: 0, skipEmpty: true },
      output: path.join(tmp, 'ds'),
      cacheDir: null,
      options: { size: 16, channels: 'rgba', valFraction: 0 },
    });
    expect(result.imported).toBe(6);
    expect(result.skipped).toEqual([
      { path: 'slimes.png#r2c2', code: 'empty_cell', reason: expect.stringContaining('at 16,16 (16x16) has no visible pixel') },
      { path: 'slimes.png#r2c4', code: 'duplicate', reason: 'Same content as slimes.png#r1c2.' },
    ]);
    expect(result.labels).toEqual(['slimes']);
    expect(result.sheets?.[0].frames.map((f) => `${f.name}:${f.status}`)).toEqual([
      'r1c1:imported',
      'r1c2:imported',
      'r1c3:imported',
      'r1c4:imported',
      'r2c1:imported',
      'r2c2:empty_cell',
      'r2c3:imported',
      'r2c4:duplicate',
    ]);
    const ds = await openDataset(path.join(tmp, 'ds'));
    expect(ds.index.items.map((it) => it.source)).toEqual(['slimes.png#r1c1', 'slimes.png#r1c2', 'slimes.png#r1c3', 'slimes.png#r1c4', 'slimes.png#r2c1', 'slimes.png#r2c3']);
    expect(Buffer.from(ds.image(5)).equals(Buffer.from(frameOf(frames, 6)))).toBe(true);
  });

  it('reads GIF and WebP sheets too (the first frame of an animated one)', async () => {
    // Four 8x8 cells of flat colours with binary alpha: exact in a lossless WebP and in a GIF palette.
    const colours = [
      [200, 30, 30],
      [30, 200, 30],
      [30, 30, 200],
      [220, 220, 20],
    ];
    const rgba = new Uint8Array(16 * 16 * 4);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) if (x % 8 > 1 && y % 8 > 1) rgba.set([...colours[(y >> 3) * 2 + (x >> 3)], 255], (y * 16 + x) * 4);
    await fs.mkdir(path.join(tmp, 'in'), { recursive: true });
    const files = {
      webp: await sharp(rgba, { raw: { width: 16, height: 16, channels: 4 } })
        .webp({ lossless: true })
        .toBuffer(),
      // An animation of two pages: the sheet is the first, the second is blank.
      gif: await sharp(Buffer.concat([rgba, new Uint8Array(rgba.length)]), { raw: { width: 16, height: 32, channels: 4, pageHeight: 16 } })
        .gif({ loop: 0, delay: [100, 100] })
        .toBuffer(),
    };
    for (const [ext, bytes] of Object.entries(files)) await fs.writeFile(path.join(tmp, 'in', `tiles.${ext}`), bytes);
    for (const ext of ['webp', 'gif']) {
      const out = path.join(tmp, `ds-${ext}`);
      const result = await importSheets({
        sheets: [path.join(tmp, 'in', `tiles.${ext}`)],
        slicing: { mode: 'grid', cellWidth: 8, cellHeight: 8, margin: 0, spacing: 0, skipEmpty: true },
        output: out,
        cacheDir: null,
        options: { size: 16, channels: 'rgba', resampling: 'nearest', valFraction: 0 },
      });
      expect(result.imported, ext).toBe(4);
      expect([result.sheets?.[0].width, result.sheets?.[0].height], ext).toEqual([16, 16]);
      const ds = await openDataset(out);
      // Cell r1c2 (green), enlarged 2x by nearest: its centre pixel is the cell's colour.
      const px = ds.image(1).subarray((8 * 16 + 8) * 4, (8 * 16 + 8) * 4 + 4);
      expect([...px], ext).toEqual([30, 200, 30, 255]);
    }
  });

  it('resamples frames to the training size like files (32x32 cells into a 16x16 dataset)', async () => {
    const file = path.join(tmp, 'in', 'big.png');
    await gridSheet(file, 4, 32, []);
    const result = await importSheets({
      sheets: [file],
      slicing: { mode: 'grid', cellWidth: 32, cellHeight: 32, margin: 0, spacing: 0, skipEmpty: true },
      output: path.join(tmp, 'ds'),
      cacheDir: null,
      options: { size: 16, labels: 'none' },
    });
    expect(result.imported).toBe(4);
    expect(result.size).toBe(16);
    expect(result.labels).toEqual([]);
    const ds = await openDataset(path.join(tmp, 'ds'));
    expect(ds.index.items[0]).toMatchObject({ width: 32, height: 32, label: null });
  });

  it('slices automatically and previews the same frames it imports', async () => {
    const file = path.join(tmp, 'in', 'loose.png');
    const sheet = new Uint8Array(60 * 30 * 4);
    const boxes = [
      { x: 2, y: 3, w: 9, h: 7 },
      { x: 20, y: 1, w: 12, h: 12 },
      { x: 40, y: 15, w: 15, h: 10 },
    ];
    for (const [k, b] of boxes.entries()) for (let y = b.y; y < b.y + b.h; y++) for (let x = b.x; x < b.x + b.w; x++) sheet.set([k * 80, 200, 100, 255], (y * 60 + x) * 4);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await sharp(sheet, { raw: { width: 60, height: 30, channels: 4 } })
      .png()
      .toFile(file);
    const slicing = { mode: 'auto', alphaThreshold: 0, gap: 1, minArea: 4, splitWidth: 0, splitHeight: 0 } as const;
    const preview = await previewSheet(file, slicing);
    expect(preview.frames.map(({ x, y, w, h }) => ({ x, y, w, h }))).toEqual(boxes);
    expect(preview.sizes).toEqual([
      { w: 15, h: 10, count: 1 },
      { w: 12, h: 12, count: 1 },
      { w: 9, h: 7, count: 1 },
    ]);
    expect(preview.image.mime).toBe('image/png');
    expect(Buffer.from(preview.image.base64, 'base64').equals(await fs.readFile(file))).toBe(true);
    const result = await importSheets({ sheets: [file], slicing, output: path.join(tmp, 'ds'), cacheDir: null, options: { size: 16 } });
    expect(result.imported).toBe(3);
    expect(result.sheets?.[0].frames.map((f) => [f.name, f.x, f.y, f.w, f.h])).toEqual(boxes.map((b, i) => [String(i + 1), b.x, b.y, b.w, b.h]));
  });
});

describe('bad sheets: a clear error naming the file, and the dataset folder unchanged', () => {
  /** An existing dataset in `out`, so "unchanged" means more than "not created". */
  async function existingDataset(out: string): Promise<string> {
    const src = path.join(tmp, 'plain');
    await fs.mkdir(src, { recursive: true });
    await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 9, g: 8, b: 7, alpha: 1 } } })
      .png()
      .toFile(path.join(src, 'a.png'));
    await importImages({ source: { folder: src }, output: out, cacheDir: null, options: { size: 16 } });
    return datasetState(out);
  }

  it('refuses a sheet over the pixel limit before decoding it', async () => {
    const out = path.join(tmp, 'ds');
    const before = await existingDataset(out);
    const file = path.join(tmp, 'huge.png');
    await sharp({ create: { width: 3000, height: 2000, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toFile(file);
    const e = await rejection(
      importSheets({
        sheets: [file],
        slicing: { mode: 'auto', alphaThreshold: 0, gap: 1, minArea: 16, splitWidth: 0, splitHeight: 0 },
        output: out,
        cacheDir: null,
        options: { maxPixels: 5_000_000 },
      }),
    );
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain(`${file} is 3000x2000 pixels, over the limit of 5,000,000 pixels`);
    expect(e.message).toContain('Cut it into smaller sheets');
    expect(await datasetState(out)).toBe(before);
    // The preview refuses it the same way.
    expect((await rejection(previewSheet(file, { mode: 'grid', cellWidth: 10, cellHeight: 10, margin: 0, spacing: 0, skipEmpty: true }, 5_000_000))).message).toContain('over the limit');
  });

  it('refuses a grid that does not divide the sheet', async () => {
    const out = path.join(tmp, 'ds');
    const before = await existingDataset(out);
    const file = path.join(tmp, 'odd.png');
    await sharp({ create: { width: 100, height: 64, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 1 } } })
      .png()
      .toFile(file);
    const e = await rejection(importSheets({ sheets: [file], slicing: { mode: 'grid', cellWidth: 32, cellHeight: 32, margin: 0, spacing: 0, skipEmpty: true }, output: out, cacheDir: null }));
    expect(e.message).toMatch(/^odd\.png is 100 pixels wide, which 32-pixel cells .* do not divide \(4 pixels left over\)/);
    expect(e.message).toContain('cell widths that fit');
    expect(await datasetState(out)).toBe(before);
  });

  it('refuses an atlas that names frames outside the image', async () => {
    const out = path.join(tmp, 'ds');
    const before = await existingDataset(out);
    const { png, atlas } = await writeSheet(path.join(tmp, 'export'), makeFrames(4, 16), 'texturepacker-hash', { padding: 0, extrude: 0 });
    const json = JSON.parse(await fs.readFile(atlas, 'utf8'));
    json.frames['walk-3'].frame.x = 200;
    delete json.meta.size;
    await fs.writeFile(atlas, JSON.stringify(json));
    const e = await rejection(importSheets({ sheets: [png], slicing: { mode: 'atlas' }, output: out, cacheDir: null }));
    expect(e.message).toContain(`The atlas ${atlas} names frame "walk-3" at 200,`);
    expect(e.message).toContain('outside walk.png');
    expect(e.message).toContain('Check that the atlas belongs to this image');
    expect(await datasetState(out)).toBe(before);
  });

  it('refuses an atlas whose image is missing, and a sheet with no atlas beside it', async () => {
    const out = path.join(tmp, 'ds');
    const before = await existingDataset(out);
    const { png, atlas } = await writeSheet(path.join(tmp, 'export'), makeFrames(4, 16), 'aseprite');
    await fs.rm(png);
    const e = await rejection(importSheets({ sheets: [atlas], slicing: { mode: 'atlas' }, output: out, cacheDir: null }));
    expect(e.code).toBe('not_found');
    expect(e.message).toContain(`The atlas ${atlas} names the image walk.png, which is not at ${png}`);
    expect(e.message).toContain('Put the sheet image beside its atlas');
    const lone = path.join(tmp, 'lone.png');
    await sharp({ create: { width: 16, height: 16, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 1 } } })
      .png()
      .toFile(lone);
    const none = await rejection(importSheets({ sheets: [lone], slicing: { mode: 'atlas' }, output: out, cacheDir: null }));
    expect(none.message).toContain(`No atlas lies beside ${lone} (looked for lone.json`);
    expect(await datasetState(out)).toBe(before);
  });

  it('stops before writing when a later sheet of several is bad: the good one is not half-imported', async () => {
    const out = path.join(tmp, 'fresh');
    const good = path.join(tmp, 'good.png');
    await sharp({ create: { width: 32, height: 16, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 1 } } })
      .png()
      .toFile(good);
    const bad = path.join(tmp, 'bad.png');
    await fs.writeFile(bad, 'not an image at all');
    const e = await rejection(importSheets({ sheets: [good, bad], slicing: { mode: 'grid', cellWidth: 16, cellHeight: 16, margin: 0, spacing: 0, skipEmpty: true }, output: out, cacheDir: null }));
    expect(e.message).toContain(`The sheet ${bad} is not an image`);
    expect(await datasetState(out)).toBe('absent');
  });
});
