import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { promises as fs } from 'node:fs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createDatasetWriter, openDataset, thumbnailPng, writeDataset, type DatasetItem } from '../../../src/data/store';
import { AtlasError } from '../../../src/errors';

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-store-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function item(i: number, split: 'train' | 'val' = 'train'): DatasetItem {
  return { source: `img${i}.png`, label: i % 2 ? 'b' : 'a', hash: `h${i}`, width: 10, height: 12, split };
}

async function expectError(p: Promise<unknown>, code: string, mention: string): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AtlasError);
  expect((err as AtlasError).code).toBe(code);
  expect((err as AtlasError).message).toContain(mention);
}

describe('dataset store', () => {
  it('round-trips pixels, items and splits', async () => {
    const size = 2,
      channels = 3 as const;
    const pixels = Uint8Array.from({ length: 3 * size * size * channels }, (_, k) => k);
    const dir = path.join(tmp, 'ds');
    const index = await writeDataset(dir, { size, channels }, { options: { size }, items: [item(0), item(1, 'val'), item(2)], labels: ['a', 'b'] }, pixels);
    expect(index.count).toBe(3);
    expect(index.datasetHash).toMatch(/^[0-9a-f]{64}$/);
    const ds = await openDataset(dir);
    expect(ds.index).toEqual(index);
    expect(Array.from(ds.image(1))).toEqual(Array.from(pixels.subarray(12, 24)));
    expect(ds.indicesOf('train')).toEqual([0, 2]);
    expect(ds.indicesOf('val')).toEqual([1]);
    expect((await fs.readdir(tmp)).sort()).toEqual(['ds']);
  });

  it('streams many appends into one pixels file', async () => {
    const dir = path.join(tmp, 'big');
    const w = await createDatasetWriter(dir, { size: 8, channels: 4 });
    const items: DatasetItem[] = [];
    for (let i = 0; i < 600; i++) {
      await w.append(new Uint8Array(256).fill(i % 256));
      items.push(item(i));
    }
    await w.commit({ options: {}, items, labels: ['a', 'b'] });
    const ds = await openDataset(dir);
    expect(ds.pixels.length).toBe(600 * 256);
    expect(ds.image(599)[0]).toBe(599 % 256);
  });

  it('leaves nothing behind when aborted', async () => {
    const w = await createDatasetWriter(path.join(tmp, 'ds'), { size: 4, channels: 1 });
    await w.append(new Uint8Array(16));
    await w.abort();
    expect(await fs.readdir(tmp)).toEqual([]);
  });

  it('clears temp folders a crashed import left behind', async () => {
    const stale = path.join(tmp, '.ds.abc123.tmp');
    await fs.mkdir(stale);
    await fs.writeFile(path.join(stale, 'pixels.bin'), new Uint8Array(10));
    const old = new Date(Date.now() - 24 * 3600 * 1000);
    await fs.utimes(stale, old, old);
    const fresh = path.join(tmp, '.ds.def456.tmp'); // maybe another import still running: kept
    await fs.mkdir(fresh);
    await writeDataset(path.join(tmp, 'ds'), { size: 1, channels: 1 }, { options: {}, items: [item(0)], labels: [] }, new Uint8Array([1]));
    expect((await fs.readdir(tmp)).sort()).toEqual(['.ds.def456.tmp', 'ds']);
  });

  it('replaces an older dataset in place', async () => {
    const dir = path.join(tmp, 'ds');
    await writeDataset(dir, { size: 1, channels: 1 }, { options: {}, items: [item(0)], labels: [] }, new Uint8Array([7]));
    await writeDataset(dir, { size: 1, channels: 1 }, { options: {}, items: [item(0), item(1)], labels: [] }, new Uint8Array([8, 9]));
    const ds = await openDataset(dir);
    expect(Array.from(ds.pixels)).toEqual([8, 9]);
    expect(await fs.readdir(tmp)).toEqual(['ds']);
  });

  it('refuses to overwrite a folder that is not a dataset', async () => {
    const dir = path.join(tmp, 'docs');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'thesis.txt'), 'precious');
    await expectError(createDatasetWriter(dir, { size: 4, channels: 3 }), 'invalid_input', dir);
  });

  it('reports a missing dataset as not_found naming index.json', async () => {
    await expectError(openDataset(path.join(tmp, 'nope')), 'not_found', 'index.json');
  });

  it('reports bad JSON, wrong pixel length and a newer schema as invalid_input', async () => {
    const dir = path.join(tmp, 'ds');
    await writeDataset(dir, { size: 2, channels: 1 }, { options: {}, items: [item(0)], labels: [] }, new Uint8Array(4));
    const indexPath = path.join(dir, 'index.json');
    const good = await fs.readFile(indexPath, 'utf8');

    await fs.writeFile(path.join(dir, 'pixels.bin'), new Uint8Array(3));
    await expectError(openDataset(dir), 'invalid_input', 'pixels.bin');
    await fs.writeFile(path.join(dir, 'pixels.bin'), new Uint8Array(4));

    await fs.writeFile(indexPath, good.slice(0, 20));
    await expectError(openDataset(dir), 'invalid_input', 'bad JSON');

    await fs.writeFile(indexPath, JSON.stringify({ ...JSON.parse(good), schemaVersion: 2 }));
    await expectError(openDataset(dir), 'invalid_input', 'newer version');

    await fs.writeFile(indexPath, good);
    await fs.rm(path.join(dir, 'pixels.bin'));
    await expectError(openDataset(dir), 'not_found', 'pixels.bin');
  });

  it('makes crisp PNG thumbnails from the stored pixels', async () => {
    const dir = path.join(tmp, 'ds');
    const px = new Uint8Array([255, 0, 0, 255, 0, 0, 255, 128, 0, 255, 0, 255, 9, 9, 9, 0]);
    await writeDataset(dir, { size: 2, channels: 4 }, { options: {}, items: [item(0)], labels: [] }, px);
    const png = await thumbnailPng(await openDataset(dir), 0, 3);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([6, 6, 4]);
    expect(Array.from(data.subarray(0, 4))).toEqual([255, 0, 0, 255]);
    expect(Array.from(data.subarray(3 * 4, 3 * 4 + 4))).toEqual([0, 0, 255, 128]);
  });
});

