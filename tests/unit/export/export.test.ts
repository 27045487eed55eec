import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { exportFiles } from '../../../src/export/export';
import { frameNames, playOrder } from '../../../src/export/names';
import type { TexturePackerHash as SpriteAtlas } from '../../../src/export/texturepacker';
import { writeExportFiles } from '../../../src/export/write';
import type { DecodedImages } from '../../../src/latent/images';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-export-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** n RGBA frames of size s: frame f has red = f/n, a diagonal of transparent pixels. */
function frames(n: number, s: number, channels = 4): DecodedImages {
  const pixels = new Float32Array(n * s * s * channels);
  for (let f = 0; f < n; f++)
    for (let y = 0; y < s; y++)
      for (let x = 0; x < s; x++) {
        const o = ((f * s + y) * s + x) * channels;
        pixels[o] = f / n;
        if (channels >= 3) {
          pixels[o + 1] = x / s;
          pixels[o + 2] = y / s;
        }
        if (channels === 4) pixels[o + 3] = x === y ? 0 : 1;
      }
  return { count: n, size: s, channels, pixels };
}

const defaults = {
  formats: ['png', 'sheet', 'gif', 'webp'] as ('png' | 'sheet' | 'gif' | 'webp')[],
  name: 'walk-{i}',
  sheetName: 'walk',
  scale: 1,
  delayMs: 80,
  pingPong: false,
  loop: 0,
  columns: null,
};

/**
 * The checks PixiJS's Spritesheet parser makes (pixi.js v7/v8 Spritesheet._processFrames and
 * _processAnimations): every frame rect lies inside the sheet image (meta.size), untrimmed
 * frames have orig = sourceSize, resolution comes from parseFloat(meta.scale), and every name
 * an animation lists is a frame. Returns the textures as PixiJS would build them.
 */
function pixiParse(atlas: SpriteAtlas, image: { width: number; height: number }) {
  expect(atlas.meta.size).toEqual({ w: image.width, h: image.height });
  const resolution = parseFloat(atlas.meta.scale);
  expect(resolution).toBe(1);
  const textures: Record<string, { x: number; y: number; w: number; h: number }> = {};
  for (const [name, data] of Object.entries(atlas.frames)) {
    const rect = data.frame;
    expect(data.rotated).toBe(false);
    const frame = { x: rect.x / resolution, y: rect.y / resolution, w: rect.w / resolution, h: rect.h / resolution };
    const orig = { w: data.sourceSize.w / resolution, h: data.sourceSize.h / resolution };
    expect(orig).toEqual({ w: frame.w, h: frame.h });
    // "Texture Error: frame does not fit inside the base Texture dimensions"
    expect(frame.x + frame.w).toBeLessThanOrEqual(image.width);
    expect(frame.y + frame.h).toBeLessThanOrEqual(image.height);
    textures[name] = frame;
  }
  const animations: Record<string, (typeof textures)[string][]> = {};
  for (const [anim, names] of Object.entries(atlas.animations)) {
    animations[anim] = names.map((n) => {
      expect(textures[n], `animation ${anim} names frame ${n}`).toBeDefined();
      return textures[n];
    });
  }
  return { textures, animations };
}

describe('frame names', () => {
  it('zero-pads {i} to the widest number and refuses patterns that would collide', () => {
    expect(frameNames('f-{i}-of-{n}', 12).slice(0, 2)).toEqual(['f-00-of-12', 'f-01-of-12']);
    expect(frameNames('single', 1)).toEqual(['single']);
    expect(() => frameNames('same', 3)).toThrow(/\{i\}/);
    expect(() => frameNames('x-{j}', 1)).toThrow(/unknown/);
  });
  it('plays ping-pong without repeating the ends', () => {
    expect(playOrder(4, true)).toEqual([0, 1, 2, 3, 2, 1]);
    expect(playOrder(1, true)).toEqual([0]);
  });
});

