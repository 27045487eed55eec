import { writeManyPngs } from '../../helpers/images';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp, { type CreateRaw } from 'sharp';
import { importImages, type ImportProgress } from '../../../src/data/import';
import { decodedFileCount } from '../../../src/data/decode';
import { openDataset } from '../../../src/data/store';
import { AtlasError } from '../../../src/errors';
import { encodeApng, encodePng, solid } from '../../fixtures/png-bytes';

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-imp-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const png = (w: number, h: number, rgba: [number, number, number, number]) =>
  sharp(solid(w, h, rgba), { raw: { width: w, height: h, channels: 4 } })
    .png()
    .toBuffer();

/** n distinct small opaque images (distinct bytes, so dedupe keeps them all). */
async function writeImages(dir: string, n: number, w = 64): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++) await fs.writeFile(path.join(dir, `img${String(i).padStart(4, '0')}.png`), await png(w, w, [i % 256, (i >> 8) % 256, 7, 255]));
}

async function rejection(p: Promise<unknown>): Promise<AtlasError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AtlasError);
  return err as AtlasError;
}

describe('symlink loops', () => {
  it('terminates and imports each real file once', async () => {
    const root = path.join(tmp, 'src');
    await fs.mkdir(path.join(root, 'a', 'b'), { recursive: true });
    await fs.writeFile(path.join(root, 'a', 'one.png'), await png(8, 8, [1, 0, 0, 255]));
    await fs.writeFile(path.join(root, 'a', 'b', 'two.png'), await png(8, 8, [2, 0, 0, 255]));
    await fs.symlink('..', path.join(root, 'a', 'b', 'up')); // b/up -> a: a loop
    await fs.symlink('../..', path.join(root, 'a', 'b', 'top')); // b/top -> root: a loop
    await fs.symlink(path.join(root, 'a'), path.join(root, 'z-alias')); // a second way into a
    const r = await importImages({ source: { folder: root }, output: path.join(tmp, 'out'), options: { dedupe: false } });
    const ds = await openDataset(r.dataset);
    expect(ds.index.items.map((it) => it.source).sort()).toEqual(['a/b/two.png', 'a/one.png']);
    expect(r.skipped.map((s) => [s.path, s.code]).sort()).toEqual([
      ['a/b/top', 'symlink_loop'],
      ['a/b/up', 'symlink_loop'],
      ['z-alias', 'duplicate_path'],
    ]);
  });

  it('stops at the depth limit and says so', async () => {
    const root = path.join(tmp, 'src');
    const deep = path.join(root, 'l1', 'l2', 'l3');
    await fs.mkdir(deep, { recursive: true });
    await fs.writeFile(path.join(root, 'l1', 'ok.png'), await png(8, 8, [1, 1, 1, 255]));
    await fs.writeFile(path.join(deep, 'deep.png'), await png(8, 8, [2, 2, 2, 255]));
    const r = await importImages({ source: { folder: root }, output: path.join(tmp, 'out'), options: { maxDepth: 2 } });
    expect(r.imported).toBe(1);
    expect(r.skipped).toEqual([expect.objectContaining({ path: 'l1/l2/l3', code: 'too_deep' })]);
  });
});

describe('cancel', () => {
  it('leaves no dataset files behind when cancelled mid-import', async () => {
    const root = path.join(tmp, 'src');
    await writeImages(root, 120);
    const ac = new AbortController();
    const events: ImportProgress[] = [];
    const err = await rejection(
      importImages({
        source: { folder: root },
        output: path.join(tmp, 'out'),
        signal: ac.signal,
        onProgress: (p) => {
          events.push(p);
          if (p.imported >= 1) ac.abort();
        },
      }),
    );
    expect(err.code).toBe('cancelled');
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)!.imported).toBeLessThan(10);
    // Only the source and the decode cache remain: no out/, no temp folder.
    expect((await fs.readdir(tmp)).sort()).toEqual(['.cache', 'src']);
  });

  it('keeps the previous dataset intact when a re-import is cancelled', async () => {
    const root = path.join(tmp, 'src');
    await writeImages(root, 40);
    const out = path.join(tmp, 'out');
    const first = await importImages({ source: { folder: root }, output: out, cacheDir: null });
    const before = await fs.readFile(path.join(out, 'pixels.bin'));
    const ac = new AbortController();
    await rejection(importImages({ source: { folder: root }, output: out, cacheDir: null, signal: ac.signal, options: { size: 16 }, onProgress: () => ac.abort() }));
    expect(Buffer.compare(await fs.readFile(path.join(out, 'pixels.bin')), before)).toBe(0);
    expect((await openDataset(out)).index.count).toBe(first.imported);
    expect((await fs.readdir(tmp)).sort()).toEqual(['out', 'src']);
  });
});

