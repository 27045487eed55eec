import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isProgressOf } from '../../../src/contract';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { base64Float32 } from '../../../src/latent/wire';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

let engine: EngineClient;
let work: string;
let dataset: string;
let runDir: string;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [requireBuilt('src/cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, LATENT_ATLAS_BACKEND: 'wasm' } });
  const json = () => {
    if (!r.stdout.trim()) throw new Error(`no JSON on stdout; stderr: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  };
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

beforeAll(async () => {
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-layouts-'));
  await writePngs(path.join(work, 'images'), 96, 16);
  dataset = path.join(work, 'ds');
  runDir = path.join(work, 'run');
  await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: dataset, options: { size: 16 } });
  await engine.request('train.run', { dataset, runDir, settings: { epochs: 1, batchSize: 16, latentDim: 6 } });
});
afterAll(() => {
  engine.close();
  rmSync(work, { recursive: true, force: true });
});

describe('nonlinear layouts through the engine', () => {
  it('computes UMAP with progress, caches it with the model, and a new checkpoint computes it again', async () => {
    const stages = new Set<string>();
    engine.on('progress', (p) => p.requestId === 'umap1' && p.phase === 'layout' && isProgressOf(p, 'latent.layout') && stages.add(String(p.data?.stage)));
    const first = await engine.request('latent.layout', { runDir, dataset, method: 'umap', seed: 3 }, { requestId: 'umap1' });
    expect(first).toMatchObject({ method: 'umap', seed: 3, count: 96, cached: false });
    expect([...stages]).toEqual(['neighbours', 'optimising']);
    const points = base64Float32(first.points);
    expect(points).toHaveLength(96 * 3);
    expect(points.every(Number.isFinite)).toBe(true);
    // Centred at RMS radius 2, so the view frames every layout alike.
    const rms = Math.sqrt(points.reduce((s, v) => s + v * v, 0) / 96);
    expect(rms).toBeCloseTo(2, 3);
    expect(existsSync(path.join(runDir, 'layouts', 'umap-seed3.json'))).toBe(true);

    const again = await engine.request('latent.layout', { runDir, dataset, method: 'umap', seed: 3 });
    expect(again.cached).toBe(true);
    expect(again.points).toBe(first.points);

    // Another seed is another map (and not the cached one).
    const other = await engine.request('latent.layout', { runDir, dataset, method: 'umap', seed: 4 });
    expect(other.cached).toBe(false);
    expect(other.points).not.toBe(first.points);

    // Training saves a new checkpoint: the stored layout no longer matches the weights.
    await engine.request('train.run', { dataset, runDir, settings: { epochs: 2, batchSize: 16, latentDim: 6 }, resume: true });
    const retrained = await engine.request('latent.layout', { runDir, dataset, method: 'umap', seed: 3 });
    expect(retrained.cached).toBe(false);
    expect(retrained.points).not.toBe(first.points);
  });

  it('computes t-SNE, is cancellable, and places new latent vectors among their nearest images', async () => {
    const controller = new AbortController();
    engine.on('progress', (p) => p.requestId === 'tsne-cancel' && p.phase === 'layout' && p.done > 20 && controller.abort());
    const cancelled = engine.request('latent.layout', { runDir, dataset, method: 'tsne', seed: 1 }, { requestId: 'tsne-cancel', signal: controller.signal });
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    expect(existsSync(path.join(runDir, 'layouts', 'tsne-seed1.json'))).toBe(false);

    const tsne = await engine.request('latent.layout', { runDir, dataset, method: 'tsne', seed: 1 });
    expect(tsne).toMatchObject({ method: 'tsne', cached: false, count: 96 });
    const layout = base64Float32(tsne.points);
    const encoded = await engine.request('latent.project', { runDir, dataset });
    expect(encoded.count).toBe(96);
    // Image 5's own mean lands exactly on image 5.
    const means = readFileSync(path.join(runDir, 'latents.bin'));
    const mu5 = Array.from({ length: 6 }, (_, j) => means.readFloatLE(48 + 4 * (5 * 6 + j)));
    const placed = await engine.request('latent.place', { runDir, dataset, method: 'tsne', seed: 1, z: [mu5, mu5.map((v) => v + 0.01)] });
    const p = base64Float32(placed.points);
    expect(Array.from(p.subarray(0, 3))).toEqual(Array.from(layout.subarray(15, 18)));
    // A vector just beside it lands inside the layout's extent.
    for (let c = 0; c < 3; c++) expect(Math.abs(p[3 + c])).toBeLessThanOrEqual(Math.max(...layout.map(Math.abs)));
  });

  it('latent-atlas encode --layout writes the 3D points and reuses the cached map', () => {
    const csv = path.join(work, 'umap.csv');
    const r = cli(['encode', runDir, '--dataset', dataset, '--layout', 'umap', '--seed', '3', '--points', csv, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().layout).toMatchObject({ method: 'umap', seed: 3, cached: true, points: csv });
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('index,file,label,x,y,z');
    expect(rows).toHaveLength(97);
    const pca = cli(['encode', runDir, '--dataset', dataset, '--layout', 'pca', '--json']).json();
    expect(pca.layout.method).toBe('pca');
    expect(pca.layout.explained).toHaveLength(3);
    const bad = cli(['encode', runDir, '--dataset', dataset, '--layout', 'isomap']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--layout must be one of pca, dims, umap, tsne');
  });
});
