import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import type { Events } from '../../../src/contract';
import { requireBuilt } from '../../helpers/built';
import { writeBroken, writePngs } from '../../helpers/images';

let engine: EngineClient;
let work: string;
beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'atlas-channels-'));
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js'), env: { LATENT_ATLAS_WORKSPACE: work } }));
  await writePngs(path.join(work, 'src', 'cats'), 12);
  await writePngs(path.join(work, 'src', 'dogs'), 8, 28);
  writeBroken(path.join(work, 'src', 'dogs'), 'broken.png', 'definitely not a png');
});
afterAll(() => engine.close());

describe('dataset channels through the engine process', () => {
  it('imports a folder with progress and a report naming each skipped file', async () => {
    const progress: Events['progress'][] = [];
    engine.on('progress', (p) => p.requestId === 'imp-1' && progress.push(p));
    const report = await engine.request('dataset.import', { source: { folder: path.join(work, 'src') }, output: path.join(work, 'ds') }, { requestId: 'imp-1' });
    expect(report.imported).toBe(20);
    expect(report.skipped).toEqual([{ path: 'dogs/broken.png', code: 'not_an_image', reason: expect.any(String) }]);
    expect(report.labels.sort()).toEqual(['cats', 'dogs']);
    expect(report.train + report.val).toBe(20);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.data).toMatchObject({ imported: 20, skipped: 1 });
  });

  it('summarises the dataset and pages its thumbnails as a PNG grid of the right size', async () => {
    const info = await engine.request('dataset.info', { path: path.join(work, 'ds') });
    // The PNGs are fully opaque, so 'auto' channels picks RGB.
    expect(info).toMatchObject({ count: 20, size: 32, channels: 3 });
    const page = await engine.request('dataset.thumbnails', { path: path.join(work, 'ds'), page: 1, perPage: 16 });
    expect(page).toMatchObject({ first: 16, count: 4, columns: 4, cell: 32 });
    const meta = await sharp(Buffer.from(page.png, 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([128, 32]);
    await expect(engine.request('dataset.thumbnails', { path: path.join(work, 'ds'), page: 5, perPage: 16 })).rejects.toMatchObject({ code: 'invalid_input' });
    const item = await engine.request('dataset.item', { path: path.join(work, 'ds'), index: 0 });
    expect(item).toMatchObject({ index: 0, label: expect.stringMatching(/^(cats|dogs)$/), split: expect.stringMatching(/^(train|val)$/), width: expect.any(Number) });
    expect(item.source).toMatch(/^(cats|dogs)\/img-\d{3}\.png$/);
    await expect(engine.request('dataset.item', { path: path.join(work, 'ds'), index: 20 })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('20 images') });
    const records = await engine.request('dataset.items', { path: path.join(work, 'ds'), from: 15, count: 100 });
    expect(records.total).toBe(20);
    expect(records.items.map((i) => i.index)).toEqual([15, 16, 17, 18, 19]);
    expect(records.items[0]).toEqual(await engine.request('dataset.item', { path: path.join(work, 'ds'), index: 15 }));
  });

  it('imports staged uploads, keeping dropped sub-folders as labels and never escaping the staging area', async () => {
    const png = readFileSync(path.join(work, 'src', 'cats', 'img-000.png')).toString('base64');
    const staged = `up-${process.pid}-${Date.now()}`;
    await engine.request('dataset.stageFiles', {
      staged,
      files: [
        { name: 'birds/a.png', base64: png },
        { name: '../../evil/b.png', base64: png },
      ],
    });
    const report = await engine.request('dataset.import', { source: { staged }, output: path.join(work, 'ds-upload'), options: { dedupe: false } });
    expect(report.imported).toBe(2);
    expect(report.labels.sort()).toEqual(['birds', 'evil']);
    // Staged inside the workspace (never a shared /tmp folder), and removed after the import.
    expect(existsSync(path.join(work, '.uploads'))).toBe(true);
    expect(existsSync(path.join(work, '.uploads', staged))).toBe(false);
  });

  it('offers the bundled sample set as a ready dataset', async () => {
    const { sampleDataset } = await engine.request('engine.paths', {});
    expect(sampleDataset).not.toBeNull();
    const info = await engine.request('dataset.info', { path: sampleDataset! });
    expect(info).toMatchObject({ count: 507, size: 32, channels: 4 });
    expect(info.labels.length).toBeGreaterThan(1);
    // A project takes its own copy of it, identical and independent of the install.
    const copy = await engine.request('dataset.copy', { from: sampleDataset!, to: path.join(work, 'project', 'dataset') });
    expect(copy).toMatchObject({ dir: path.join(work, 'project', 'dataset'), count: 507, datasetHash: info.datasetHash });
    expect(readFileSync(path.join(copy.dir, 'pixels.bin')).equals(readFileSync(path.join(sampleDataset!, 'pixels.bin')))).toBe(true);
  });

  it('says which dataset is missing', async () => {
    await expect(engine.request('dataset.info', { path: path.join(work, 'nope') })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('nope') });
  });

  it('leaves nothing behind when an import is cancelled', async () => {
    await writePngs(path.join(work, 'many'), 400, 64);
    const controller = new AbortController();
    const running = engine.request('dataset.import', { source: { folder: path.join(work, 'many') }, output: path.join(work, 'ds-cancel'), options: { size: 64 } }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    expect(existsSync(path.join(work, 'ds-cancel'))).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('ds-cancel'))).toEqual([]);
  });
});