describe('decode cache', () => {
  it('reuses decoded images when the same folder is imported again', async () => {
    const root = path.join(tmp, 'src');
    await writeImages(root, 30);
    const cacheDir = path.join(tmp, 'cache');
    const first = await importImages({ source: { folder: root }, output: path.join(tmp, 'out1'), cacheDir });
    expect(first.decoded).toBe(30);
    expect(first.fromCache).toBe(0);
    const before = decodedFileCount();
    const second = await importImages({ source: { folder: root }, output: path.join(tmp, 'out2'), cacheDir });
    expect(decodedFileCount()).toBe(before); // not one call into sharp's decoder
    expect(second.decoded).toBe(0);
    expect(second.fromCache).toBe(30);
    const [a, b] = await Promise.all([openDataset(first.dataset), openDataset(second.dataset)]);
    expect(Buffer.compare(Buffer.from(a.pixels), Buffer.from(b.pixels))).toBe(0);
    expect(b.index.datasetHash).toBe(a.index.datasetHash);
  });

  it('decodes again what a damaged cache cannot give back', async () => {
    const root = path.join(tmp, 'src');
    await writeImages(root, 20);
    const cacheDir = path.join(tmp, 'cache');
    const first = await importImages({ source: { folder: root }, output: path.join(tmp, 'out1'), cacheDir });
    const sub = path.join(cacheDir, (await fs.readdir(cacheDir))[0]);
    const pack = (await fs.readdir(sub)).find((n) => n.endsWith('.pack'))!;
    await fs.truncate(path.join(sub, pack), (await fs.stat(path.join(sub, pack))).size >> 1);
    const second = await importImages({ source: { folder: root }, output: path.join(tmp, 'out2'), cacheDir });
    expect(second.decoded).toBeGreaterThan(0);
    expect(second.fromCache).toBeGreaterThan(0);
    expect(second.decoded + second.fromCache).toBe(20);
    const [a, b] = await Promise.all([openDataset(first.dataset), openDataset(second.dataset)]);
    expect(Buffer.compare(Buffer.from(a.pixels), Buffer.from(b.pixels))).toBe(0);
  });

  it('keeps what a cancelled import decoded', async () => {
    const root = path.join(tmp, 'src');
    await writeImages(root, 40);
    const cacheDir = path.join(tmp, 'cache');
    const ac = new AbortController();
    await rejection(importImages({ source: { folder: root }, output: path.join(tmp, 'out1'), cacheDir, signal: ac.signal, onProgress: () => ac.abort() }));
    const r = await importImages({ source: { folder: root }, output: path.join(tmp, 'out2'), cacheDir });
    expect(r.fromCache).toBeGreaterThan(0);
    expect(r.decoded + r.fromCache).toBe(40);
  });

  it('decodes again when an option that changes pixels changes', async () => {
    const root = path.join(tmp, 'src');
    await writeImages(root, 5);
    const cacheDir = path.join(tmp, 'cache');
    await importImages({ source: { folder: root }, output: path.join(tmp, 'out1'), cacheDir });
    const r = await importImages({ source: { folder: root }, output: path.join(tmp, 'out2'), cacheDir, options: { size: 16 } });
    expect(r.decoded).toBe(5);
    expect(r.fromCache).toBe(0);
  });
});

