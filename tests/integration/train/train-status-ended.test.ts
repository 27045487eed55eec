import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

/**
 * train.status tells a page that was away (reloaded, or between two polls) what the engine
 * has: the running run's previews, and once a run ends, how it ended with every epoch.
 */
let engine: EngineClient;
let work: string;
let dataset: string;

beforeAll(async () => {
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-train-status-'));
  await writePngs(path.join(work, 'images'), 64, 16);
  dataset = path.join(work, 'ds');
  await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: dataset, options: { size: 16 } });
});
afterAll(async () => {
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

const settings = { batchSize: 16, latentDim: 4, progressEverySteps: 1, previewCount: 4 };

describe('train.status after a run', () => {
  it('reports a finished run as completed with all its epochs and previews, and only newer previews when asked', async () => {
    const runDir = path.join(work, 'run-complete');
    const report = await engine.request('train.run', { dataset, runDir, settings: { ...settings, epochs: 3 } });
    expect(report.status).toBe('completed');
    const status = await engine.request('train.status', {});
    expect(status.running).toBe(false);
    expect(status.ended).toMatchObject({ status: 'completed', runDir, dataset });
    expect(status.ended!.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(status.ended!.previews.map((p) => p.epoch)).toEqual([1, 2, 3]);
    const png = await sharp(Buffer.from(status.ended!.previews[2].png, 'base64')).metadata();
    expect(png.format).toBe('png');
    expect(png.height).toBe(32); // originals row + reconstructions row
    const later = await engine.request('train.status', { previewsAfter: 2 });
    expect(later.ended!.previews.map((p) => p.epoch)).toEqual([3]);
  });

  it('reports a run stopped by the user as stopped, with the epochs it finished', async () => {
    const runDir = path.join(work, 'run-stopped');
    const running = engine.request('train.run', { dataset, runDir, settings: { ...settings, epochs: 500 } });
    // While it runs: previews of the finished epochs, and no ended run (a new run clears it).
    await expect.poll(async () => (await engine.request('train.status', {})).previews.length, { timeout: 120_000, interval: 200 }).toBeGreaterThanOrEqual(1);
    const live = await engine.request('train.status', {});
    expect(live).toMatchObject({ running: true, runDir, ended: null });
    await engine.request('train.control', { action: 'stop' });
    const report = await running;
    expect(report.status).toBe('stopped');
    const status = await engine.request('train.status', {});
    expect(status.ended).toMatchObject({ status: 'stopped', runDir });
    expect(status.ended!.epochs.map((e) => e.epoch)).toEqual(report.history.map((e) => e.epoch));
    expect(status.ended!.epochs.length).toBeGreaterThanOrEqual(1);
  });
});
