import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/choose';
import { encodeDataset } from '../../../src/latent/encode';
import { interpolate } from '../../../src/latent/operations';
import { releaseRunModel } from '../../../src/latent/run-model';
import { latentSession } from '../../../src/latent/session';
import { FLAT_CONV_CONFIG } from '../../../src/model/config';
import { train } from '../../../src/train/train';
import { makeShapesDataset } from '../train/fixtures';

let tmp: string;
let dataset: string;
let runDir: string;

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-geodesic-'));
  dataset = path.join(tmp, 'ds');
  runDir = path.join(tmp, 'run');
  const ds = await makeShapesDataset(dataset, { count: 240, size: 16, channels: 3, seed: 4 });
  // A small conv VAE trained for a few epochs: enough for a curved decoder.
  await train({ ...FLAT_CONV_CONFIG, latentDim: 4, epochs: 8, batchSize: 32, learningRate: 3e-3, warmupSteps: 0, seed: 2, previewCount: 0, valIwaeK: 0 }, ds, { checkpointDir: runDir });
});

afterAll(async () => {
  releaseRunModel();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('geodesic interpolation on a trained model', () => {
  it('encodes a dataset without leaking tensors', async () => {
    const s = await latentSession(runDir, dataset);
    const before = tf.memory().numTensors;
    const again = await encodeDataset(s.run.model, s.dataset, { batchSize: 100 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(again.mu)).toEqual(Array.from(s.latents.mu));
  });

  it('finds a path shorter in image space than the straight line, keeping the endpoints', async () => {
    const s = await latentSession(runDir, dataset);
    // The two images whose means are farthest apart: the straight line between them crosses the most.
    const { mu, count, latentDim: J } = s.latents;
    let far = { a: 0, b: 1, d: -1 };
    for (let a = 0; a < count; a++)
      for (let b = a + 1; b < count; b++) {
        let d = 0;
        for (let j = 0; j < J; j++) d += (mu[a * J + j] - mu[b * J + j]) ** 2;
        if (d > far.d) far = { a, b, d };
      }
    const spec = { runDir, dataset, waypoints: [{ index: far.a }, { index: far.b }], frames: 12, axes: null };
    const run = () => interpolate({ ...spec, method: 'geodesic', geodesic: { iterations: 150, learningRate: 0.05, tolerance: 1e-4 } });
    await run(); // the first run also creates the backend's one-time tensors
    const before = tf.memory().numTensors;
    const geo = await run();
    expect(tf.memory().numTensors).toBe(before);
    expect(geo.geodesic!.energyEnd).toBeLessThan(geo.geodesic!.energyStart);
    expect(geo.length).toBeLessThan(geo.linearLength * 0.99);
    expect(geo.z[0]).toEqual(Array.from(mu.subarray(far.a * J, (far.a + 1) * J)));
    expect(geo.z[11]).toEqual(Array.from(mu.subarray(far.b * J, (far.b + 1) * J)));
    const lin = await interpolate({ ...spec, method: 'linear', geodesic: { iterations: 1, learningRate: 0.05, tolerance: 0 } });
    expect(lin.length).toBeCloseTo(geo.linearLength, 4);
    expect(lin.z[5]).not.toEqual(geo.z[5]);
  });
});