describe('options', () => {
  it('chooses gray when every image is gray, RGB when opaque colour, RGBA when any alpha', async () => {
    const gray = path.join(tmp, 'gray');
    await fs.mkdir(gray);
    await fs.writeFile(path.join(gray, 'a.png'), encodePng({ width: 8, height: 8, bitDepth: 8, colorType: 0, samples: new Uint8Array(64).fill(90) }));
    await fs.writeFile(path.join(gray, 'b.png'), await png(8, 8, [30, 30, 30, 255]));
    const g = await importImages({ source: { folder: gray }, output: path.join(tmp, 'g'), options: { size: 16 } });
    expect(g.channels).toBe(1);
    const gds = await openDataset(g.dataset);
    expect(gds.pixels.length).toBe(2 * 16 * 16);
    expect(gds.image(0)[0]).toBe(90);
    expect(gds.image(1)[0]).toBe(30);

    await fs.writeFile(path.join(gray, 'c.png'), await png(8, 8, [200, 10, 10, 255]));
    const c = await importImages({ source: { folder: gray }, output: path.join(tmp, 'c'), options: { size: 16 } });
    expect(c.channels).toBe(3);
    expect(Array.from((await openDataset(c.dataset)).image(2).subarray(0, 3))).toEqual([200, 10, 10]);

    await fs.writeFile(path.join(gray, 'd.png'), await png(8, 8, [200, 10, 10, 100]));
    expect((await importImages({ source: { folder: gray }, output: path.join(tmp, 'd'), options: { size: 16 } })).channels).toBe(4);
  });

  it('composites transparency over the background when asked for RGB or gray', async () => {
    const root = path.join(tmp, 'src');
    await fs.mkdir(root);
    await fs.writeFile(path.join(root, 'half.png'), await png(8, 8, [255, 255, 255, 0]));
    const r = await importImages({ source: { folder: root }, output: path.join(tmp, 'rgb'), options: { size: 16, channels: 'rgb', background: [10, 20, 30] } });
    expect(Array.from((await openDataset(r.dataset)).image(0).subarray(0, 3))).toEqual([10, 20, 30]);
    const g = await importImages({ source: { folder: root }, output: path.join(tmp, 'gray'), options: { size: 16, channels: 'gray' } });
    expect(g.channels).toBe(1);
    expect((await openDataset(g.dataset)).image(0)[0]).toBe(0);
  });

  it('fits by contain, cover or stretch', async () => {
    const root = path.join(tmp, 'src');
    await fs.mkdir(root);
    // 64x32: left half red, right half blue.
    const w = 64,
      h = 32;
    const px = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) px.set(i % w < w / 2 ? [255, 0, 0, 255] : [0, 0, 255, 255], i * 4);
    await fs.writeFile(
      path.join(root, 'wide.png'),
      await sharp(px, { raw: { width: w, height: h, channels: 4 } })
        .png()
        .toBuffer(),
    );
    const at = async (fit: 'contain' | 'cover' | 'stretch', x: number, y: number) => {
      const r = await importImages({ source: { folder: root }, output: path.join(tmp, fit), cacheDir: null, options: { size: 16, fit, resampling: 'nearest', channels: 'rgba' } });
      const img = (await openDataset(r.dataset)).image(0);
      return Array.from(img.subarray((y * 16 + x) * 4, (y * 16 + x) * 4 + 4));
    };
    expect(await at('contain', 1, 1)).toEqual([0, 0, 0, 0]); // padding row
    expect(await at('contain', 1, 8)).toEqual([255, 0, 0, 255]);
    expect(await at('cover', 1, 1)).toEqual([255, 0, 0, 255]); // centre crop fills the square
    expect(await at('cover', 14, 1)).toEqual([0, 0, 255, 255]);
    expect(await at('stretch', 1, 1)).toEqual([255, 0, 0, 255]);
    expect(await at('stretch', 15, 15)).toEqual([0, 0, 255, 255]);
  });

  it('keeps pixel art crisp with nearest resampling', async () => {
    const root = path.join(tmp, 'src');
    await fs.mkdir(root);
    const px = new Uint8Array(8 * 8 * 4);
    for (let i = 0; i < 64; i++) px.set(((i % 8) + (i >> 3)) % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255], i * 4);
    await fs.writeFile(
      path.join(root, 'checker.png'),
      await sharp(px, { raw: { width: 8, height: 8, channels: 4 } })
        .png()
        .toBuffer(),
    );
    const r = await importImages({ source: { folder: root }, output: path.join(tmp, 'out'), options: { size: 16, resampling: 'nearest' } });
    const img = (await openDataset(r.dataset)).image(0);
    expect(r.channels).toBe(1);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) expect(img[y * 16 + x]).toBe(((x >> 1) + (y >> 1)) % 2 ? 255 : 0);
  });

  it('imports every frame of GIF, APNG and WebP animations when frames is all', async () => {
    const root = path.join(tmp, 'src');
    await fs.mkdir(root);
    const colours: Array<[number, number, number, number]> = [
      [255, 0, 0, 255],
      [0, 255, 0, 255],
      [0, 0, 255, 255],
    ];
    const gif = await sharp(Buffer.concat(colours.map((c) => solid(16, 16, c))), { raw: { width: 16, height: 48, channels: 4, pageHeight: 16 } as CreateRaw })
      .gif()
      .toBuffer();
    await fs.writeFile(path.join(root, 'a.gif'), gif);
    const webp = await sharp(Buffer.concat(colours.map((c) => solid(16, 16, c))), { raw: { width: 16, height: 48, channels: 4, pageHeight: 16 } as CreateRaw })
      .webp({ lossless: true })
      .toBuffer();
    await fs.writeFile(path.join(root, 'c.webp'), webp);
    // libvips alone sees only the first APNG frame; the importer splits the animation itself.
    await fs.writeFile(path.join(root, 'b.png'), encodeApng(16, 16, [solid(16, 16, colours[0]), solid(16, 16, colours[2])]));
    const r = await importImages({ source: { folder: root }, output: path.join(tmp, 'out'), options: { size: 16, frames: 'all', valFraction: 0 } });
    const ds = await openDataset(r.dataset);
    expect(ds.index.items.map((it) => [it.source, it.frame])).toEqual([
      ['a.gif', 0],
      ['a.gif', 1],
      ['a.gif', 2],
      ['b.png', 0],
      ['b.png', 1],
      ['c.webp', 0],
      ['c.webp', 1],
      ['c.webp', 2],
    ]);
    const first = (i: number) => Array.from(ds.image(i).subarray(0, 3));
    expect(ds.index.items.map((_, i) => first(i))).toEqual([
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 0, 0],
      [0, 0, 255],
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ]);
  });

  it('keeps frames of one animation in the same split', async () => {
    const root = path.join(tmp, 'src');
    await writeImages(root, 6, 16);
    const frames = [0, 1, 2, 3].map((k) => solid(16, 16, [k * 60, 0, 0, 255]));
    await fs.writeFile(path.join(root, 'anim.png'), encodeApng(16, 16, frames));
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = await importImages({ source: { folder: root }, output: path.join(tmp, `o${seed}`), options: { size: 16, frames: 'all', valFraction: 0.3, seed } });
      const ds = await openDataset(r.dataset);
      expect(new Set(ds.index.items.filter((it) => it.source === 'anim.png').map((it) => it.split)).size).toBe(1);
    }
  });

  it('applies include/exclude globs, maxImages and counts what they left out', async () => {
    const root = path.join(tmp, 'src');
    await writeImages(path.join(root, 'keep'), 5, 8);
    await writeImages(path.join(root, 'raw'), 3, 8);
    await fs.writeFile(path.join(root, 'keep', 'readme.txt'), 'hi');
    const r = await importImages({ source: { folder: root }, output: path.join(tmp, 'out'), options: { include: ['**/*.png'], exclude: ['raw/**'], maxImages: 4 } });
    expect(r.imported).toBe(4);
    expect(r.overLimit).toBe(1);
    expect(r.excluded).toBe(2); // the raw folder and readme.txt
    expect(r.skipped).toEqual([]);
  });

  it('keeps exact duplicates when dedupe is off, and decodes them once', async () => {
    const root = path.join(tmp, 'src');
    await fs.mkdir(root);
    const bytes = await png(8, 8, [1, 2, 3, 255]);
    for (const n of ['a.png', 'b.png', 'c.png']) await fs.writeFile(path.join(root, n), bytes);
    const off = await importImages({ source: { folder: root }, output: path.join(tmp, 'off'), cacheDir: null, options: { dedupe: false } });
    expect(off.imported).toBe(3);
    expect(off.decoded).toBe(1);
    const on = await importImages({ source: { folder: root }, output: path.join(tmp, 'on'), cacheDir: null });
    expect(on.imported).toBe(1);
    expect(on.skipped.map((s) => [s.path, s.code, s.reason])).toEqual([
      ['b.png', 'duplicate', 'Same content as a.png.'],
      ['c.png', 'duplicate', 'Same content as a.png.'],
    ]);
  });

  it('makes a seeded, repeatable validation split of about valFraction', async () => {
    const root = path.join(tmp, 'src');
    await writeImages(root, 50, 8);
    const a = await importImages({ source: { folder: root }, output: path.join(tmp, 'a'), options: { size: 16 } });
    const b = await importImages({ source: { folder: root }, output: path.join(tmp, 'b'), options: { size: 16 } });
    const c = await importImages({ source: { folder: root }, output: path.join(tmp, 'c'), options: { size: 16, seed: 7 } });
    expect(a.val).toBe(5);
    const [da, db, dc] = await Promise.all([a, b, c].map((r) => openDataset(r.dataset)));
    expect(db.indicesOf('val')).toEqual(da.indicesOf('val'));
    expect(dc.indicesOf('val')).not.toEqual(da.indicesOf('val'));
  });

  it('rejects bad options before reading any file', async () => {
    const err = await rejection(importImages({ source: { folder: tmp }, output: path.join(tmp, 'out'), options: { size: 33 as never } }));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toContain('size');
  });
});

