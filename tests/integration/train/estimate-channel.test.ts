import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { isProgressOf, type TrainProgress } from '../../../src/contract';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

/** train.estimate and a time-budget train.run through the engine process, as the Train panel uses them. */
let engine: EngineClient;
let work: string;
let dataset: string;

beforeAll(async () => {
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-estimate-'));
  await writePngs(path.join(work, 'images'), 40, 20);
  dataset = path.join(work, 'ds');
  await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: dataset, options: { size: 16 } });
});
afterAll(() => engine.close());

describe('time budgets through the engine', () => {
  const settings = { timeBudgetSec: 12, batchSize: 8, latentDim: 4, learningRate: 3e-3, valMaxImages: 512, previewCount: 8 };

  it('estimates before a run (measured once per settings), then the run plans the same way and says so first', { timeout: 180_000 }, async () => {
    const estimate = await engine.request('train.estimate', { dataset, settings });
    expect(estimate).toMatchObject({ budgetSec: 12, trainImages: expect.any(Number), workers: 1 });
    expect(estimate.summary).toMatch(/^about \d+ s on 40 images \(\d+ epochs? at \d+ img\/s\)$/);
    // The same question again is answered from what was measured.
    expect(await engine.request('train.estimate', { dataset, settings })).toEqual(estimate);

    const events: TrainProgress[] = [];
    const logs: string[] = [];
    engine.on('progress', (p) => p.requestId === 'b1' && isProgressOf(p, 'train.run') && p.data && events.push(p.data));
    engine.on('log', (l) => logs.push(l.message));
    const report = await engine.request('train.run', { dataset, runDir: path.join(work, 'run'), settings }, { requestId: 'b1' });
    const plan = events[0];
    expect(plan.type).toBe('plan');
    if (plan.type !== 'plan') return;
    expect(plan.revised).toBe(false);
    expect(logs.some((m) => m.startsWith(`Training plan: ${plan.summary}`))).toBe(true);
    // A re-plan (the epochs ran faster than the probe) raises the epochs; the run trains its last plan's.
    const plans = events.filter((e): e is Extract<TrainProgress, { type: 'plan' }> => e.type === 'plan');
    for (const revised of plans.slice(1)) {
      expect(revised).toMatchObject({ revised: true, epochs: expect.any(Number) });
      expect(logs.some((m) => m.startsWith(`Training plan revised: ${revised.summary}`))).toBe(true);
    }
    expect(report).toMatchObject({ status: 'completed', epoch: plans.at(-1)!.epochs });
    const epochs = events.filter((e): e is Extract<TrainProgress, { type: 'epoch' }> => e.type === 'epoch');
    expect(epochs.every((e) => typeof e.val?.psnrDb === 'number' && e.val.psnrDb > 3)).toBe(true);
  });

  it('refuses to estimate while a run trains', { timeout: 120_000 }, async () => {
    const events: TrainProgress[] = [];
    engine.on('progress', (p) => p.requestId === 'b2' && isProgressOf(p, 'train.run') && p.data && events.push(p.data));
    const running = engine.request('train.run', { dataset, runDir: path.join(work, 'run2'), settings: { epochs: 500, batchSize: 8, latentDim: 4 } }, { requestId: 'b2' });
    await expect.poll(() => events.some((e) => e.type === 'step'), { timeout: 60_000 }).toBe(true);
    await expect(engine.request('train.estimate', { dataset, settings })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/training run is in progress/) });
    await engine.request('train.control', { action: 'stop' });
    expect((await running).status).toBe('stopped');
  });
});
