import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pixelArtFinishSchema } from '../../../src/contract';
import { openDataset, writeDataset, type DatasetItem } from '../../../src/data/store';
import { bytesToOklab, oklabToBytes, oklabToSrgb, srgbToOklab } from '../../../src/export/oklab';
import { checkPaletteColors, clearPaletteMemory, datasetPalette, kMeans, PALETTE_FILE, paletteFromImages, paletteHex, type Palette } from '../../../src/export/palette';
import { finishPixelArt } from '../../../src/export/pixel-art';
import { Rng } from '../../../src/model/rng';
import { sampleDatasetDir } from '../../../src/util/app-paths';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-pixel-art-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The RGB triples of a palette. */
const colours = (p: Palette) => Array.from({ length: p.count }, (_, i) => Array.from(p.rgba.subarray(i * 4, i * 4 + 3)));
const key = (c: ArrayLike<number>) => `${c[0]},${c[1]},${c[2]}`;

/** `n` RGBA images of 8x8 whose opaque pixels are jittered copies of `centres`; a quarter of pixels transparent. */
function clusteredImages(centres: number[][], n: number, jitter: number, seed: number): Uint8Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const img = new Uint8Array(8 * 8 * 4);
    for (let p = 0; p < 64; p++) {
      const c = centres[Math.floor(rng.uniform() * centres.length)];
      for (let j = 0; j < 3; j++) img[p * 4 + j] = Math.max(0, Math.min(255, c[j] + Math.round((rng.uniform() * 2 - 1) * jitter)));
      img[p * 4 + 3] = rng.uniform() < 0.25 ? Math.floor(rng.uniform() * 100) : 255;
    }
    return img;
  });
}

describe('OKLab', () => {
  it('round-trips sRGB through OKLab within 1e-6', () => {
    const rng = new Rng(4);
    let worst = 0;
    const samples = [
      [0, 0, 0],
      [1, 1, 1],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [0.5, 0.5, 0.5],
      [0.01, 0.002, 0.03],
    ];
    for (let i = 0; i < 2000; i++) samples.push([rng.uniform(), rng.uniform(), rng.uniform()]);
    for (const [r, g, b] of samples) {
      const [L, a, bb] = srgbToOklab(r, g, b);
      const back = oklabToSrgb(L, a, bb);
      worst = Math.max(worst, Math.abs(back[0] - r), Math.abs(back[1] - g), Math.abs(back[2] - b));
    }
    expect(worst).toBeLessThan(1e-6);
    for (let v = 0; v < 256; v += 15) {
      const lab = new Float64Array(3);
      bytesToOklab(v, 255 - v, (v * 7) % 256, lab);
      expect(oklabToBytes(lab[0], lab[1], lab[2])).toEqual([v, 255 - v, (v * 7) % 256]);
    }
  });

  it('puts white at L = 1 and black at L = 0, both neutral; lightness grows with grey level', () => {
    const white = srgbToOklab(1, 1, 1);
    expect(white[0]).toBeCloseTo(1, 6);
    expect(Math.abs(white[1])).toBeLessThan(1e-6);
    expect(Math.abs(white[2])).toBeLessThan(1e-6);
    expect(srgbToOklab(0, 0, 0)).toEqual([0, 0, 0]);
    const greys = [0.1, 0.3, 0.5, 0.7, 0.9].map((v) => srgbToOklab(v, v, v)[0]);
    for (let i = 1; i < greys.length; i++) expect(greys[i]).toBeGreaterThan(greys[i - 1]);
    // Pure red is reddish (a > 0) and blue is bluish (b < 0).
    expect(srgbToOklab(1, 0, 0)[1]).toBeGreaterThan(0.2);
    expect(srgbToOklab(0, 0, 1)[2]).toBeLessThan(-0.2);
  });
});

