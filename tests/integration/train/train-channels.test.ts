import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { isProgressOf, type TrainProgress } from '../../../src/contract';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

let engine: EngineClient;
let work: string;
let dataset: string;

beforeAll(async () => {
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-train-'));
  await writePngs(path.join(work, 'images'), 96, 24);
  dataset = path.join(work, 'ds');
  await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: dataset, options: { size: 16 } });
});
afterAll(() => engine.close());

function collect(requestId: string): TrainProgress[] {
  const events: TrainProgress[] = [];
  engine.on('progress', (p) => p.requestId === requestId && isProgressOf(p, 'train.run') && p.data && events.push(p.data));
  return events;
}

describe('training through the engine process', () => {
  it('trains a conv VAE for two epochs: losses fall, epochs bring validation numbers and a preview', async () => {
    const events = collect('t1');
    const report = await engine.request(
      'train.run',
      { dataset, runDir: path.join(work, 'run1'), settings: { epochs: 2, batchSize: 16, latentDim: 4, progressEverySteps: 1, learningRate: 3e-3 } },
      { requestId: 't1' },
    );
    expect(report.status).toBe('completed');
    expect(report.epoch).toBe(2);
    expect(report.history).toHaveLength(2);
    expect(report.history[1].train.loss).toBeLessThan(report.history[0].train.loss);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.length).toBeGreaterThan(5);
    expect(steps.every((s) => Number.isFinite(s.loss) && s.imagesPerSec > 0)).toBe(true);
    const epochs = events.filter((e): e is Extract<TrainProgress, { type: 'epoch' }> => e.type === 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(epochs[1].val?.klPerDim).toHaveLength(4);
    const preview = await sharp(Buffer.from(epochs[1].previewPng!, 'base64')).metadata();
    expect(preview.height).toBe(32); // originals row + reconstructions row, 16 px each
    expect(report.checkpoint && existsSync(report.checkpoint)).toBe(true);
  });

  it('pauses, resumes and stops at a step boundary, leaving a checkpoint', async () => {
    const events = collect('t2');
    const runDir = path.join(work, 'run2');
    const running = engine.request('train.run', { dataset, runDir, settings: { epochs: 50, batchSize: 8, latentDim: 4, progressEverySteps: 1 } }, { requestId: 't2' });
    await expect.poll(() => events.filter((e) => e.type === 'step').length, { timeout: 60_000 }).toBeGreaterThan(2);
    expect(await engine.request('train.control', { action: 'pause' })).toEqual({ running: true, paused: true });
    await expect.poll(() => events.some((e) => e.type === 'paused'), { timeout: 30_000 }).toBe(true);
    const stepsWhilePaused = events.filter((e) => e.type === 'step').length;
    await new Promise((r) => setTimeout(r, 400));
    expect(events.filter((e) => e.type === 'step').length).toBe(stepsWhilePaused);
    await engine.request('train.control', { action: 'resume' });
    await expect.poll(() => events.filter((e) => e.type === 'step').length, { timeout: 30_000 }).toBeGreaterThan(stepsWhilePaused);
    const status = await engine.request('train.status', {});
    expect(status).toMatchObject({ running: true, paused: false, dataset, runDir });
    expect(status.lastStep?.step).toBeGreaterThan(stepsWhilePaused - 1);
    await engine.request('train.control', { action: 'stop' });
    const report = await running;
    expect(report.status).toBe('stopped');
    expect(report.checkpoint).not.toBeNull();
    expect(readdirSync(runDir).some((f) => f.startsWith('ckpt-'))).toBe(true);
    expect(await engine.request('train.control', { action: 'stop' })).toEqual({ running: false, paused: false });
    expect(await engine.request('train.status', {})).toMatchObject({ running: false, runDir: null, lastStep: null });
  });

  it('refuses a bad setting by name, and a second run while one is going', async () => {
    await expect(engine.request('train.run', { dataset, runDir: path.join(work, 'bad'), settings: { latentDim: 1 } })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('latentDim'),
    });
    const events = collect('t3');
    const first = engine.request('train.run', { dataset, runDir: path.join(work, 'run3'), settings: { epochs: 50, batchSize: 8, latentDim: 4, progressEverySteps: 1 } }, { requestId: 't3' });
    await expect.poll(() => events.length, { timeout: 60_000 }).toBeGreaterThan(0);
    await expect(engine.request('train.run', { dataset, runDir: path.join(work, 'run4'), settings: {} })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('already in progress'),
    });
    await engine.request('train.control', { action: 'stop' });
    expect((await first).status).toBe('stopped');
  });

  it('refuses a project run whose folder is outside the project', async () => {
    const project = path.join(work, 'outside-run-project');
    await engine.request('project.create', { dir: project, name: 'p' });
    await expect(
      engine.request('train.run', { dataset, runDir: path.join(work, 'run-outside'), settings: { epochs: 1, batchSize: 16, latentDim: 4 }, project: { dir: project, runId: 'r1' } }),
    ).rejects.toMatchObject({ message: expect.stringContaining('not inside the project') });
  });

  it('keeps training and reporting every epoch when the project can no longer record the run', async () => {
    // The project file became unwritable mid-run (here: a folder now stands where project.json
    // was, so every write fails): the run (checkpointed in its own folder) goes on, and the log
    // says why the project missed it.
    const project = path.join(work, 'moved-project');
    await engine.request('project.create', { dir: project, name: 'moved' });
    const events = collect('t-moved');
    const logs: string[] = [];
    engine.on('log', (l) => l.level === 'warn' && logs.push(l.message));
    const running = engine.request(
      'train.run',
      { dataset, runDir: path.join(project, 'runs', 'r1'), settings: { epochs: 4, batchSize: 16, latentDim: 4, progressEverySteps: 1 }, project: { dir: project, runId: 'r1' } },
      { requestId: 't-moved' },
    );
    await expect.poll(() => events.filter((e) => e.type === 'step').length, { timeout: 60_000 }).toBeGreaterThan(0);
    rmSync(path.join(project, 'project.json'));
    mkdirSync(path.join(project, 'project.json'));
    const report = await running;
    expect(report.status).toBe('completed');
    expect(events.filter((e) => e.type === 'epoch').map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(logs.some((m) => m.includes('Could not record') && m.includes('moved-project'))).toBe(true);
  });
});