describe('sources and errors', () => {
  it('imports uploaded files by content, labelled by their relative folder', async () => {
    const files = [
      { name: 'cats/tom', bytes: await png(8, 8, [9, 9, 9, 255]) },
      {
        name: 'dogs/rex.webp',
        bytes: await sharp(solid(8, 8, [1, 200, 3, 255]), { raw: { width: 8, height: 8, channels: 4 } })
          .webp({ lossless: true })
          .toBuffer(),
      },
      { name: 'notes.png', bytes: new TextEncoder().encode('hello') },
      { name: '.DS_Store', bytes: new Uint8Array([0, 0, 0, 1]) },
    ];
    const r = await importImages({ source: { files }, output: path.join(tmp, 'out') });
    const ds = await openDataset(r.dataset);
    expect(ds.index.items.map((it) => [it.source, it.label])).toEqual([
      ['cats/tom', 'cats'],
      ['dogs/rex.webp', 'dogs'],
    ]);
    expect(r.skipped).toEqual([expect.objectContaining({ path: 'notes.png', code: 'not_an_image' })]);
    expect(r.hidden).toBe(1);
    expect(r.channels).toBe(3);
  });

  it('throws empty_dataset, listing the reasons, when nothing imports', async () => {
    const root = path.join(tmp, 'src');
    await fs.mkdir(root);
    await fs.writeFile(path.join(root, 'a.txt'), 'text');
    await fs.writeFile(path.join(root, 'b.png'), '');
    const err = await rejection(importImages({ source: { folder: root }, output: path.join(tmp, 'out') }));
    expect(err.code).toBe('empty_dataset');
    expect(err.message).toContain('1 not_an_image');
    expect(err.message).toContain('1 empty_file');
    expect((await fs.readdir(tmp)).sort()).toEqual(['src']);
  });

  it('throws not_found for a missing folder and invalid_input for a file', async () => {
    expect((await rejection(importImages({ source: { folder: path.join(tmp, 'nope') }, output: path.join(tmp, 'out') }))).code).toBe('not_found');
    await fs.writeFile(path.join(tmp, 'f.png'), 'x');
    expect((await rejection(importImages({ source: { folder: path.join(tmp, 'f.png') }, output: path.join(tmp, 'out') }))).code).toBe('invalid_input');
  });

  it('does not walk into its own output and cache when they sit inside the source', async () => {
    const root = path.join(tmp, 'src');
    await writeImages(root, 3, 8);
    await importImages({ source: { folder: root }, output: path.join(root, 'dataset'), cacheDir: path.join(root, 'cache') });
    const again = await importImages({ source: { folder: root }, output: path.join(root, 'dataset'), cacheDir: path.join(root, 'cache') });
    expect(again.imported).toBe(3);
    expect(again.skipped).toEqual([]);
  });

  it('reports progress with counts, rate and an ETA', async () => {
    const root = path.join(tmp, 'src');
    await writeImages(root, 10, 8);
    const events: ImportProgress[] = [];
    await importImages({ source: { folder: root }, output: path.join(tmp, 'out'), onProgress: (p) => events.push(p) });
    const last = events.at(-1)!;
    expect(last).toMatchObject({ phase: 'done', imported: 10, decoded: 10, skipped: 0, scanDone: true });
    expect(last.rate).toBeGreaterThan(0);
    expect(last.etaMs).toBe(0);
    expect(last.total).toBe(10);
  });

  it('knows the total, and so an ETA, long before its own walk has listed every file', async () => {
    const root = path.join(tmp, 'many');
    writeManyPngs(root, 3000);
    const events: ImportProgress[] = [];
    const result = await importImages({ source: { folder: root }, output: path.join(tmp, 'many-out'), cacheDir: null, onProgress: (p) => events.push(p) });
    expect(result.imported).toBe(3000);
    const early = events.filter((e) => !e.scanDone && e.phase === 'importing');
    expect(early.length).toBeGreaterThan(0);
    expect(early.filter((e) => e.total === 3000 && e.etaMs !== null && e.etaMs > 0).length).toBeGreaterThan(0);
    // The ETA falls as the import goes on.
    const etas = events.filter((e) => e.etaMs !== null).map((e) => e.etaMs!);
    expect(etas.at(-1)).toBeLessThan(etas[0]);
  });
});

