/**
 * Cancel means cancel for the latent channels that can run long: an encode, a geodesic path,
 * a long path and a large sample stop when cancelled mid-way, end as 'cancelled' before they
 * could have finished (their progress never reaches the end; a handler that ignored the
 * cancel would answer with a result) and write nothing (the run folder is unchanged).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../../../src/backend/choose';
import type { ProgressEvent } from '../../../src/contract';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { train } from '../../../src/train/train';
import { requireBuilt } from '../../helpers/built';
import { makeShapesDataset } from '../train/fixtures';

let engine: EngineClient;
let work: string;
let dataset: string;
let runDir: string;
const progress = new Map<string, ProgressEvent[]>();
const COUNT = 1200;

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  work = mkdtempSync(path.join(tmpdir(), 'atlas-latent-cancel-'));
  dataset = path.join(work, 'ds');
  runDir = path.join(work, 'run');
  const ds = await makeShapesDataset(dataset, { count: COUNT, size: 16, channels: 4, seed: 5 });
  await train({ architecture: 'conv', latentDim: 3, epochs: 1, batchSize: 64, previewCount: 0, valIwaeK: 0 }, ds, { checkpointDir: runDir });
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js'), env: { LATENT_ATLAS_BACKEND: 'wasm' } }));
  engine.on('progress', (p) => {
    const list = progress.get(p.requestId) ?? [];
    list.push(p);
    progress.set(p.requestId, list);
  });
  // The encoding every later request reuses (runDir/latents.bin).
  await engine.request('latent.encode', { runDir, dataset });
}, 300_000);
afterAll(() => {
  engine?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Every file under the run folder with its content hash and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = `${createHash('sha256').update(readFileSync(p)).digest('hex')}@${st.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}
const most = (id: string, phase: string) => Math.max(0, ...(progress.get(id) ?? []).filter((p) => p.phase === phase).map((p) => p.done));

describe('cancelling latent work through the engine', () => {
  it('latent.encode: a forced re-encode stops between batches and keeps the earlier cache', async () => {
    const before = snapshot(runDir);
    const controller = new AbortController();
    const off = engine.on('progress', (p) => p.requestId === 'enc' && p.done >= 16 && controller.abort());
    // One image per batch: 1,200 batches, of which the cancel lets a handful run.
    await expect(engine.request('latent.encode', { runDir, dataset, force: true, batchSize: 1 }, { requestId: 'enc', signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    off();
    expect(most('enc', 'encoding')).toBeGreaterThanOrEqual(16);
    expect(most('enc', 'encoding')).toBeLessThan(COUNT);
    expect(snapshot(runDir)).toEqual(before);
  });

  it('latent.interpolate (geodesic): 5,000 optimiser steps stop inside the loop', async () => {
    const before = snapshot(runDir);
    const controller = new AbortController();
    const off = engine.on('progress', (p) => p.requestId === 'geo' && p.phase === 'geodesic' && p.done >= 2 && controller.abort());
    // Tolerance 0: it never converges early, so only the cancel can end it before step 5,000.
    const spec = { runDir, dataset, waypoints: [{ index: 0 }, { index: 7 }], method: 'geodesic' as const, frames: 64, geodesic: { iterations: 5000, tolerance: 0 } };
    await expect(engine.request('latent.interpolate', spec, { requestId: 'geo', signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    off();
    expect(most('geo', 'geodesic')).toBeGreaterThanOrEqual(2);
    expect(most('geo', 'geodesic')).toBeLessThan(5000);
    expect(snapshot(runDir)).toEqual(before);
  });

  it('latent.interpolate (linear, 1,021 frames): the decode stops between batches', async () => {
    const before = snapshot(runDir);
    const controller = new AbortController();
    const off = engine.on('progress', (p) => p.requestId === 'lin' && p.phase === 'decoding' && p.done >= 256 && controller.abort());
    const spec = { runDir, dataset, waypoints: [0, 7, 9, 11, 13].map((index) => ({ index })), method: 'linear' as const, frames: 256, finish: { palette: 'dataset' as const, colors: 16 } };
    await expect(engine.request('latent.interpolate', spec, { requestId: 'lin', signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    off();
    expect(most('lin', 'decoding')).toBeGreaterThanOrEqual(256);
    expect(most('lin', 'decoding')).toBeLessThan(1021);
    expect(snapshot(runDir)).toEqual(before);
  });

  it('latent.sample: 1,024 samples with the memorisation check and pixel-art finishing stop between decode batches', async () => {
    const before = snapshot(runDir);
    for (const prior of ['fitted', 'standard'] as const) {
      const id = `sample-${prior}`;
      const controller = new AbortController();
      const off = engine.on('progress', (p) => p.requestId === id && p.phase === 'decoding' && p.done >= 256 && controller.abort());
      const spec = { runDir, dataset, count: 1024, prior, memorisation: true, finish: { palette: 'dataset' as const, colors: 16 } };
      await expect(engine.request('latent.sample', spec, { requestId: id, signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
      off();
      expect(most(id, 'decoding')).toBeGreaterThanOrEqual(256);
      expect(most(id, 'decoding')).toBeLessThan(1024);
    }
    // The fitted prior's first fit reported its EM iterations to the client before the decode.
    expect(most('sample-fitted', 'fitting prior (mixture)')).toBeGreaterThan(0);
    expect(most('sample-standard', 'fitting prior (mixture)')).toBe(0);
    expect(snapshot(runDir)).toEqual(before);
    // The engine goes on serving: the same request, not cancelled, answers in full.
    const full = await engine.request('latent.sample', { runDir, dataset, count: 1024, memorisation: true });
    expect(full.z).toHaveLength(1024);
    expect(full.nearest).toHaveLength(1024);
  });
});
