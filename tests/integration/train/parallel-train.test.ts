import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../../src/backend';
import type { Dataset } from '../../../src/data/store';
import { TrainControl } from '../../../src/train/control';
import type { TrainEvent } from '../../../src/train/events';
import { train, type TrainResult } from '../../../src/train/train';
import { makeShapesDataset } from './fixtures';

let tmp: string;
let ds: Dataset;

// 93 images: 75 train (batches of 32, 32 and an odd 11), 18 validation.
// The flat conv VAE with a Bernoulli decoder: a model whose batch splits over two workers (the
// default calibrated decoder fits s^2 to the whole batch, so it trains on one).
const config = { architecture: 'conv' as const, likelihood: 'bernoulli' as const, latentDim: 8, batchSize: 32, learningRate: 2e-3, seed: 5, progressEverySteps: 1, previewCount: 4 };

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-parallel-'));
  ds = await makeShapesDataset(path.join(tmp, 'data'), { count: 93, size: 16, channels: 4, seed: 4 });
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

function weights(result: TrainResult): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(result.model!.vae.store.named()).map(([k, v]) => [k, v.dataSync() as Float32Array]));
}

function maxDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  let d = 0;
  for (const k of Object.keys(a)) for (let i = 0; i < a[k].length; i++) d = Math.max(d, Math.abs(a[k][i] - b[k][i]));
  return d;
}

