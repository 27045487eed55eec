import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importImages, type ImportResult } from '../../../src/data/import';
import { decodedFileCount } from '../../../src/data/decode';
import { openDataset, type Dataset } from '../../../src/data/store';
import { buildFixtureFolder, FIXTURE_IMPORT_OPTIONS, type FixtureCase } from '../../fixtures/image-folder';

let tmp: string;
let cases: FixtureCase[];
let result: ImportResult;
let ds: Dataset;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-import-'));
  cases = await buildFixtureFolder(path.join(tmp, 'src'));
  result = await importImages({ source: { folder: path.join(tmp, 'src') }, output: path.join(tmp, 'out'), options: FIXTURE_IMPORT_OPTIONS });
  ds = await openDataset(result.dataset);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function pixel(img: Uint8Array, x: number, y: number): number[] {
  return Array.from(img.subarray((y * 32 + x) * 4, (y * 32 + x) * 4 + 4));
}

describe('importing a folder of every kind of file', () => {
  it('imports exactly the decodable images and nothing else', () => {
    const expected = cases
      .filter((c) => c.expect === 'imported')
      .map((c) => c.rel)
      .sort();
    expect(ds.index.items.map((it) => it.source).sort()).toEqual(expected);
    expect(result.imported).toBe(expected.length);
  });

  it('skips every bad file with its path and the right reason', () => {
    const expected = cases
      .filter((c) => c.expect !== 'imported')
      .map((c) => [c.rel, c.expect])
      .sort();
    expect(result.skipped.map((s) => [s.path, s.code]).sort()).toEqual(expected);
    for (const s of result.skipped) expect(s.reason.length).toBeGreaterThan(10);
  });

  it('passes over hidden files and reports how many', () => {
    expect(result.hidden).toBe(1);
    expect(ds.index.items.some((it) => it.source.includes('.hidden'))).toBe(false);
  });

  it('keeps RGBA because some images have alpha', () => {
    expect(result.channels).toBe(4);
    expect(ds.index.channels).toBe(4);
    expect(ds.index.size).toBe(32);
  });

  for (const name of [
    'rgb.png',
    'alpha.png',
    'faint-alpha.png',
    'wide.png',
    'exif-rotated.jpg',
    'gray16.png',
    'rgb16.png',
    'gray.png',
    'gray-alpha.png',
    'palette-trns.png',
    'interlaced.png',
    'cmyk.jpg',
    'progressive.jpg',
    'image.webp',
    'image.tiff',
    'image.avif',
    'drawing.svg',
    'anim.gif',
    'anim.png',
    'wrong-extension.jpg',
    'caf%E9.png',
  ]) {
    it(`decodes ${name} to the right pixels`, () => {
      const c = cases.find((k) => k.rel === name)!;
      const i = ds.index.items.findIndex((it) => it.source === name);
      expect(i).toBeGreaterThanOrEqual(0);
      const img = ds.image(i);
      for (const p of c.probes ?? []) {
        const got = pixel(img, p.x, p.y);
        const tol = p.tol ?? 0;
        got.forEach((v, ch) => expect(Math.abs(v - p.rgba[ch]), `${name} (${p.x},${p.y}) = ${got} vs ${p.rgba}`).toBeLessThanOrEqual(tol));
      }
      if (c.width) expect([ds.index.items[i].width, ds.index.items[i].height]).toEqual([c.width, c.height]);
      if (c.gray) {
        for (let k = 0; k < img.length; k += 4) expect(img[k] === img[k + 1] && img[k] === img[k + 2]).toBe(true);
      }
    });
  }

  it('labels images by their first subfolder', () => {
    const labelOf = (src: string) => ds.index.items.find((it) => it.source === src)?.label;
    expect(labelOf('cats/tom.png')).toBe('cats');
    expect(labelOf('dogs/deep/rex.png')).toBe('dogs');
    expect(labelOf('dir-named.png/inner.png')).toBe('dir-named.png');
    expect(labelOf('rgb.png')).toBeNull();
    expect(result.labels).toEqual(['cats', 'dir-named.png', 'dogs']);
  });

  it('records content hashes and a seeded validation split', () => {
    for (const it of ds.index.items) expect(it.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.val).toBe(ds.indicesOf('val').length);
    expect(result.val).toBeGreaterThanOrEqual(1);
    expect(result.train + result.val).toBe(result.imported);
  });

  it('imports the same folder again without decoding anything, with the same result', async () => {
    const before = decodedFileCount();
    const again = await importImages({ source: { folder: path.join(tmp, 'src') }, output: path.join(tmp, 'again'), options: FIXTURE_IMPORT_OPTIONS });
    expect(decodedFileCount()).toBe(before);
    expect(again.decoded).toBe(0);
    expect(again.skipped.map((s) => [s.path, s.code])).toEqual(result.skipped.map((s) => [s.path, s.code]));
    const ds2 = await openDataset(again.dataset);
    expect(Buffer.compare(Buffer.from(ds2.pixels), Buffer.from(ds.pixels))).toBe(0);
    await fs.rm(again.dataset, { recursive: true });
  });

  it('writes only the dataset folder and the cache next to it', async () => {
    expect((await fs.readdir(tmp)).sort()).toEqual(['.cache', 'out', 'src']);
    expect((await fs.readdir(path.join(tmp, 'out'))).sort()).toEqual(['index.json', 'pixels.bin']);
  });
});
