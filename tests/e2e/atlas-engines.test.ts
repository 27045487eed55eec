import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import type { ExportOptionsIn, SheetLayout } from '../../src/contract';
import { EngineClient } from '../../src/host/client';
import { spawnNodeEngine } from '../../src/host/spawn-node';
import { requireBuilt } from '../helpers/built';
import { launchChromium } from '../helpers/browser';
import { matchShare, openEnginePage, overBackground, readFrames, type EngineResult, type ExportedFrames } from '../helpers/engine-page';
import { loadWithExcalibur, loadWithKaplay, loadWithMelon, loadWithPhaser, loadWithPixi } from '../helpers/engines';
import { writePngs } from '../helpers/images';

/**
 * The exported sheet, in each atlas layout, loads in the game engines that read that layout,
 * each used the way its documentation shows, in Chromium with the engine from node_modules:
 * every frame comes out at its size with its pixels (read back from the engine's canvas),
 * and an animation built from the atlas plays the frames in order (the pixels change from
 * frame to frame and match the frame shown). Frames are pixel-art finished, so alpha is 0 or
 * 255 and the pixels can be compared exactly.
 */
const FRAMES = 5;
const SIZE = 32; // 16 px dataset, scale 2
let engine: EngineClient;
let work: string;
let browser: Browser;
const dirs = {} as Record<SheetLayout, string>;
let expected: ExportedFrames;
let trimmedDir: string;
let indexedDir: string;

beforeAll(async () => {
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-engines-'));
  await writePngs(path.join(work, 'images'), 48, 16);
  const ds = path.join(work, 'ds');
  const run = path.join(work, 'run');
  await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: ds, options: { size: 16, channels: 'rgba' } });
  // 10 epochs (30 steps): enough for the model to draw the letterboxed images' transparent
  // margins, which the trimmed export below needs (2 epochs did only while the calibrated
  // decoder's first step wrongly used s = 0.1, which pushed the early steps hard).
  await engine.request('train.run', { dataset: ds, runDir: run, settings: { epochs: 10, batchSize: 16, latentDim: 4 } });
  const base: Omit<ExportOptionsIn, 'outDir'> = {
    source: { interpolate: { runDir: run, dataset: ds, waypoints: [{ index: 0 }, { index: 20 }, { index: 40 }], method: 'linear', frames: 3 } },
    formats: ['png', 'sheet'],
    scale: 2,
    delayMs: 50,
    finish: { colors: 16 },
  };
  for (const layout of ['texturepacker-hash', 'texturepacker-array', 'aseprite', 'kaplay', 'grid'] as SheetLayout[]) {
    dirs[layout] = path.join(work, layout);
    await engine.request('export.frames', { ...base, outDir: dirs[layout], sheet: { layout } });
  }
  indexedDir = path.join(work, 'indexed');
  await engine.request('export.frames', { ...base, outDir: indexedDir, sheet: { layout: 'aseprite' }, indexed: true });
  trimmedDir = path.join(work, 'trimmed');
  await engine.request('export.frames', { ...base, outDir: trimmedDir, sheet: { layout: 'texturepacker-hash', trim: true, extrude: 2, padding: 1 } });
  expected = await readFrames(dirs['texturepacker-hash'], FRAMES);
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  engine?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The frames the exports hold are the same in every layout, and not all alike (so an animation shows change). */
it('exports the same frames in every layout', async () => {
  for (const layout of Object.keys(dirs) as SheetLayout[]) expect((await readFrames(dirs[layout], FRAMES)).rgba).toEqual(expected.rgba);
  expect([expected.width, expected.height]).toEqual([SIZE, SIZE]);
  expect(new Set(expected.rgba.map((f) => Buffer.from(f).toString('base64'))).size).toBeGreaterThanOrEqual(3);
});

/**
 * What every engine must show: all frames at 32x32 with the exported pixels (frameIndex maps
 * the engine's frame name to the frame number), and an animation that shows every frame, each
 * read matching the frame the engine says it shows.
 */