describe('what makes a folder a dataset', () => {
  it('new datasets carry the format marker; the bundled set (written before it) is known by its structure; an index.json alone is not a dataset', async () => {
    const { inspectDatasetTarget, DATASET_FORMAT } = await import('../../../src/data/store');
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { repoRoot } = await import('../../helpers/built');
    const root = mkdtempSync(path.join(tmpdir(), 'atlas-marker-'));
    const ds = path.join(root, 'ds');
    await writeDataset(ds, { size: 1, channels: 1 }, { options: {}, items: [{ source: 'a.png', label: null, hash: 'h', width: 1, height: 1, split: 'train' }], labels: [] }, new Uint8Array([5]));
    expect(JSON.parse(readFileSync(path.join(ds, 'index.json'), 'utf8'))).toMatchObject({ format: DATASET_FORMAT, schemaVersion: 1 });
    expect(await inspectDatasetTarget(ds)).toEqual({ kind: 'dataset', count: 1, foreign: [] });
    expect(await inspectDatasetTarget(path.join(repoRoot, 'assets', 'sample', 'twemoji-32'))).toMatchObject({ kind: 'dataset', count: 507 });
    const site = path.join(root, 'site');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(site);
    writeFileSync(path.join(site, 'index.json'), JSON.stringify({ schemaVersion: 1, pages: [] }));
    expect(await inspectDatasetTarget(site)).toEqual({ kind: 'other', entries: ['index.json'] });
    await expect(writeDataset(site, { size: 1, channels: 1 }, { options: {}, items: [], labels: [] }, new Uint8Array(0))).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('not a Latent Atlas dataset'),
    });
    expect(readFileSync(path.join(site, 'index.json'), 'utf8')).toContain('pages');
    await expect(writeDataset(ds, { size: 1, channels: 1 }, { options: {}, items: [], labels: [] }, new Uint8Array(0), { replace: false })).rejects.toMatchObject({
      message: expect.stringContaining('already holds a dataset of 1 images'),
    });
  });
});

describe('after an import was killed', () => {
  const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

  it("removes a dead writer's temp folder at the next import of that target, and keeps a live one", async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'atlas-recover-'));
    const dead = path.join(tmp, `.ds.${deadPid()}-abc123.tmp`);
    const live = path.join(tmp, `.ds.${process.pid}-def456.tmp`);
    mkdirSync(dead);
    mkdirSync(live);
    await writeDataset(path.join(tmp, 'ds'), { size: 1, channels: 1 }, { options: {}, items: [item(0)], labels: [] }, new Uint8Array([1]));
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it('moves the old dataset back when the kill fell between moving it aside and moving the new one in', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'atlas-recover-swap-'));
    const dir = path.join(tmp, 'ds');
    await writeDataset(dir, { size: 1, channels: 1 }, { options: {}, items: [item(0)], labels: [] }, new Uint8Array([9]));
    // The state a kill leaves at that moment: the old dataset aside, the new one complete in its temp folder.
    const pid = deadPid();
    renameSync(dir, path.join(tmp, `.ds.${pid}-aaa111.tmp.old`));
    mkdirSync(path.join(tmp, `.ds.${pid}-aaa111.tmp`));
    const ds = await openDataset(dir);
    expect(Array.from(ds.pixels)).toEqual([9]);
    // The dead writer's unfinished new dataset is cleared with it.
    expect(readdirSync(tmp).sort()).toEqual(['ds']);
  });
});
