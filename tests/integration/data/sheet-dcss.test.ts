import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { importSheets } from '../../../src/data/sheet-import';
import { loadSheet } from '../../../src/data/sheet-load';
import { repoRoot } from '../../helpers/built';
import { fetchDcssSheet } from '../../bench/data';

/**
 * Automatic slicing on a real packed sheet: floor.png of Debian's crawl-tiles-data (Dungeon
 * Crawl Stone Soup, CC0), fetched at test time with `apt-get download` into the bench cache
 * (never committed). It is 1024x960: 32x32 floor tiles packed edge to edge with no transparent
 * pixel between them, so the whole sheet is one alpha island and only the packed-sheet cut
 * (--split 32x32) can find the tiles; a few tiles have holes, the last rows hold overlays that
 * cover a corner of their cell, and some of those are off the 32-pixel grid.
 *
 * Its tile count, 956, was established by hand: the sheet rendered at 4x with a 32-pixel grid
 * drawn over it and looked at row by row. Rows 0 to 28 hold a tile in every one of their 32
 * cells (row 6's six pink tiles with holes, the dark bars and blue lines of row 27, the wave
 * corners at the end of row 28 included); the last row holds 28 (purple blobs, wave edges, a
 * purple and two ochre tiles) and its 4 rightmost cells are empty: 29 x 32 + 28 = 956.
 */
const HAND_COUNT = 956;
const SLICING = { mode: 'auto', alphaThreshold: 0, gap: 1, minArea: 16, splitWidth: 32, splitHeight: 32 } as const;

let floor: string;
let tmp: string;
beforeAll(async () => {
  floor = (await fetchDcssSheet('floor.png')).file;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-dcss-'));
}, 300_000);
afterAll(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('automatic slicing of a Dungeon Crawl Stone Soup sheet', () => {
  it(`finds floor.png's tiles within 2% of the hand count (${HAND_COUNT})`, async () => {
    const sheet = await loadSheet(floor, SLICING, 50_000_000);
    expect([sheet.pixels.width, sheet.pixels.height]).toEqual([1024, 960]);
    const found = sheet.slices.length;
    expect(Math.abs(found - HAND_COUNT) / HAND_COUNT).toBeLessThanOrEqual(0.02);
    // The frames are tiles, not slivers or merged pairs: nearly all are a whole 32x32 tile.
    const whole = sheet.slices.filter((s) => s.w === 32 && s.h === 32).length;
    expect(whole / found).toBeGreaterThan(0.9);
    expect(sheet.slices.every((s) => s.w <= 32 && s.h <= 32)).toBe(true);
    // A picture of the boxes, to look at (tests/artifacts).
    const outline = new Uint8Array(sheet.pixels.rgba);
    for (const [k, s] of sheet.slices.entries()) {
      const colour = k % 2 ? [255, 255, 0, 255] : [0, 255, 255, 255];
      for (let x = s.x; x < s.x + s.w; x++) for (const y of [s.y, s.y + s.h - 1]) outline.set(colour, (y * 1024 + x) * 4);
      for (let y = s.y; y < s.y + s.h; y++) for (const x of [s.x, s.x + s.w - 1]) outline.set(colour, (y * 1024 + x) * 4);
    }
    const artifacts = path.join(repoRoot, 'tests', 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    await sharp(outline, { raw: { width: 1024, height: 960, channels: 4 } })
      .png()
      .toFile(path.join(artifacts, 'dcss-floor-auto-slices.png'));
  });

  it('imports the tiles it finds, each named by sheet and cell', async () => {
    const result = await importSheets({ sheets: [floor], slicing: SLICING, output: path.join(tmp, 'ds'), cacheDir: null, options: { size: 32, valFraction: 0.1 } });
    const frames = result.sheets?.[0].frames ?? [];
    expect(frames.length).toBeGreaterThan(HAND_COUNT * 0.98);
    expect(result.imported + result.skipped.length).toBe(frames.length);
    // Repeated tiles are left out as duplicates, each named by its cell.
    for (const s of result.skipped) {
      expect(s.code).toBe('duplicate');
      expect(s.path).toMatch(/^floor\.png#\d+$/);
    }
    expect(result.imported).toBeGreaterThan(HAND_COUNT * 0.9);
    expect(result.labels).toEqual(['floor']);
  });
});