describe('image dimensions are checked from the header, each side bounded', () => {
  it('skips a 6 KB 1-bit PNG of 49,000,000x1 pixels (under the pixel limit) without decoding it, naming its size', async () => {
    const { chunk, ihdr, PNG_SIGNATURE } = await import('../../fixtures/png-bytes');
    const { deflateSync } = await import('node:zlib');
    const width = 49_000_000;
    const rows = deflateSync(Buffer.alloc(1 + Math.ceil(width / 8)), { level: 9 });
    const strip = Buffer.concat([PNG_SIGNATURE, ihdr(width, 1, 1, 0), chunk('IDAT', rows), chunk('IEND')]);
    expect(strip.length).toBeLessThan(64 * 1024);
    const src = path.join(tmp, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'strip.png'), strip);
    await fs.writeFile(path.join(src, 'tall.png'), await png(2, 20_000, [9, 9, 9, 255]));
    await fs.writeFile(
      path.join(src, 'wide.jpg'),
      await sharp(solid(20_000, 2, [200, 9, 9, 255]), { raw: { width: 20_000, height: 2, channels: 4 } })
        .jpeg()
        .toBuffer(),
    );
    await fs.writeFile(path.join(src, 'ok.png'), await png(8, 8, [1, 2, 3, 255]));
    const result = await importImages({ source: { folder: src }, output: path.join(tmp, 'ds'), options: { size: 16 }, cacheDir: null });
    expect(result.imported).toBe(1);
    const skipped = Object.fromEntries(result.skipped.map((s) => [s.path, s]));
    expect(skipped['strip.png']).toMatchObject({ code: 'too_many_pixels', reason: expect.stringContaining('49000000x1') });
    expect(skipped['strip.png'].reason).toContain('16384');
    expect(skipped['tall.png']).toMatchObject({ code: 'too_many_pixels', reason: expect.stringContaining('2x20000') });
    expect(skipped['wide.jpg']).toMatchObject({ code: 'too_many_pixels', reason: expect.stringContaining('20000x2') });
  });
});