describe('training with two workers on wasm', () => {
  let fourEpochs: Record<string, Float32Array>;

  it('2 workers report it in events and checkpoints, and match 1 worker step for step', async () => {
    const terminate = vi.spyOn(Worker.prototype, 'terminate');
    const events: TrainEvent[] = [];
    const dir = path.join(tmp, 'two');
    const two = await train({ ...config, epochs: 1, workers: 2 }, ds, { checkpointDir: dir, keepModel: true, onProgress: (e) => events.push(e) });
    expect(two.workers).toBe(2);
    expect(terminate).toHaveBeenCalledTimes(1);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((e) => e.step)).toEqual([1, 2, 3]);
    expect(steps.every((e) => e.type === 'step' && e.workers === 2)).toBe(true);
    expect(events.find((e) => e.type === 'epoch')).toMatchObject({ workers: 2, preview: { count: 4 } });
    const state = JSON.parse(await fs.readFile(path.join(dir, 'ckpt-000000003', 'state.json'), 'utf8'));
    expect(state).toMatchObject({ workers: 2, step: 3, adamIterations: 3 });

    const oneEvents: TrainEvent[] = [];
    const one = await train({ ...config, epochs: 1, workers: 1 }, ds, { keepModel: true, onProgress: (e) => oneEvents.push(e) });
    expect(one.workers).toBe(1);
    const first = (list: TrainEvent[]) => list.find((e) => e.type === 'step' && e.step === 1) as Extract<TrainEvent, { type: 'step' }>;
    expect(first(oneEvents).workers).toBe(1);
    // The first step sees identical weights: its losses agree to float summation order.
    for (const k of ['loss', 'recon', 'kl', 'elbo'] as const) expect(Math.abs(first(events)[k] - first(oneEvents)[k])).toBeLessThan(1e-5 * Math.abs(first(oneEvents)[k]));
    // Three Adam steps later the weights still agree closely (Adam divides by sqrt(v): tiny gradients amplify rounding).
    expect(maxDiff(weights(one), weights(two))).toBeLessThan(1e-4);
    one.model!.dispose();
    two.model!.dispose();
  });

  it('resumes exactly: 2 epochs, checkpoint, 2 more equals 4 uninterrupted epochs within 1e-5', async () => {
    const full = await train({ ...config, epochs: 4, workers: 2 }, ds, { keepModel: true });
    fourEpochs = weights(full);
    full.model!.dispose();
    const dir = path.join(tmp, 'resume');
    const first = await train({ ...config, epochs: 2, workers: 2 }, ds, { checkpointDir: dir });
    expect(first.epoch).toBe(2);
    const second = await train({ ...config, epochs: 4, workers: 2 }, ds, { checkpointDir: dir, resume: true, keepModel: true });
    expect(second.step).toBe(12);
    expect(second.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(maxDiff(fourEpochs, weights(second))).toBeLessThan(1e-5);
    second.model!.dispose();
  });

  it('stops mid-epoch with a checkpoint at a step boundary, and resuming from it matches too', async () => {
    const dir = path.join(tmp, 'stop');
    const control = new TrainControl();
    const terminate = vi.spyOn(Worker.prototype, 'terminate');
    const stopped = await train({ ...config, epochs: 4, workers: 2 }, ds, {
      checkpointDir: dir,
      control,
      onProgress: (e) => e.type === 'step' && e.step === 5 && control.stop(),
    });
    expect(stopped).toMatchObject({ status: 'stopped', step: 5, workers: 2 });
    expect(terminate).toHaveBeenCalledTimes(1);
    const resumed = await train({ ...config, epochs: 4, workers: 2 }, ds, { checkpointDir: dir, resume: true, keepModel: true });
    expect(resumed.step).toBe(12);
    expect(maxDiff(fourEpochs, weights(resumed))).toBeLessThan(1e-5);
    resumed.model!.dispose();
  });

  it('cools the learning rate down on both replicas: 2 workers match 1, and a stop and resume match the whole run', async () => {
    // A cooldown over the whole run: every step after the first at a lower rate than the last.
    const cooled = { ...config, epochs: 2, learningRateCooldown: 1 };
    const two = await train({ ...cooled, workers: 2 }, ds, { keepModel: true });
    const one = await train({ ...cooled, workers: 1 }, ds, { keepModel: true });
    const constant = await train({ ...config, epochs: 2, workers: 2 }, ds, { keepModel: true });
    // Had the worker kept the starting rate, the replicas would part at the second step and the
    // epoch-end checksum would fail the run; here they agree with one worker's run.
    expect(maxDiff(weights(one), weights(two))).toBeLessThan(1e-4);
    // And the schedule did something: the constant-rate run ends elsewhere.
    expect(maxDiff(weights(constant), weights(two))).toBeGreaterThan(1e-3);
    const dir = path.join(tmp, 'cooled-stop');
    const control = new TrainControl();
    await train({ ...cooled, workers: 2 }, ds, { checkpointDir: dir, control, onProgress: (e) => e.type === 'step' && e.step === 4 && control.stop() });
    const resumed = await train({ ...cooled, workers: 2 }, ds, { checkpointDir: dir, resume: true, keepModel: true });
    expect(resumed.step).toBe(6);
    expect(maxDiff(weights(two), weights(resumed))).toBeLessThan(1e-5);
    for (const r of [one, two, constant, resumed]) r.model!.dispose();
  });

  it('pauses and resumes with 2 workers', async () => {
    const control = new TrainControl();
    const events: string[] = [];
    const result = await train({ ...config, epochs: 1, workers: 2 }, ds, {
      control,
      onProgress: (e) => {
        events.push(`${e.type}@${e.step}`);
        if (e.type === 'step' && e.step === 1) {
          control.pause();
          setTimeout(() => control.resume(), 100);
        }
      },
    });
    expect(result.status).toBe('completed');
    expect(events.slice(0, 4)).toEqual(['step@1', 'paused@1', 'resumed@1', 'step@2']);
  });

  it('cancels with a cancelled error, terminates the worker and leaks no tensors', async () => {
    const terminate = vi.spyOn(Worker.prototype, 'terminate');
    const ac = new AbortController();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await expect(
      train({ ...config, epochs: 3, workers: 2 }, ds, {
        signal: ac.signal,
        onProgress: (e) => {
          if (e.type !== 'step') return;
          counts.push(tf.memory().numTensors);
          if (e.step === 5) ac.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(terminate).toHaveBeenCalledTimes(1);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a failing worker fails the run with a clear error', () => {
  for (const kind of ['throw', 'exit'] as const) {
    it(`when the worker ${kind === 'throw' ? 'throws' : 'exits'} mid-run`, async () => {
      const before = tf.memory().numTensors;
      await expect(train({ ...config, epochs: 2, workers: 2 }, ds, { parallel: { fault: { atStep: 2, kind } } })).rejects.toMatchObject({
        code: 'internal',
        message: expect.stringMatching(kind === 'throw' ? /training worker thread failed \(it threw: injected fault/ : /training worker thread failed \(it exited with code 3\)/),
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('when the worker hangs: a timeout, not a hang', async () => {
    const terminate = vi.spyOn(Worker.prototype, 'terminate');
    // The message proves the worker timeout fired (a real hang would hit the test's own timeout).
    await expect(train({ ...config, epochs: 2, workers: 2 }, ds, { parallel: { fault: { atStep: 2, kind: 'hang' }, timeoutMs: 1500 } })).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/did not send its gradients within 2 s/),
    });
    expect(terminate).toHaveBeenCalledTimes(1);
  });
});

describe('choosing the number of workers', () => {
  it('"auto" measures 1 and 2 workers before the first step, says which it chose, and trains exactly as that many would', async () => {
    const events: TrainEvent[] = [];
    const auto = await train({ ...config, epochs: 1 }, ds, { keepModel: true, onProgress: (e) => events.push(e) });
    const plan = events[0];
    expect(plan.type).toBe('plan');
    if (plan.type !== 'plan') return;
    const probe = plan.probe!;
    expect(probe.oneImagesPerSec).toBeGreaterThan(0);
    expect(probe.twoImagesPerSec).toBeGreaterThan(0);
    expect(probe.chosen).toBe(probe.twoImagesPerSec! >= 1.1 * probe.oneImagesPerSec ? 2 : 1);
    expect(probe.note).toMatch(/in a probe \(\d+ vs \d+ img\/s\)$/);
    expect(auto.workers).toBe(probe.chosen);
    expect(plan.workers).toBe(probe.chosen);
    expect(events.filter((e) => e.type === 'step').every((e) => e.type === 'step' && e.workers === probe.chosen)).toBe(true);
    // The probe trained a throwaway copy: the run's weights are bit-identical to a run told the same count.
    const fixed = await train({ ...config, epochs: 1, workers: probe.chosen }, ds, { keepModel: true });
    expect(maxDiff(weights(auto), weights(fixed))).toBe(0);
    console.log(`workers probe on 16x16 RGBA, batch 32: ${probe.note}`);
    auto.model!.dispose();
    fixed.model!.dispose();
  });

  it('a resumed "auto" run keeps the workers it trained with (no new probe)', async () => {
    const dir = path.join(tmp, 'auto-resume');
    await train({ ...config, epochs: 1, workers: 2 }, ds, { checkpointDir: dir });
    const events: TrainEvent[] = [];
    const resumed = await train({ ...config, epochs: 2 }, ds, { checkpointDir: dir, resume: true, onProgress: (e) => events.push(e) });
    expect(resumed.workers).toBe(2);
    expect(events.some((e) => e.type === 'plan')).toBe(false);
  });

  it('refuses 2 workers where the batch does not split, and "auto" falls back to 1', async () => {
    await expect(train({ ...config, epochs: 1, workers: 2, freeBits: 0.1 }, ds)).rejects.toMatchObject({ code: 'unsupported', message: expect.stringMatching(/free bits/) });
    // The calibrated decoder splits (each step uses the running s^2 of earlier batches).
    expect((await train({ ...config, epochs: 1, workers: 2, likelihood: 'gaussian-calibrated', gaussianMean: 'linear' }, ds)).workers).toBe(2);
    expect((await train({ ...config, epochs: 1, freeBits: 0.1 }, ds)).workers).toBe(1);
    expect((await train({ ...config, epochs: 1, batchSize: 16 }, ds)).workers).toBe(1);
  });

  it('"auto" trains on 1 worker when the worker thread cannot start; an explicit 2 fails', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const parallel = { workerFile: '/nonexistent/train-worker.js' };
    const result = await train({ ...config, epochs: 1 }, ds, { parallel });
    expect(result).toMatchObject({ status: 'completed', workers: 1 });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/Training on 1 worker: the second could not start/));
    await expect(train({ ...config, epochs: 1, workers: 2 }, ds, { parallel })).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/training worker thread failed/) });
  });

  it('uses 1 worker on the cpu backend and refuses 2 there', async () => {
    await tf.setBackend('cpu');
    try {
      const small = { ...config, architecture: 'mlp' as const, hiddenUnits: [16], epochs: 1 };
      expect((await train(small, ds)).workers).toBe(1);
      await expect(train({ ...small, workers: 2 }, ds)).rejects.toMatchObject({ code: 'unsupported', message: expect.stringMatching(/cpu backend/) });
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
