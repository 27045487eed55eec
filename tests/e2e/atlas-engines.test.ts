import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { EngineClient } from '../../src/host/client';
import { spawnNodeEngine } from '../../src/host/spawn-node';
import { requireBuilt } from '../helpers/built';
import { launchChromium, watchConsole } from '../helpers/browser';
import { parseWithPixi } from '../helpers/pixi';
import { loadWithPhaser } from '../helpers/phaser';
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
  it('load in PixiJS (Spritesheet) and Phaser (load.atlas) with every frame at its size, and the GIF has one page per frame', async () => {
    const out = path.join(work, 'export');
    const frames = 12;
    const report = await engine.request('export.frames', {
      source: { interpolate: { runDir: path.join(work, 'run'), dataset: path.join(work, 'ds'), waypoints: [{ index: 0 }, { index: 5 }], method: 'slerp', frames } },
      outDir: out,
      formats: ['sheet', 'gif'],
      scale: 2,
    });
    expect(report.frames).toBe(frames);
    const gif = (await sharp(path.join(out, 'sheet.gif'), { animated: true }).metadata()).pages;
    expect(gif).toBe(frames);
    expect(existsSync(path.join(out, 'sheet.png'))).toBe(true);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors = watchConsole(page);
      const parsed = await parseWithPixi(page, path.join(out, 'sheet.json'));
      expect(parsed.names).toHaveLength(frames);
      expect(parsed.sizes.every(([w, h]) => w === 32 && h === 32)).toBe(true); // 16 px frames, scale 2
      expect(Object.values(parsed.animations)).toEqual([frames]);
      expect(errors).toEqual([]);

      // Phaser, the other engine the atlas format is for: this.load.atlas, then an animation.
      const phaserPage = await browser.newPage();
      const phaserErrors = watchConsole(phaserPage);
      const animation = Object.keys(parsed.animations)[0];
      const phaser = await loadWithPhaser(phaserPage, path.join(out, 'sheet.json'), animation);
      expect(phaser.names.sort()).toEqual([...parsed.names].sort());
      expect(phaser.sizes.every(([w, h]) => w === 32 && h === 32)).toBe(true);
      expect(phaser.animationFrames).toBe(frames);
      expect(phaserErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