describe('k-means', () => {
  it('recovers k well-separated clusters', () => {
    const centres = [
      [0, 0],
      [10, 0],
      [0, 10],
      [10, 10],
      [5, 20],
    ];
    const rng = new Rng(11);
    const per = 40;
    const points = new Float64Array(centres.length * per * 2);
    centres.forEach((c, k) => {
      for (let i = 0; i < per; i++) {
        points[(k * per + i) * 2] = c[0] + (rng.uniform() - 0.5);
        points[(k * per + i) * 2 + 1] = c[1] + (rng.uniform() - 0.5);
      }
    });
    for (const seed of [0, 1, 2, 3]) {
      const r = kMeans(points, 2, null, 5, new Rng(seed));
      // Every true cluster is one k-means cluster, and the five are different.
      const labels = centres.map((_, k) => new Set(Array.from(r.assignment.subarray(k * per, (k + 1) * per))));
      labels.forEach((l) => expect(l.size).toBe(1));
      expect(new Set(labels.map((l) => [...l][0])).size).toBe(5);
      // Each centroid sits within 0.2 of a true centre.
      for (let c = 0; c < 5; c++) {
        const d = Math.min(...centres.map((t) => Math.hypot(r.centroids[c * 2] - t[0], r.centroids[c * 2 + 1] - t[1])));
        expect(d).toBeLessThan(0.2);
      }
    }
  });

  it('counts weights: a heavy point pulls its cluster centre', () => {
    const points = Float64Array.from([0, 1, 10]);
    const r = kMeans(points, 1, Float64Array.from([3, 1, 1]), 2, new Rng(0));
    const sorted = Array.from(r.centroids).sort((a, b) => a - b);
    expect(sorted[0]).toBeCloseTo(0.25, 10);
    expect(sorted[1]).toBe(10);
  });
});

describe('palette from images', () => {
  const centres = [
    [200, 30, 30],
    [30, 180, 40],
    [20, 40, 200],
    [240, 220, 60],
    [20, 20, 20],
    [235, 235, 235],
    [120, 60, 160],
    [250, 140, 20],
    [60, 200, 200],
    [140, 90, 50],
    [255, 120, 180],
    [90, 90, 90],
    [0, 100, 60],
    [170, 200, 255],
    [100, 0, 0],
    [200, 160, 120],
  ];

  it('finds the colours of clustered sprites, ignores transparent pixels, and is deterministic with a seed', () => {
    const images = clusteredImages(centres, 40, 6, 5);
    const p = paletteFromImages(images, 4, { colors: 16, seed: 7 });
    expect(p.count).toBe(16);
    expect(p.distinctColours).toBeGreaterThan(16);
    const opaque = images.reduce((n, img) => n + Array.from({ length: 64 }, (_, i) => img[i * 4 + 3] >= 128).filter(Boolean).length, 0);
    expect(p.pixels).toBe(opaque);
    // Every true colour has a palette entry within a few units per channel (jitter is ±6).
    for (const c of centres) {
      const d = Math.min(...colours(p).map((q) => Math.max(...q.map((v, j) => Math.abs(v - c[j])))));
      expect(d).toBeLessThanOrEqual(4);
    }
    expect(p.rgba.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    // Darkest first.
    const L = colours(p).map((c) => srgbToOklab(c[0] / 255, c[1] / 255, c[2] / 255)[0]);
    for (let i = 1; i < L.length; i++) expect(L[i]).toBeGreaterThanOrEqual(L[i - 1]);
    // Same seed, same palette; another seed may differ but is a valid palette of the same size.
    expect(paletteFromImages(images, 4, { colors: 16, seed: 7 }).rgba).toEqual(p.rgba);
    expect(paletteFromImages(images, 4, { colors: 16, seed: 8 }).count).toBe(16);
  });

  it('subsamples to the pixel bound, deterministically', () => {
    const images = clusteredImages(centres, 40, 20, 6);
    const a = paletteFromImages(images, 4, { colors: 16, seed: 1, maxPixels: 500 });
    expect(a.pixels).toBe(500);
    expect(paletteFromImages(images, 4, { colors: 16, seed: 1, maxPixels: 500 }).rgba).toEqual(a.rgba);
    expect(paletteFromImages(images, 4, { colors: 16, seed: 2, maxPixels: 500 }).rgba).not.toEqual(a.rgba);
  });

  it('keeps every colour when there are fewer than asked for, and gray sets get gray palettes', () => {
    const few = clusteredImages(centres.slice(0, 5), 4, 0, 1);
    const p = paletteFromImages(few, 4, { colors: 32 });
    expect(colours(p).map(key).sort()).toEqual(centres.slice(0, 5).map(key).sort());
    const gray = [Uint8Array.from({ length: 256 }, (_, i) => i)];
    const g = paletteFromImages(gray, 1, { colors: 16 });
    expect(g.count).toBe(16);
    expect(colours(g).every(([r, gg, b]) => r === gg && gg === b)).toBe(true);
  });

  it('refuses a colour count outside 16-64 with a clear message', () => {
    const images = clusteredImages(centres, 2, 0, 1);
    for (const bad of [8, 15, 65, 100, 20.5, Number.NaN]) expect(() => paletteFromImages(images, 4, { colors: bad })).toThrow(/palette size must be a whole number of colours from 16 to 64, got/);
    expect(() => checkPaletteColors(16)).not.toThrow();
    expect(() => checkPaletteColors(64)).not.toThrow();
    // The contract says the same to the UI and the CLI.
    const parsed = pixelArtFinishSchema.safeParse({ colors: 12 });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0].message).toBe('must be a whole number of colours from 16 to 64');
    expect(pixelArtFinishSchema.parse({})).toEqual({ palette: 'dataset', colors: 32, alphaThreshold: 0.5 });
  });
});

