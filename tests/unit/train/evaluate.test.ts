import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig } from '../../../src/model/config';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';
import { fromFloatArray } from '../../../src/train/data';
import { evaluate } from '../../../src/train/evaluate';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function setup() {
  const vae = new Vae(resolveModelConfig({ height: 4, width: 4, channels: 1, architecture: 'mlp', hiddenUnits: [16], latentDim: 3 }), 4);
  const rng = new Rng(9);
  const data = Float32Array.from({ length: 6 * 16 }, () => rng.uniform());
  const source = fromFloatArray({ data, height: 4, width: 4, channels: 1, splits: ['val', 'val', 'val', 'val', 'val', 'train'] });
  return { vae, source };
}

describe('evaluate', () => {
  it('computes the IWAE estimate in bounded chunks with the same result as one pass', async () => {
    const { vae, source } = setup();
    const one = await evaluate(vae, source, { iwaeK: 300, seed: 1, maxRowsPerChunk: 1_000_000 });
    const chunked = await evaluate(vae, source, { iwaeK: 300, seed: 1, maxRowsPerChunk: 35 });
    for (let i = 0; i < 5; i++) expect(chunked.perImage.logLikelihood![i]).toBeCloseTo(one.perImage.logLikelihood![i], 4);
    expect(one.images).toBe(5);
    vae.dispose();
  });

  it('handles k = 5000 without growing memory and refuses more', async () => {
    const { vae, source } = setup();
    const before = tf.memory().numTensors;
    const r = await evaluate(vae, source, { iwaeK: 5000, seed: 2, maxRowsPerChunk: 2000 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(r.iwae!.logLikelihood)).toBe(true);
    expect(r.iwae!.logLikelihood).toBeGreaterThanOrEqual(r.elbo - 1);
    await expect(evaluate(vae, source, { iwaeK: 5001 })).rejects.toThrow(/0 to 5000/);
    vae.dispose();
  });

  it('says what is wrong when there is nothing to evaluate or the shapes differ', async () => {
    const { vae } = setup();
    const noVal = fromFloatArray({ data: new Float32Array(32), height: 4, width: 4, channels: 1 });
    await expect(evaluate(vae, noVal)).rejects.toMatchObject({ code: 'empty_dataset' });
    const other = fromFloatArray({ data: new Float32Array(18), height: 3, width: 3, channels: 1, splits: ['val', 'val'] });
    await expect(evaluate(vae, other)).rejects.toThrow(/4x4x1/);
    vae.dispose();
  });

  it('counts active units from the spread of posterior means', async () => {
    const { vae, source } = setup();
    // Make mu_0 follow the first pixel strongly, the other dimensions nearly constant.
    const head = vae.store.get('encoder/head/kernel');
    const w = new Float32Array(16 * 6);
    head.assign(tf.tensor2d(w, [16, 6]));
    vae.store.get('encoder/dense0/kernel').assign(tf.eye(16, 16).slice([0, 0], [16, 16]));
    const w2 = new Float32Array(16 * 6);
    w2[0 * 6 + 0] = 5; // mu_0 = 5 * relu(pixel 0)
    head.assign(tf.tensor2d(w2, [16, 6]));
    const r = await evaluate(vae, source);
    expect(r.activeUnits).toBe(1);
    expect(r.latentVariance[0]).toBeGreaterThan(0.01);
    expect(r.latentVariance[1]).toBeLessThan(1e-12);
    vae.dispose();
  });
});