function expectShown(r: EngineResult, frameIndex: (name: string) => number) {
  expect(r.frames).toHaveLength(FRAMES);
  for (const f of r.frames) {
    expect([f.w, f.h], f.name).toEqual([SIZE, SIZE]);
    expect(matchShare(f.pixels, overBackground(expected.rgba[frameIndex(f.name)], r.background)), `frame ${f.name}`).toBeGreaterThanOrEqual(0.99);
  }
  expect(r.frames.map((f) => frameIndex(f.name)).sort()).toEqual([0, 1, 2, 3, 4]);
  const { animation: a } = r;
  expect(a.length).toBe(FRAMES);
  expect(new Set(a.shown)).toEqual(new Set([0, 1, 2, 3, 4]));
  a.shown.forEach((frame, k) => expect(matchShare(a.pixels[k], overBackground(expected.rgba[frame], r.background)), `animation read ${k} (frame ${frame})`).toBeGreaterThanOrEqual(0.99));
  // The picture changes while it plays.
  expect(new Set(a.pixels.map((p) => p.join(','))).size).toBeGreaterThanOrEqual(3);
}

const byFileName = (name: string) => Number(/frame-(\d+)\.png$/.exec(name)![1]);
const byNumber = (name: string) => Number(name);
const versions: Record<string, string> = {};

describe('TexturePacker JSON Hash', () => {
  for (const major of [7, 8] as const)
    it(`loads in PixiJS ${major} (Assets.load, Spritesheet, AnimatedSprite) with the pivot as each texture's anchor`, { timeout: 120_000 }, async () => {
      const { page, errors } = await openEnginePage(browser, dirs['texturepacker-hash']);
      const r = await loadWithPixi(page, major, 'sheet.json');
      versions[`PixiJS ${major}`] = r.version;
      expect(r.version.startsWith(`${major}.`)).toBe(true);
      expectShown(r, byFileName);
      expect(r.extra?.anchor).toEqual({ x: 0.5, y: 1 });
      expect(errors).toEqual([]);
      await page.close();
    });
  for (const major of [3, 4] as const)
    it(`loads in Phaser ${major} (load.atlas, anims.create from the atlas' animation)`, { timeout: 120_000 }, async () => {
      const { page, errors } = await openEnginePage(browser, dirs['texturepacker-hash']);
      const r = await loadWithPhaser(page, major, 'sheet.json', 'atlas');
      versions[`Phaser ${major} (hash)`] = r.version;
      expect(r.version.startsWith(`${major}.`)).toBe(true);
      expectShown(r, byFileName);
      expect(r.extra?.pivot).toEqual({ x: 0.5, y: 1 });
      expect(errors).toEqual([]);
      await page.close();
    });
});

describe('TexturePacker JSON Hash, trimmed', () => {
  it('has trimmed frames, and PixiJS 7 and 8 and Phaser 3 and 4 draw them back at full size where they were', { timeout: 240_000 }, async () => {
    const atlas = JSON.parse(readFileSync(path.join(trimmedDir, 'sheet.json'), 'utf8'));
    const trimmed = Object.values(atlas.frames as Record<string, { trimmed: boolean; frame: { w: number; h: number } }>).filter((f) => f.trimmed);
    expect(trimmed.length).toBeGreaterThan(0);
    expect(trimmed.every((f) => f.frame.w * f.frame.h < SIZE * SIZE)).toBe(true);
    for (const major of [7, 8] as const) {
      const { page, errors } = await openEnginePage(browser, trimmedDir);
      expectShown(await loadWithPixi(page, major, 'sheet.json'), byFileName);
      expect(errors).toEqual([]);
      await page.close();
    }
    for (const major of [3, 4] as const) {
      const { page, errors } = await openEnginePage(browser, trimmedDir);
      expectShown(await loadWithPhaser(page, major, 'sheet.json', 'atlas'), byFileName);
      expect(errors).toEqual([]);
      await page.close();
    }
  });
});

describe('indexed PNG', () => {
  it('an Aseprite sheet written as a palette PNG loads in Phaser 3 and Excalibur with the same pixels', { timeout: 240_000 }, async () => {
    expect(readFileSync(path.join(indexedDir, 'sheet.png'))[25]).toBe(3); // colour type 3
    expect((await readFrames(indexedDir, FRAMES)).rgba).toEqual(expected.rgba);
    for (const load of [(p: Page) => loadWithPhaser(p, 3, 'sheet.json', 'aseprite'), (p: Page) => loadWithExcalibur(p, 'sheet.json')]) {
      const { page, errors } = await openEnginePage(browser, indexedDir);
      expectShown(await load(page), byNumber);
      expect(errors).toEqual([]);
      await page.close();
    }
  });
});

describe('TexturePacker JSON Array', () => {
  for (const major of [3, 4] as const)
    it(`loads in Phaser ${major} (load.atlas)`, { timeout: 120_000 }, async () => {
      const { page, errors } = await openEnginePage(browser, dirs['texturepacker-array']);
      const r = await loadWithPhaser(page, major, 'sheet.json', 'atlas');
      expectShown(r, byFileName);
      expect(errors).toEqual([]);
      await page.close();
    });
});

