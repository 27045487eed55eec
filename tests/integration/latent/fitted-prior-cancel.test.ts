/**
 * The fitted prior's first fit (20-40 s on a few thousand images) reports its stages and stops
 * soon after a cancel: in each stage (the z2 offsets of the images, their principal directions,
 * the mixture's EM) a cancel ends the fit before that stage's end, and the next sample still
 * fits and draws. Model: the default hierarchy trained for one epoch on the bundled sample set
 * (507 Twemoji, 32x32 RGBA).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/choose';
import { sampleSpecSchema } from '../../../src/contract';
import { openDataset } from '../../../src/data/store';
import { fittedPrior } from '../../../src/latent/fitted-prior';
import { sample } from '../../../src/latent/operations';
import { releaseRunModel } from '../../../src/latent/run-model';
import { latentSession } from '../../../src/latent/session';
import { train } from '../../../src/train/train';
import { repoRoot } from '../../helpers/built';

const dataset = path.join(repoRoot, 'assets', 'sample', 'twemoji-32');
let tmp: string;
let runDir: string;

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-fitted-cancel-'));
  runDir = path.join(tmp, 'run');
  await train({ epochs: 1, batchSize: 64, warmupSteps: 4, seed: 2, previewCount: 0, valIwaeK: 0 }, await openDataset(dataset), { checkpointDir: runDir });
});

afterAll(async () => {
  releaseRunModel();
  await fs.rm(tmp, { recursive: true, force: true });
});

type Step = { stage: string; done: number; total: number };

describe('the fitted prior: progress and cancel', () => {
  const spec = () => sampleSpecSchema.parse({ runDir, dataset, count: 8, prior: 'fitted' });

  for (const [stage, after] of [
    ['fitting prior (details)', 128],
    ['fitting prior (directions)', 5],
    ['fitting prior (mixture)', 2],
  ] as const) {
    it(`a cancel during "${stage}" ends the fit before the stage's end`, async () => {
      const controller = new AbortController();
      const steps: Step[] = [];
      const run = sample(spec(), {
        signal: controller.signal,
        onStage: (s, done, total) => {
          steps.push({ stage: s, done, total });
          if (s === stage && done >= after) controller.abort();
        },
      });
      await expect(run).rejects.toMatchObject({ code: 'cancelled' });
      const mine = steps.filter((s) => s.stage === stage);
      // Heard at the first cancel point after the abort: no further step of this stage, none after it, no decoding.
      expect(mine.at(-1)!.done).toBe(mine.find((s) => s.done >= after)!.done);
      expect(mine.at(-1)!.done).toBeLessThan(mine.at(-1)!.total);
      expect(steps.at(-1)!.stage).toBe(stage);
      expect(steps.some((s) => s.stage === 'decoding')).toBe(false);
    });
  }

  it('after the cancels the next sample fits the whole prior, reporting every stage, and draws its images', async () => {
    const steps: Step[] = [];
    const out = await sample(spec(), { onStage: (stage, done, total) => steps.push({ stage, done, total }) });
    expect(out.z).toHaveLength(8);
    expect(out.images.count).toBe(8);
    const last = (stage: string) => steps.filter((s) => s.stage === stage).at(-1)!;
    expect(last('fitting prior (details)')).toMatchObject({ done: 456, total: 456 }); // the training split
    expect(last('fitting prior (directions)')).toMatchObject({ done: 60, total: 60 });
    // EM reports each iteration and may converge before its cap; the cancelled run stopped at 2.
    const prior = await fittedPrior(await latentSession(runDir, dataset));
    expect(last('fitting prior (mixture)').done).toBe(prior.mixture.iterations);
    expect(prior.mixture.iterations).toBeGreaterThan(2);
    // Kept with the encoding: a second sample does not fit again.
    const again: Step[] = [];
    await sample(spec(), { onStage: (stage, done, total) => again.push({ stage, done, total }) });
    expect(again.filter((s) => s.stage.startsWith('fitting prior'))).toEqual([]);
  });
});
