import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { base64Float32, base64Int32 } from '../../../src/latent/wire';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

let engine: EngineClient;
let work: string;
let dataset: string;
let runDir: string;

beforeAll(async () => {
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-latent-'));
  await writePngs(path.join(work, 'images'), 64, 16);
  dataset = path.join(work, 'ds');
  runDir = path.join(work, 'run');
  await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: dataset, options: { size: 16 } });
  await engine.request('train.run', { dataset, runDir, settings: { epochs: 1, batchSize: 16, latentDim: 5 } });
});
afterAll(() => engine.close());

describe('latent channels through the engine process', () => {
  it('encodes the dataset once and reuses latents.bin until the model changes', async () => {
    const progress: number[] = [];
    engine.on('progress', (p) => p.requestId === 'enc1' && progress.push(p.done));
    const first = await engine.request('latent.encode', { runDir, dataset, batchSize: 16 }, { requestId: 'enc1' });
    expect(first).toMatchObject({ count: 64, latentDim: 5, cached: false, step: 4 });
    expect(progress.at(-1)).toBe(64);
    const bin = path.join(runDir, 'latents.bin');
    expect(statSync(bin).size).toBe(48 + 4 * (2 * 64 * 5 + 2 * 64));
    expect(JSON.parse(readFileSync(path.join(runDir, 'latents.json'), 'utf8'))).toMatchObject({ count: 64, latentDim: 5, step: 4 });
    const again = await engine.request('latent.encode', { runDir, dataset });
    expect(again.cached).toBe(true);
    expect(again.meanKl).toBeCloseTo(first.meanKl, 5);
    // Train one more epoch: a new checkpoint, so the cache no longer matches.
    await engine.request('train.run', { dataset, runDir, settings: { epochs: 2, batchSize: 16, latentDim: 5 }, resume: true });
    const after = await engine.request('latent.encode', { runDir, dataset });
    expect(after).toMatchObject({ cached: false, step: 8 });
  });

  it('projects to 3D with ellipsoids, colouring data and the prior', async () => {
    const r = await engine.request('latent.project', { runDir, dataset });
    expect(r.projection.method).toBe('pca');
    expect(r.projection.components).toHaveLength(3);
    expect(r.projection.centre).toHaveLength(5);
    const points = base64Float32(r.points);
    expect(points).toHaveLength(64 * 3);
    expect(points.every(Number.isFinite)).toBe(true);
    expect(base64Float32(r.ellipsoids)).toHaveLength(64 * 9);
    expect(base64Float32(r.kl)).toHaveLength(64);
    expect(base64Int32(r.labelIndex).every((v) => v === -1)).toBe(true);
    const explained = r.projection.explained;
    expect(explained[0]).toBeGreaterThanOrEqual(explained[1]);
    expect(explained[0] + explained[1] + explained[2]).toBeLessThanOrEqual(1 + 1e-9);
    expect(r.ellipsoidK).toEqual([1, 2, 2.796]);
    // The projected points are centred: their mean is 0 in every axis.
    for (let a = 0; a < 3; a++) expect(Math.abs(points.filter((_, k) => k % 3 === a).reduce((s, v) => s + v, 0) / 64)).toBeLessThan(1e-4);
    const byAxes = await engine.request('latent.project', { runDir, dataset, axes: [4, 0, 1] });
    expect(byAxes.projection).toMatchObject({ method: 'axes', axes: [4, 0, 1] });
  });

  it('names a missing run folder in its error', async () => {
    await expect(engine.request('latent.project', { runDir: path.join(work, 'nope'), dataset })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('nope') });
  });
});