describe('sprite sheet and animations', () => {
  it('packs frames into a sheet whose JSON-hash atlas PixiJS parses, with the path as one animation', async () => {
    const files = await exportFiles(frames(10, 8), { ...defaults, scale: 3, pingPong: true });
    const byName = Object.fromEntries(files.map((f) => [f.name, f.data]));
    const atlas = JSON.parse(byName['walk.json'] as string) as SpriteAtlas;
    const sheet = await sharp(Buffer.from(byName['walk.png'] as Uint8Array)).metadata();
    expect(atlas.meta).toMatchObject({ app: 'https://github.com/latent-atlas/latent-atlas#texturepacker-json-hash', image: 'walk.png', format: 'RGBA8888', scale: '1' });
    const { textures, animations } = pixiParse(atlas, { width: sheet.width!, height: sheet.height! });
    expect(Object.keys(textures)).toHaveLength(10);
    // Default 2 px padding and 1 px extrusion: frame k of a row starts at 2 + 1 + k * (24 + 2 + 2).
    expect(textures['walk-3.png']).toEqual({ x: 87, y: 3, w: 24, h: 24 });
    expect(animations.walk).toHaveLength(18);
    expect(atlas.animations.walk.slice(8, 11)).toEqual(['walk-8.png', 'walk-9.png', 'walk-8.png']);
    // The sheet cell holds the frame pixels, upscaled with nearest-neighbour, alpha kept.
    const raw = await sharp(Buffer.from(byName['walk.png'] as Uint8Array))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => Array.from(raw.data.subarray((y * raw.info.width + x) * 4, (y * raw.info.width + x) * 4 + 4));
    expect(at(87 + 4, 3 + 4)[3]).toBe(0); // (1,1) of frame 3 is on the transparent diagonal, scaled by 3
    expect(at(87 + 3, 3 + 0)).toEqual(at(87 + 5, 3 + 2)); // one source pixel covers a 3x3 block
    expect(at(87 + 3, 3 + 0)[0]).toBe(Math.round((3 / 10) * 255));
  });

  it('writes PNG frames that keep alpha, at the requested scale', async () => {
    const files = await exportFiles(frames(3, 8), { ...defaults, formats: ['png'], scale: 2 });
    expect(files.map((f) => f.name)).toEqual(['walk-0.png', 'walk-1.png', 'walk-2.png']);
    const meta = await sharp(Buffer.from(files[1].data as Uint8Array)).metadata();
    expect(meta).toMatchObject({ width: 16, height: 16, channels: 4, hasAlpha: true });
  });

  it('makes a GIF and a WebP with one page per played frame and the frame delay', async () => {
    const files = await exportFiles(frames(5, 8), { ...defaults, formats: ['gif', 'webp'], pingPong: true, delayMs: 120 });
    for (const name of ['walk.gif', 'walk.webp']) {
      const data = Buffer.from(files.find((f) => f.name === name)!.data as Uint8Array);
      const meta = await sharp(data, { animated: true }).metadata();
      expect(meta.pages).toBe(8);
      expect(meta.pageHeight).toBe(8);
      expect(meta.delay).toEqual(new Array(8).fill(120));
      expect(meta.loop).toBe(0);
      // Transparency survives: pixel (1,1) of the first frame lies on the transparent diagonal, (2,1) does not.
      const raw = await sharp(data, { animated: false }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      expect(raw.data[(1 * 8 + 1) * 4 + 3]).toBe(0);
      expect(raw.data[(1 * 8 + 2) * 4 + 3]).toBe(255);
    }
  });

  it('turns gray frames into opaque RGBA sprites', async () => {
    const files = await exportFiles(frames(2, 4, 1), { ...defaults, formats: ['png'] });
    const raw = await sharp(Buffer.from(files[0].data as Uint8Array))
      .ensureAlpha()
      .raw()
      .toBuffer();
    expect(raw[3]).toBe(255);
  });
});

describe('writing exports', () => {
  it('refuses to replace existing files, naming them, and replaces them only when allowed', async () => {
    const dir = path.join(tmp, 'out');
    const written = await writeExportFiles(
      dir,
      [
        { name: 'a.png', data: 'one' },
        { name: 'b.json', data: '{}' },
      ],
      false,
    );
    expect(written).toEqual([path.join(dir, 'a.png'), path.join(dir, 'b.json')]);
    await expect(
      writeExportFiles(
        dir,
        [
          { name: 'a.png', data: 'two' },
          { name: 'c.png', data: 'x' },
        ],
        false,
      ),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('a.png'), detail: { existing: [path.join(dir, 'a.png')] } });
    // Nothing was written by the refused export.
    expect(await fs.readFile(path.join(dir, 'a.png'), 'utf8')).toBe('one');
    await expect(fs.access(path.join(dir, 'c.png'))).rejects.toThrow();
    await writeExportFiles(dir, [{ name: 'a.png', data: 'two' }], true);
    expect(await fs.readFile(path.join(dir, 'a.png'), 'utf8')).toBe('two');
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
