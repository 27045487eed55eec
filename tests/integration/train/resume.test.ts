import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/data/store';
import { loadModel } from '../../../src/model/load';
import { TrainControl } from '../../../src/train/control';
import type { TrainConfig } from '../../../src/train/config';
import type { TrainEvent } from '../../../src/train/events';
import { train } from '../../../src/train/train';
import { makeShapesDataset } from './fixtures';

let tmp: string;
let ds: Dataset;

const config: Partial<TrainConfig> = {
  architecture: 'mlp',
  hiddenUnits: [32],
  latentDim: 4,
  likelihood: 'bernoulli',
  batchSize: 16,
  seed: 11,
  progressEverySteps: 1,
  previewCount: 4,
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-train-'));
  ds = await makeShapesDataset(path.join(tmp, 'data'), { count: 60, size: 16, channels: 4 });
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function weights(model: { vae: { store: { named(): tf.NamedTensorMap } } }): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(model.vae.store.named()).map(([k, v]) => [k, v.dataSync() as Float32Array]));
}

function maxDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  let d = 0;
  for (const k of Object.keys(a)) for (let i = 0; i < a[k].length; i++) d = Math.max(d, Math.abs(a[k][i] - b[k][i]));
  return d;
}

describe('training with checkpoints', () => {
  let uninterrupted: Record<string, Float32Array>;

  it('is repeatable: the same seed gives the same weights', async () => {
    const a = await train({ ...config, epochs: 4 }, ds, { keepModel: true });
    const b = await train({ ...config, epochs: 4 }, ds, { keepModel: true });
    uninterrupted = weights(a.model!);
    expect(maxDiff(uninterrupted, weights(b.model!))).toBe(0);
    expect(a.status).toBe('completed');
    expect(a.step).toBe(4 * Math.ceil(48 / 16));
    a.model!.dispose();
    b.model!.dispose();
  });

  it('2 epochs, checkpoint, 2 more equals 4 uninterrupted epochs within 1e-5', async () => {
    const dir = path.join(tmp, 'ckpt-resume');
    const first = await train({ ...config, epochs: 2 }, ds, { checkpointDir: dir });
    expect(first.epoch).toBe(2);
    const second = await train({ ...config, epochs: 4 }, ds, { checkpointDir: dir, resume: true, keepModel: true });
    expect(second.epoch).toBe(4);
    expect(second.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(maxDiff(uninterrupted, weights(second.model!))).toBeLessThan(1e-5);
    second.model!.dispose();
  });

  it('stop mid-epoch saves a checkpoint at a step boundary, and resuming from it matches too', async () => {
    const dir = path.join(tmp, 'ckpt-stop');
    const control = new TrainControl();
    const events: TrainEvent[] = [];
    const stopped = await train({ ...config, epochs: 4 }, ds, {
      checkpointDir: dir,
      control,
      onProgress: (e) => {
        events.push(e);
        if (e.type === 'step' && e.step === 5) control.stop();
      },
    });
    expect(stopped.status).toBe('stopped');
    expect(stopped.step).toBe(5);
    expect(events.at(-1)).toMatchObject({ type: 'stopped', step: 5 });
    expect(events.some((e) => e.type === 'checkpoint' && e.step === 5)).toBe(true);
    const resumed = await train({ ...config, epochs: 4 }, ds, { checkpointDir: dir, resume: true, keepModel: true });
    expect(resumed.step).toBe(12);
    expect(maxDiff(uninterrupted, weights(resumed.model!))).toBeLessThan(1e-5);
    resumed.model!.dispose();
  });

  it('writes model.json + weights.bin that loadModel reads back, and keeps only the last two checkpoints', async () => {
    const dir = path.join(tmp, 'ckpt-resume');
    const entries = (await fs.readdir(dir)).sort();
    expect(entries).toEqual(['ckpt-000000009', 'ckpt-000000012', 'latest.json']);
    const files = (await fs.readdir(path.join(dir, 'ckpt-000000012'))).sort();
    expect(files).toEqual(['model.json', 'optimizer.bin', 'optimizer.json', 'state.json', 'weights.bin']);
    const json = JSON.parse(await fs.readFile(path.join(dir, 'ckpt-000000012', 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const state = JSON.parse(await fs.readFile(path.join(dir, 'ckpt-000000012', 'state.json'), 'utf8'));
    expect(state).toMatchObject({ schemaVersion: 1, step: 12, epoch: 4, offset: 0, adamIterations: 12, datasetHash: ds.index.datasetHash });
    expect(state.shuffleState).toHaveLength(4);
    const model = await loadModel(dir);
    expect(maxDiff(uninterrupted, weights(model))).toBeLessThan(1e-5);
    const { mu, logvar } = model.encode(tf.zeros([2, 16, 16, 4]));
    const img = model.decode(mu);
    const noisy = model.decode(mu, { sampleNoise: true, seed: 3 });
    expect(mu.shape).toEqual([2, 4]);
    expect(logvar.shape).toEqual([2, 4]);
    expect(img.shape).toEqual([2, 16, 16, 4]);
    // A Bernoulli pixel-noise sample is binary.
    expect(new Set(noisy.dataSync()).size).toBeLessThanOrEqual(2);
    tf.dispose([mu, logvar, img, noisy]);
    model.dispose();
  });

  it('leaves no tensors behind after loading and disposing a model', async () => {
    const dir = path.join(tmp, 'ckpt-resume');
    (await loadModel(dir)).dispose(); // the first load may create backend-lifetime tensors
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) (await loadModel(dir)).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses to resume on a different dataset', async () => {
    const other = await makeShapesDataset(path.join(tmp, 'data2'), { count: 20, size: 16, channels: 4, seed: 2 });
    await expect(train({ ...config, epochs: 5 }, other, { checkpointDir: path.join(tmp, 'ckpt-resume'), resume: true })).rejects.toThrow(/different dataset/);
  });
});

describe('training loop control', () => {
  it('keeps tf.memory().numTensors flat across steps', async () => {
    const counts: number[] = [];
    await train({ ...config, epochs: 2, valIwaeK: 5 }, ds, { onProgress: (e) => e.type === 'step' && counts.push(tf.memory().numTensors) });
    expect(counts.length).toBe(6);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('leaves no tensors behind after a run', async () => {
    const before = tf.memory().numTensors;
    await train({ ...config, epochs: 1 }, ds);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('pauses at a step boundary and continues on resume', async () => {
    const control = new TrainControl();
    const events: string[] = [];
    const result = await train({ ...config, epochs: 1 }, ds, {
      control,
      onProgress: (e) => {
        events.push(`${e.type}@${e.step}`);
        if (e.type === 'step' && e.step === 1) {
          control.pause();
          setTimeout(() => control.resume(), 50);
        }
      },
    });
    expect(result.status).toBe('completed');
    expect(events.slice(0, 4)).toEqual(['step@1', 'paused@1', 'resumed@1', 'step@2']);
  });

  it('cancels through the AbortSignal with a cancelled error', async () => {
    const ac = new AbortController();
    const before = tf.memory().numTensors;
    await expect(train({ ...config, epochs: 3 }, ds, { signal: ac.signal, onProgress: (e) => e.type === 'step' && e.step === 2 && ac.abort() })).rejects.toMatchObject({ code: 'cancelled' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports step and epoch events with losses, speed, ETA, validation and a preview', async () => {
    const events: TrainEvent[] = [];
    await train({ ...config, epochs: 1 }, ds, { onProgress: (e) => events.push(e) });
    const step = events.find((e) => e.type === 'step');
    expect(step).toMatchObject({ type: 'step', step: 1, epoch: 1, epochs: 1, totalSteps: 3, stepsPerEpoch: 3 });
    if (step?.type !== 'step') throw new Error('no step event');
    for (const k of ['loss', 'recon', 'kl', 'elbo', 'bitsPerDim', 'imagesPerSec', 'etaSec'] as const) expect(Number.isFinite(step[k])).toBe(true);
    const epoch = events.find((e) => e.type === 'epoch');
    if (epoch?.type !== 'epoch') throw new Error('no epoch event');
    expect(epoch.val?.images).toBe(12);
    expect(epoch.val?.klPerDim).toHaveLength(4);
    expect(epoch.preview).toMatchObject({ width: 16, height: 16, channels: 4, count: 4 });
    expect(epoch.preview!.reconstructions.length).toBe(4 * 16 * 16 * 4);
    expect(epoch.preview!.originals).toEqual(ds.pixels.slice(4 * 1024, 5 * 1024).length === 1024 ? expect.any(Uint8Array) : null);
  });
});