describe('finishing', () => {
  const palette: Palette = { rgba: Uint8Array.from([0, 0, 0, 255, 255, 255, 255, 255, 200, 30, 30, 255, 30, 180, 40, 255, 20, 40, 200, 255]), count: 5 };
  const inPalette = new Set(colours(palette).map(key));

  it('maps every float pixel to a palette colour and alpha to exactly 0 or 1', () => {
    const rng = new Rng(3);
    const pixels = Float32Array.from({ length: 500 * 4 }, () => rng.uniform() * 1.2 - 0.1); // a little out of [0, 1], as a linear decoder gives
    const out = finishPixelArt(pixels, palette, { channels: 4 });
    expect(out).toBeInstanceOf(Float32Array);
    let opaque = 0;
    for (let p = 0; p < 500; p++) {
      const a = out[p * 4 + 3];
      expect(a === 0 || a === 1).toBe(true);
      expect(a).toBe(pixels[p * 4 + 3] >= 0.5 ? 1 : 0);
      const rgb = [0, 1, 2].map((j) => Math.round(out[p * 4 + j] * 255));
      if (a === 1) {
        opaque++;
        expect(inPalette.has(key(rgb))).toBe(true);
      } else expect(rgb).toEqual([0, 0, 0]);
    }
    expect(opaque).toBeGreaterThan(150);
  });

  it('takes the perceptually nearest colour, honours the threshold, and keeps bytes as bytes', () => {
    const pixels = Uint8Array.from([210, 40, 35, 255, 35, 170, 50, 200, 240, 240, 250, 90, 10, 10, 10, 127, 25, 45, 190, 128]);
    const out = finishPixelArt(pixels, palette, { channels: 4 });
    expect(out).toBeInstanceOf(Uint8Array);
    // Alpha 90 and 127 (under 0.5) become transparent black; 128 is opaque.
    expect(Array.from(out)).toEqual([200, 30, 30, 255, 30, 180, 40, 255, 0, 0, 0, 0, 0, 0, 0, 0, 20, 40, 200, 255]);
    const strict = finishPixelArt(pixels, palette, { channels: 4, alphaThreshold: 0.9 });
    expect(Array.from({ length: 5 }, (_, p) => strict[p * 4 + 3])).toEqual([255, 0, 0, 0, 0]);
    // RGB images have no alpha to threshold; gray ones take the palette's gray level.
    const rgb = finishPixelArt(Uint8Array.from([250, 250, 240, 5, 0, 10]), palette, { channels: 3 });
    expect(Array.from(rgb)).toEqual([255, 255, 255, 0, 0, 0]);
    const gray = finishPixelArt(Float32Array.from([0.05, 0.97]), palette, { channels: 1 });
    expect(Array.from(gray)).toEqual([0, 1]);
  });
});

