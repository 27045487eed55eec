import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { isProgressOf } from '../../../src/contract';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

let engine: EngineClient;
let work: string;
beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'atlas-resume-'));
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js'), env: { LATENT_ATLAS_WORKSPACE: work } }));
  await writePngs(path.join(work, 'images'), 64, 20);
});
afterAll(() => engine.close());

describe('a project after the engine is killed mid-training', () => {
  it('reopens with the loss history intact, offers to resume, and resumes from the checkpoint', async () => {
    const dir = path.join(work, 'proj');
    await engine.request('project.create', { dir, name: 'resume me' });
    await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: path.join(dir, 'dataset'), options: { size: 16 } });
    const settings = { epochs: 40, batchSize: 8, latentDim: 4, progressEverySteps: 1 };
    const runDir = path.join(dir, 'runs', 'r1');
    const epochs: number[] = [];
    engine.on('progress', (p) => {
      if (p.requestId === 'first' && isProgressOf(p, 'train.run') && p.data?.type === 'epoch') epochs.push(p.data.epoch);
    });
    const first = engine.request('train.run', { dataset: path.join(dir, 'dataset'), runDir, settings, project: { dir, runId: 'r1' } }, { requestId: 'first' });
    await expect.poll(() => epochs.length, { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
    const { pid } = await engine.request('engine.info', {});
    process.kill(pid, 'SIGKILL');
    await expect(first).rejects.toMatchObject({ code: 'engine_died' });

    const opened = await engine.request('project.open', { dir });
    expect(opened.resumable).toEqual(['r1']);
    const run = opened.project.runs[0];
    expect(run.status).toBe('interrupted');
    expect(run.epoch).toBeGreaterThanOrEqual(2);
    expect(run.history.map((h) => h.epoch)).toEqual(Array.from({ length: run.epoch }, (_, i) => i + 1));

    const more = 8;
    const resuming = engine.request('train.run', { dataset: path.join(dir, 'dataset'), runDir, settings: { ...settings, epochs: run.epoch + more }, resume: true, project: { dir, runId: 'r1' } });
    // A page asking meanwhile (after a reload) gets the whole run's epochs, the earlier ones first.
    await expect
      .poll(async () => (await engine.request('train.status', {})).epochs.map((e) => e.epoch).slice(0, run.epoch), { timeout: 60_000, interval: 20 })
      .toEqual(Array.from({ length: run.epoch }, (_, i) => i + 1));
    const resumed = await resuming;
    expect(resumed.status).toBe('completed');
    expect(resumed.epoch).toBe(run.epoch + more);
    // The resumed run did more epochs, not a fresh start.
    expect(resumed.history.map((h) => h.epoch)).toEqual(Array.from({ length: run.epoch + more }, (_, i) => i + 1));
    const after = await engine.request('project.open', { dir });
    expect(after.project.runs[0]).toMatchObject({ status: 'completed', epoch: run.epoch + more });
    expect(after.project.runs[0].history).toHaveLength(run.epoch + more);
    expect(after.resumable).toEqual([]);
  });
});
