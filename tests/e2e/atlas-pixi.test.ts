import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { EngineClient } from '../../src/host/client';
import { spawnNodeEngine } from '../../src/host/spawn-node';
import { requireBuilt, repoRoot } from '../helpers/built';
import { launchChromium, watchConsole } from '../helpers/browser';
import { writePngs } from '../helpers/images';

/**
 * The exported sprite sheet loads in a real consumer: PixiJS's Spritesheet parses the JSON
 * atlas in Chromium and yields every frame at the right size, with the path as one animation.
 */
let engine: EngineClient;
let work: string;
beforeAll(async () => {
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-pixi-'));
  await writePngs(path.join(work, 'images'), 48, 20);
  await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: path.join(work, 'ds'), options: { size: 16, channels: 'rgba' } });
  await engine.request('train.run', { dataset: path.join(work, 'ds'), runDir: path.join(work, 'run'), settings: { epochs: 1, batchSize: 16, latentDim: 4 } });
});
afterAll(() => engine.close());

describe('exported sprite sheets', () => {
  it('load in PixiJS (Spritesheet) with every frame at its size, and the GIF has one page per frame', async () => {
    const out = path.join(work, 'export');
    const frames = 12;
    const report = await engine.request('export.frames', {
      source: { interpolate: { runDir: path.join(work, 'run'), dataset: path.join(work, 'ds'), waypoints: [{ index: 0 }, { index: 5 }], method: 'slerp', frames } },
      outDir: out,
      formats: ['sheet', 'gif'],
      scale: 2,
    });
    expect(report.frames).toBe(frames);
    const json = JSON.parse(readFileSync(path.join(out, 'sheet.json'), 'utf8'));
    const png = readFileSync(path.join(out, json.meta.image));
    const gif = (await sharp(path.join(out, 'sheet.gif'), { animated: true }).metadata()).pages;
    expect(gif).toBe(frames);
    expect(existsSync(path.join(out, 'sheet.png'))).toBe(true);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors = watchConsole(page);
      await page.addScriptTag({ path: path.join(repoRoot, 'node_modules', 'pixi.js', 'dist', 'pixi.min.js') });
      const parsed = await page.evaluate(
        async ({ atlas, dataUrl }) => {
          const PIXI = (globalThis as unknown as { PIXI: typeof import('pixi.js') }).PIXI;
          // Runs in the browser; the Node-side tsconfig has no DOM types, hence the cast.
          const ImageElement = (globalThis as unknown as { Image: new () => { src: string; decode(): Promise<void> } }).Image;
          const img = new ImageElement();
          img.src = dataUrl;
          await img.decode();
          const sheet = new PIXI.Spritesheet(PIXI.Texture.from(img as never), atlas);
          await sheet.parse();
          return {
            names: Object.keys(sheet.textures),
            sizes: Object.values(sheet.textures).map((t) => [t.width, t.height]),
            animations: Object.fromEntries(Object.entries(sheet.animations).map(([k, v]) => [k, v.length])),
          };
        },
        { atlas: json, dataUrl: `data:image/png;base64,${png.toString('base64')}` },
      );
      expect(parsed.names).toHaveLength(frames);
      expect(parsed.sizes.every(([w, h]) => w === 32 && h === 32)).toBe(true); // 16 px frames, scale 2
      expect(Object.values(parsed.animations)).toEqual([frames]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