describe('dataset palette', () => {
  it('is computed once, cached in palette.json beside the dataset, and recomputed when the dataset changes', async () => {
    const centres = [
      [220, 20, 60],
      [20, 120, 220],
      [250, 200, 0],
      [30, 30, 30],
      [240, 240, 240],
      [0, 160, 80],
      [150, 70, 0],
      [120, 0, 160],
    ];
    const images = clusteredImages(centres, 30, 10, 9);
    const items: DatasetItem[] = images.map((_, i) => ({ source: `s-${i}.png`, label: null, hash: `h${i}`, width: 8, height: 8, split: i % 5 === 4 ? 'val' : 'train' }));
    const dir = path.join(tmp, 'ds');
    const pixels = new Uint8Array(images.length * 256);
    images.forEach((img, i) => pixels.set(img, i * 256));
    await writeDataset(dir, { size: 8, channels: 4 }, { options: {}, items, labels: [] }, pixels);
    const ds = await openDataset(dir);
    clearPaletteMemory();
    const first = await datasetPalette(ds, { colors: 16 });
    expect(first).toMatchObject({ source: 'computed', colors: 16, seed: 0, count: 16, file: path.join(dir, PALETTE_FILE) });
    // Fitted on the training split only: the same as fitting those images directly.
    const trainOnly = paletteFromImages(
      images.filter((_, i) => i % 5 !== 4),
      4,
      { colors: 16, seed: 0 },
    );
    expect(first.rgba).toEqual(trainOnly.rgba);
    const stored = JSON.parse(await fs.readFile(path.join(dir, PALETTE_FILE), 'utf8'));
    expect(stored).toMatchObject({ schemaVersion: 1, datasetHash: ds.index.datasetHash });
    expect(stored.palettes['16:0:200000'].palette).toEqual(paletteHex(first));
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    expect((await datasetPalette(ds, { colors: 16 })).source).toBe('memory');
    clearPaletteMemory();
    const fromFile = await datasetPalette(ds, { colors: 16 });
    expect(fromFile.source).toBe('file');
    expect(fromFile.rgba).toEqual(first.rgba);
    // A second size joins the first in the file.
    const bigger = await datasetPalette(ds, { colors: 24 });
    expect(bigger.count).toBe(24);
    expect(Object.keys(JSON.parse(await fs.readFile(path.join(dir, PALETTE_FILE), 'utf8')).palettes).sort()).toEqual(['16:0:200000', '24:0:200000']);

    // A file written for other pixels (another dataset hash) is not trusted.
    clearPaletteMemory();
    await fs.writeFile(
      path.join(dir, PALETTE_FILE),
      JSON.stringify({ ...stored, datasetHash: 'other', palettes: { '16:0:200000': { ...stored.palettes['16:0:200000'], palette: Array(16).fill('#123456') } } }),
    );
    const again = await datasetPalette(ds, { colors: 16 });
    expect(again.source).toBe('computed');
    expect(again.rgba).toEqual(first.rgba);
    await expect(datasetPalette(ds, { colors: 70 })).rejects.toThrow(/from 16 to 64/);
  });

  it('fits the bundled sample set (real sprites) without writing into the app', async () => {
    const dir = sampleDatasetDir();
    expect(dir).not.toBeNull();
    const ds = await openDataset(dir!);
    clearPaletteMemory();
    const p = await datasetPalette(ds, { colors: 32, seed: 3 });
    expect(p).toMatchObject({ source: 'computed', file: null, count: 32 });
    expect(existsSync(path.join(dir!, PALETTE_FILE))).toBe(false);
    // Snapping the sprites themselves to it: only palette colours and hard alpha remain.
    const allowed = new Set(colours(p).map(key));
    const img = ds.image(0);
    const out = finishPixelArt(img, p, { channels: 4 });
    for (let o = 0; o < out.length; o += 4) {
      expect([0, 255]).toContain(out[o + 3]);
      if (out[o + 3] === 255) expect(allowed.has(key(out.subarray(o, o + 3)))).toBe(true);
    }
  });

  it('still gives a palette when palette.json cannot be written', async () => {
    const images = clusteredImages(
      [
        [200, 0, 0],
        [0, 200, 0],
        [0, 0, 200],
      ],
      4,
      30,
      2,
    );
    const dir = path.join(tmp, 'readonly');
    const pixels = new Uint8Array(images.length * 256);
    images.forEach((img, i) => pixels.set(img, i * 256));
    await writeDataset(
      dir,
      { size: 8, channels: 4 },
      { options: {}, items: images.map((_, i) => ({ source: `r${i}.png`, label: null, hash: `r${i}`, width: 8, height: 8, split: 'train' as const })), labels: [] },
      pixels,
    );
    const ds = await openDataset(dir);
    // A folder where the file should go: neither readable as JSON nor replaceable by a rename (even as root).
    await fs.mkdir(path.join(dir, PALETTE_FILE));
    clearPaletteMemory();
    const p = await datasetPalette(ds, { colors: 16 });
    expect(p).toMatchObject({ source: 'computed', file: null, count: 16 });
    expect((await fs.stat(path.join(dir, PALETTE_FILE))).isDirectory()).toBe(true);
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