describe('Aseprite JSON', () => {
  for (const major of [3, 4] as const)
    it(`loads in Phaser ${major} (load.aseprite) and createFromAseprite builds the tag's animation with the frame durations`, { timeout: 120_000 }, async () => {
      const { page, errors } = await openEnginePage(browser, dirs.aseprite);
      const r = await loadWithPhaser(page, major, 'sheet.json', 'aseprite');
      versions[`Phaser ${major} (aseprite)`] = r.version;
      expectShown(r, byNumber);
      expect(r.animation.name).toBe('sheet');
      expect(r.extra?.durations).toEqual([50, 50, 50, 50, 50]);
      expect(errors).toEqual([]);
      await page.close();
    });
});

describe('Aseprite JSON in Kaplay, Excalibur and melonJS', () => {
  it('loads in Kaplay (loadAseprite) and plays the tag', { timeout: 120_000 }, async () => {
    const { page, errors } = await openEnginePage(browser, dirs.aseprite);
    const r = await loadWithKaplay(page, 'sheet.json', 'aseprite');
    versions['Kaplay (loadAseprite)'] = r.version;
    expectShown(r, byNumber);
    expect(errors).toEqual([]);
    await page.close();
  });
  it('loads in Excalibur with @excaliburjs/plugin-aseprite (getSpriteSheet, getAnimation) with the frame durations', { timeout: 120_000 }, async () => {
    const { page, errors } = await openEnginePage(browser, dirs.aseprite);
    const r = await loadWithExcalibur(page, 'sheet.json');
    versions['Excalibur + plugin-aseprite'] = r.version;
    expectShown(r, byNumber);
    expect(r.extra?.durations).toEqual([50, 50, 50, 50, 50]);
    expect(errors).toEqual([]);
    await page.close();
  });
  it('loads in melonJS (TextureAtlas, animation from the frame tags)', { timeout: 120_000 }, async () => {
    const { page, errors } = await openEnginePage(browser, dirs.aseprite);
    const r = await loadWithMelon(page, 'sheet.json');
    versions['melonJS (aseprite)'] = r.version;
    expectShown(r, byNumber);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('TexturePacker JSON Array in melonJS', () => {
  it('loads in melonJS (TextureAtlas, createAnimationFromName) with the pivot as the anchor point', { timeout: 120_000 }, async () => {
    const { page, errors } = await openEnginePage(browser, dirs['texturepacker-array']);
    const r = await loadWithMelon(page, 'sheet.json');
    versions['melonJS (array)'] = r.version;
    expectShown(r, byFileName);
    expect(r.extra?.anchor).toEqual({ x: 0.5, y: 1 });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('Kaplay atlas', () => {
  it('loads in Kaplay (loadSpriteAtlas) and plays its animation', { timeout: 120_000 }, async () => {
    const { page, errors } = await openEnginePage(browser, dirs.kaplay);
    const r = await loadWithKaplay(page, 'sheet.kaplay.json', 'atlas');
    versions['Kaplay (loadSpriteAtlas)'] = r.version;
    expectShown(r, byNumber);
    expect(r.extra?.speed).toBe(20); // 1000 ms / 50 ms per frame
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('grid description', () => {
  for (const major of [3, 4] as const)
    it(`slices the sheet in Phaser ${major} (load.spritesheet with its cell size, margin and spacing)`, { timeout: 120_000 }, async () => {
      const { page, errors } = await openEnginePage(browser, dirs.grid);
      const r = await loadWithPhaser(page, major, 'sheet.grid.json', 'grid');
      versions[`Phaser ${major} (grid)`] = r.version;
      expectShown(r, byNumber);
      expect(errors).toEqual([]);
      await page.close();
    });
});

afterAll(() => {
  process.stderr.write(`engine versions: ${JSON.stringify(versions)}\n`);
});

// The sheet image each layout names exists and has the size its atlas says.
it('names a sheet image of the size the atlas says', async () => {
  const atlas = JSON.parse(readFileSync(path.join(dirs.aseprite, 'sheet.json'), 'utf8'));
  const meta = await sharp(path.join(dirs.aseprite, atlas.meta.image)).metadata();
  expect([meta.width, meta.height]).toEqual([atlas.meta.size.w, atlas.meta.size.h]);
});
