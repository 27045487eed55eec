import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/model/load';
import { resolveModelConfig } from '../../../src/model/config';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';
import { Adam } from '../../../src/train/adam';
import { loadCheckpoint, saveCheckpoint } from '../../../src/train/checkpoint';
import { resolveTrainConfig } from '../../../src/train/config';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-ckpt-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function makeState(step: number) {
  const shape = { height: 4, width: 4, channels: 1 };
  return {
    step,
    epoch: 1,
    offset: 0,
    shuffleState: new Rng(1).state(),
    noiseState: new Rng(2).state(),
    config: resolveTrainConfig({ architecture: 'mlp', hiddenUnits: [8], latentDim: 2 }, shape),
    datasetHash: 'abc',
    backend: 'cpu',
    history: [],
  };
}

describe('checkpoints', () => {
  it('a half-written newer checkpoint never replaces the last complete one', async () => {
    const dir = path.join(tmp, 'a');
    const vae = new Vae(resolveModelConfig({ height: 4, width: 4, channels: 1, architecture: 'mlp', hiddenUnits: [8], latentDim: 2 }), 1);
    const adam = new Adam({ learningRate: 1e-3 });
    await saveCheckpoint(dir, vae, adam, makeState(3));
    // A crash during the next save leaves a partial folder and the old latest.json.
    await fs.mkdir(path.join(dir, 'ckpt-000000007'));
    await fs.writeFile(path.join(dir, 'ckpt-000000007', 'weights.bin'), new Uint8Array(10));
    const ck = await loadCheckpoint(dir);
    expect(ck.state.step).toBe(3);
    expect(ck.state.shuffleState).toEqual(new Rng(1).state());
    const a = vae.store.get('encoder/dense0/kernel').dataSync();
    expect(Array.from(ck.model.vae.store.get('encoder/dense0/kernel').dataSync())).toEqual(Array.from(a));
    ck.model.dispose();
    tf.dispose(ck.optimizer.tensors);
    // The next successful save removes the leftovers.
    await saveCheckpoint(dir, vae, adam, makeState(9));
    expect((await fs.readdir(dir)).sort()).toEqual(['ckpt-000000003', 'ckpt-000000009', 'latest.json']);
    vae.dispose();
    adam.dispose();
  });

  it('explains a damaged or missing checkpoint', async () => {
    const dir = path.join(tmp, 'b');
    const vae = new Vae(resolveModelConfig({ height: 4, width: 4, channels: 1, architecture: 'mlp', hiddenUnits: [8], latentDim: 2 }), 1);
    const adam = new Adam({ learningRate: 1e-3 });
    const saved = await saveCheckpoint(dir, vae, adam, makeState(1));
    await fs.truncate(path.join(saved, 'weights.bin'), 12);
    await expect(loadModel(dir)).rejects.toThrow(/damaged/);
    await expect(loadCheckpoint(path.join(tmp, 'nothing-here'))).rejects.toMatchObject({ code: 'not_found' });
    await expect(loadModel(path.join(tmp, 'nothing-here'))).rejects.toMatchObject({ code: 'not_found' });
    vae.dispose();
    adam.dispose();
  });
});

describe('checkpoints: Adam step counts', () => {
  it("keeps each parameter's own Adam count through a save and load; an older checkpoint without them loads with the global count", async () => {
    const dir = path.join(tmp, 'counts');
    const vae = new Vae(resolveModelConfig({ height: 4, width: 4, channels: 1, architecture: 'mlp', hiddenUnits: [8], latentDim: 2 }), 1);
    const adam = new Adam({ learningRate: 1e-3 });
    const params = vae.store.trainable();
    // One parameter's gradient stays zero for the first 4 of 6 steps (as z2's posterior does during the warm-up).
    const late = params[0].name;
    for (let i = 0; i < 6; i++) {
      const grads = Object.fromEntries(params.map((p) => [p.name, p.name === late && i < 4 ? tf.zerosLike(p.variable) : tf.onesLike(p.variable)]));
      adam.apply(params, grads);
      tf.dispose(Object.values(grads));
    }
    const counts = adam.parameterSteps();
    expect(counts[late]).toBe(2);
    expect(counts[params[1].name]).toBe(6);
    const saved = await saveCheckpoint(dir, vae, adam, makeState(6));
    const ck = await loadCheckpoint(dir);
    expect(ck.optimizer.iterations).toBe(6);
    expect(ck.optimizer.parameterSteps).toEqual(counts);
    const restored = new Adam({ learningRate: 1e-3 });
    restored.setState(ck.optimizer.iterations, ck.optimizer.tensors, ck.optimizer.parameterSteps);
    expect(restored.parameterSteps()).toEqual(counts);
    ck.model.dispose();
    tf.dispose(ck.optimizer.tensors);
    // A checkpoint from before per-parameter counts: optimizer.json has only the global count.
    const jsonPath = path.join(saved, 'optimizer.json');
    const json = JSON.parse(await fs.readFile(jsonPath, 'utf8'));
    delete json.userDefinedMetadata.parameterSteps;
    await fs.writeFile(jsonPath, JSON.stringify(json));
    const old = await loadCheckpoint(dir);
    expect(old.optimizer.parameterSteps).toBeUndefined();
    const legacy = new Adam({ learningRate: 1e-3 });
    legacy.setState(old.optimizer.iterations, old.optimizer.tensors, old.optimizer.parameterSteps);
    expect(legacy.parameterSteps()).toEqual(Object.fromEntries(params.map((p) => [p.name, 6])));
    old.model.dispose();
    tf.dispose(old.optimizer.tensors);
    [adam, restored, legacy].forEach((a) => a.dispose());
    vae.dispose();
  });
});

describe('train config', () => {
  it('fills defaults and rejects values a user could mistype, saying which', () => {
    const cfg = resolveTrainConfig({}, { height: 32, width: 32, channels: 4 });
    expect(cfg).toMatchObject({
      learningRate: 1e-3,
      batchSize: 64,
      epochs: 10,
      beta: 1,
      iwaeK: 1,
      warmupSteps: 500,
      model: { architecture: 'hvae', latentDim: 16, likelihood: 'gaussian-calibrated', gaussianMean: 'linear', lowerChannels: 8, convFilters: [32, 64, 64] },
    });
    const shape = { height: 32, width: 32, channels: 4 };
    expect(() => resolveTrainConfig({ learningRate: 5 }, shape)).toThrow(/Learning rate 5/);
    expect(() => resolveTrainConfig({ batchSize: 0 }, shape)).toThrow(/batchSize/);
    expect(() => resolveTrainConfig({ valIwaeK: 6000 }, shape)).toThrow(/5000/);
    expect(() => resolveTrainConfig({ freeBits: -1 }, shape)).toThrow(/Free bits/);
  });
});
