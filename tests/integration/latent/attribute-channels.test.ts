import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { base64Float32 } from '../../../src/latent/wire';
import { writeColouredSquares } from '../../fixtures/coloured-squares';
import { requireBuilt } from '../../helpers/built';

let engine: EngineClient;
let work: string;
let dataset: string;
let runDir: string;
const J = 5;

/** Frame f of an RGBA PNG strip, as bytes. */
async function frame(pngBase64: string, f: number, cell: number): Promise<Buffer> {
  return sharp(Buffer.from(pngBase64, 'base64'))
    .extract({ left: f * cell, top: 0, width: cell, height: cell })
    .ensureAlpha()
    .raw()
    .toBuffer();
}

beforeAll(async () => {
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-attribute-'));
  await writeColouredSquares(path.join(work, 'images'), 'shield', 24, { r: 230, g: 40, b: 40 }, 1);
  await writeColouredSquares(path.join(work, 'images'), 'plain', 24, { r: 40, g: 60, b: 230 }, 8);
  dataset = path.join(work, 'ds');
  runDir = path.join(work, 'run');
  await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: dataset, options: { size: 16, labels: 'folder' } });
  await engine.request('train.run', { dataset, runDir, settings: { epochs: 2, batchSize: 16, latentDim: J } });
});
afterAll(() => engine.close());

describe('attribute vectors and selection file lists through the engine process', () => {
  it('makes the vector as the difference of mean posterior means; strength 0 is the reconstruction, strength 1 adds the vector', async () => {
    const { items } = await engine.request('dataset.items', { path: dataset, from: 0, count: 48 });
    const withShield = items.filter((it) => it.label === 'shield').map((it) => it.index);
    const without = items.filter((it) => it.label === 'plain').map((it) => it.index);
    expect(withShield).toHaveLength(24);
    const base = without[3];
    const r = await engine.request('latent.attribute', { runDir, dataset, positive: withShield, negative: without, base: { index: base }, strength: 1, frames: 5 });

    // The vector against the posterior means the engine stored in latents.bin (48-byte header).
    const bytes = readFileSync(path.join(runDir, 'latents.bin'));
    const mu = (i: number, j: number) => bytes.readFloatLE(48 + 4 * (i * J + j));
    const mean = (set: number[], j: number) => set.reduce((s, i) => s + mu(i, j), 0) / set.length;
    const expected = Array.from({ length: J }, (_, j) => mean(withShield, j) - mean(without, j));
    r.vector.forEach((v, j) => expect(v).toBeCloseTo(expected[j], 5));
    expect(r.norm).toBeGreaterThan(0.1); // red-left and blue-right are far apart in latent space
    expect(r.strengths).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(r.z).toHaveLength(5);
    for (let j = 0; j < J; j++) {
      expect(r.z[0][j]).toBeCloseTo(mu(base, j), 5);
      expect(r.z[4][j] - r.z[0][j]).toBeCloseTo(r.vector[j], 5);
    }
    expect(base64Float32(r.points)).toHaveLength(5 * 3);
    expect(r.strip).toMatchObject({ count: 5, columns: 5, cell: 16 });

    // Strength 0 is the image's own reconstruction: the first frame of the path from the image to itself.
    const self = await engine.request('latent.interpolate', { runDir, dataset, waypoints: [{ index: base }, { index: base }], method: 'linear', frames: 2 });
    expect((await frame(r.strip.png, 0, 16)).equals(await frame(self.strip.png, 0, 16))).toBe(true);
    // Strength 1 changes the picture.
    expect((await frame(r.strip.png, 4, 16)).equals(await frame(r.strip.png, 0, 16))).toBe(false);
  });

  it('exports the attribute strip like an interpolation, and refuses an empty or foreign selection by name', async () => {
    const spec = { runDir, dataset, positive: [0, 1, 2], negative: [30, 31], base: { index: 40 }, strength: -1.5, frames: 4 };
    const out = path.join(work, 'export-attr');
    const report = await engine.request('export.frames', { source: { attribute: spec }, outDir: out, formats: ['png', 'sheet', 'gif'], name: 'shield-{i}', sheetName: 'shield' });
    expect(report.frames).toBe(4);
    expect(readdirSync(out).sort()).toEqual(['shield-0.png', 'shield-1.png', 'shield-2.png', 'shield-3.png', 'shield.gif', 'shield.json', 'shield.png']);
    await expect(engine.request('latent.attribute', { ...spec, negative: [] })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('without the attribute') });
    await expect(engine.request('latent.attribute', { ...spec, positive: [0, 99] })).rejects.toMatchObject({ message: expect.stringContaining('names image 99, but the dataset has 48 images') });
  });

  it('writes a selection as a CSV file list (file, label, index) and does not replace it unasked', async () => {
    const file = path.join(work, 'lists', 'shields.csv');
    const r = await engine.request('selection.exportCsv', { dataset, indices: [5, 0, 30], file });
    expect(r).toEqual({ path: file, rows: 3 });
    const { items } = await engine.request('dataset.items', { path: dataset, from: 0, count: 48 });
    const lines = readFileSync(file, 'utf8').split('\r\n');
    expect(lines).toEqual(['file,label,index', `${items[5].source},${items[5].label},5`, `${items[0].source},${items[0].label},0`, `${items[30].source},${items[30].label},30`, '']);
    expect(lines[1]).toMatch(/^(shield|plain)\/(shield|plain)-\d\d\.png,(shield|plain),5$/);
    await expect(engine.request('selection.exportCsv', { dataset, indices: [1], file })).rejects.toMatchObject({ message: expect.stringContaining('already exists') });
    expect(readFileSync(file, 'utf8').split('\r\n')).toHaveLength(5);
    await engine.request('selection.exportCsv', { dataset, indices: [1], file, overwrite: true });
    expect(readFileSync(file, 'utf8').split('\r\n')).toHaveLength(3);
  });
});
