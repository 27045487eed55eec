import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProgressOf, type TrainProgress } from '../../../src/contract';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

let engine: EngineClient;
let work: string;
let dataset: string;

beforeAll(async () => {
  // The built engine finds its worker at dist/src/train-worker.js, next to itself.
  requireBuilt('src/train-worker.js');
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-parallel-engine-'));
  await writePngs(path.join(work, 'images'), 80, 24);
  dataset = path.join(work, 'ds');
  await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: dataset, options: { size: 16 } });
});
afterAll(() => engine.close());

describe('two-worker training through the built engine', () => {
  it('trains with workers: 2 on wasm and records it in progress events and the checkpoint', async () => {
    const events: TrainProgress[] = [];
    engine.on('progress', (p) => p.requestId === 'p1' && isProgressOf(p, 'train.run') && p.data && events.push(p.data));
    const runDir = path.join(work, 'run1');
    const report = await engine.request(
      'train.run',
      { dataset, runDir, settings: { epochs: 2, batchSize: 32, latentDim: 4, progressEverySteps: 1, workers: 2, likelihood: 'bernoulli' } },
      { requestId: 'p1' },
    );
    expect(report).toMatchObject({ status: 'completed', epoch: 2, backend: 'wasm' });
    expect(report.history[1].train.loss).toBeLessThan(report.history[0].train.loss);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.length).toBeGreaterThan(3);
    expect(steps.every((s) => (s as unknown as { workers: number }).workers === 2 && Number.isFinite(s.loss))).toBe(true);
    expect(report.checkpoint && existsSync(report.checkpoint)).toBe(true);
    const state = JSON.parse(readFileSync(path.join(report.checkpoint!, 'state.json'), 'utf8'));
    expect(state.workers).toBe(2);
  });
});
