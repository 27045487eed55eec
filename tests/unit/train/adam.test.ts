import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig } from '../../../src/model/config';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';
import { Adam, cooledLearningRate } from '../../../src/train/adam';
import { trainStep } from '../../../src/train/step';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Adam', () => {
  it('takes the same steps as tf.train.adam', () => {
    const target = tf.tensor1d([1, -2, 3]);
    const ours = tf.variable(tf.tensor1d([0.5, 0.5, 0.5]));
    const theirs = tf.variable(tf.tensor1d([0.5, 0.5, 0.5]));
    const adam = new Adam({ learningRate: 0.05 });
    const ref = tf.train.adam(0.05);
    for (let i = 0; i < 50; i++) {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(ours, target))) as tf.Scalar, [ours]);
      adam.apply([{ name: 'p', variable: ours }], { p: grads[ours.name] });
      tf.dispose(grads);
      ref.minimize(() => tf.sum(tf.square(tf.sub(theirs, target))) as tf.Scalar, false, [theirs]);
    }
    const a = ours.dataSync();
    const b = theirs.dataSync();
    // tf.train.adam keeps b^t in float32 accumulators; ours computes it in double: ~1e-5 apart after 50 steps.
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i], 4);
    expect(adam.iterations).toBe(50);
  });

  it('restored from its saved state continues exactly as if never interrupted', () => {
    const run = (split: number | null) => {
      const p = tf.variable(tf.tensor1d([0.3, -0.7]));
      let adam = new Adam({ learningRate: 0.1 });
      for (let i = 0; i < 20; i++) {
        if (i === split) {
          const saved = Object.fromEntries(Object.entries(adam.state()).map(([k, v]) => [k, v.clone()]));
          const it = adam.iterations;
          adam.dispose();
          adam = new Adam({ learningRate: 0.1 });
          adam.setState(it, saved);
        }
        const g = tf.tidy(() => tf.mul(tf.sin(tf.mul(p, 3)), 2));
        adam.apply([{ name: 'p', variable: p }], { p: g });
        g.dispose();
      }
      const out = Array.from(p.dataSync());
      p.dispose();
      adam.dispose();
      return out;
    };
    expect(run(7)).toEqual(run(null));
  });
});

describe('Adam: per-parameter step counts', () => {
  // The hierarchy's posterior corrections for z2 get a zero gradient until the KL warm-up ends.
  // With the global count t in the bias correction, their first real step would be
  // lr * (1 - b1) g / (1 - b1^t) / sqrt((1 - b2) g^2 / (1 - b2^t)), up to ~5x lr for t ~ 100s.
  it('a parameter whose gradient is zero for k steps and then g takes exactly lr * sign(g) on its first real step', () => {
    const lr = 0.01;
    const k = 150;
    const g = [0.3, -2, 1e-3, -7e-4];
    const always = tf.variable(tf.tensor1d([0.5]));
    const late = tf.variable(tf.tensor1d([1, 1, 1, 1]));
    const adam = new Adam({ learningRate: lr, epsilon: 1e-12 });
    const params = [
      { name: 'always', variable: always },
      { name: 'late', variable: late },
    ];
    for (let i = 0; i < k; i++) {
      const grads = { always: tf.tensor1d([0.2]), late: tf.zeros([4]) };
      adam.apply(params, grads);
      tf.dispose(Object.values(grads));
    }
    // Zero gradients moved nothing and started no count.
    expect(Array.from(late.dataSync())).toEqual([1, 1, 1, 1]);
    const grads = { always: tf.tensor1d([0.2]), late: tf.tensor1d(g) };
    adam.apply(params, grads);
    tf.dispose(Object.values(grads));
    // Bias-corrected m / sqrt(v) = g / |g|: the step is lr * sign(g), whatever |g| is.
    const after = late.dataSync();
    for (let i = 0; i < g.length; i++) expect(after[i]).toBeCloseTo(1 - lr * Math.sign(g[i]), 6);
    expect(adam.parameterSteps()).toEqual({ always: k + 1, late: 1 });
    expect(adam.iterations).toBe(k + 1);
    tf.dispose([always, late]);
    adam.dispose();
  });

  it('keeps each parameter count through its saved state; a state saved without counts (older checkpoints) uses the global count for every parameter', () => {
    const p = tf.variable(tf.tensor1d([0.4]));
    const q = tf.variable(tf.tensor1d([0.4]));
    const params = [
      { name: 'p', variable: p },
      { name: 'q', variable: q },
    ];
    const step = (adam: Adam, qGrad: number) => {
      const grads = { p: tf.tensor1d([0.5]), q: tf.tensor1d([qGrad]) };
      adam.apply(params, grads);
      tf.dispose(Object.values(grads));
    };
    const adam = new Adam({ learningRate: 0.1 });
    for (let i = 0; i < 5; i++) step(adam, 0);
    for (let i = 0; i < 3; i++) step(adam, 1);
    expect(adam.parameterSteps()).toEqual({ p: 8, q: 3 });
    const saved = Object.fromEntries(Object.entries(adam.state()).map(([key, v]) => [key, v.clone()]));
    const restored = new Adam({ learningRate: 0.1 });
    restored.setState(adam.iterations, saved, adam.parameterSteps());
    expect(restored.parameterSteps()).toEqual({ p: 8, q: 3 });
    const legacy = new Adam({ learningRate: 0.1 });
    legacy.setState(adam.iterations, saved);
    expect(legacy.parameterSteps()).toEqual({ p: 8, q: 8 });
    tf.dispose([p, q, ...Object.values(saved)]);
    [adam, restored, legacy].forEach((a) => a.dispose());
  });
});

describe('Adam on the hierarchy: z2 opening after the KL warm-up', () => {
  it("the posterior weights that waited take their first step of at most lr, not the global count's over-corrected one", () => {
    const cfg = resolveModelConfig({ height: 16, width: 16, channels: 1, architecture: 'hvae', convFilters: [4, 4], denseUnits: 8, latentDim: 2, lowerChannels: 1 });
    const vae = new Vae(cfg, 3);
    const lr = 1e-3;
    const adam = new Adam({ learningRate: lr });
    const rng = new Rng(9);
    const rows = 4;
    const pixels = Float32Array.from({ length: rows * 256 }, () => rng.uniform());
    const warmup = 150;
    const weights = () => Object.fromEntries(vae.store.trainable().map((p) => [p.name, Float32Array.from(p.variable.dataSync())]));
    const start = weights();
    const step = (lowerLayer: boolean) => trainStep(vae, adam, pixels, [rows, 16, 16, 1], rng.normals(rows * vae.noiseDim), { k: 1, beta: 1, freeBits: 0, lowerLayer });
    for (let i = 0; i < warmup; i++) step(false);
    const before = weights();
    const waited = Object.keys(start).filter((name) => start[name].every((v, i) => v === before[name][i]));
    expect(waited.length).toBeGreaterThan(0);
    step(true);
    const after = weights();
    let largest = 0;
    for (const name of waited) for (let i = 0; i < after[name].length; i++) largest = Math.max(largest, Math.abs(after[name][i] - before[name][i]));
    // Each element's first step is lr * g / (|g| + eps): at most lr, and lr where g is not tiny.
    expect(largest).toBeLessThanOrEqual(lr * (1 + 1e-4));
    expect(largest).toBeGreaterThan(lr * 0.99);
    for (const name of waited) expect(adam.parameterSteps()[name]).toBe(1);
    vae.dispose();
    adam.dispose();
  });
});

describe('cooledLearningRate: constant, then half a cosine to 0 over the last share of the steps', () => {
  it('holds the base rate before the cooldown, halves it at its middle and reaches 0 at the end', () => {
    const base = 2e-3;
    // 1,000 steps, the last 40% cooling: steps 0..599 at base, 800 halfway, 1,000 at 0.
    expect(cooledLearningRate(0, 1000, base, 0.4)).toBe(base);
    expect(cooledLearningRate(599, 1000, base, 0.4)).toBe(base);
    expect(cooledLearningRate(600, 1000, base, 0.4)).toBeCloseTo(base, 15);
    expect(cooledLearningRate(800, 1000, base, 0.4)).toBeCloseTo(base / 2, 12);
    // A quarter of the way in: (1 + cos(pi/4)) / 2 of base.
    expect(cooledLearningRate(700, 1000, base, 0.4)).toBeCloseTo((base * (1 + Math.SQRT1_2)) / 2, 12);
    expect(cooledLearningRate(1000, 1000, base, 0.4)).toBeCloseTo(0, 15);
    // Past the planned end (a run whose plan was lowered under it) it stays at 0, never negative.
    expect(cooledLearningRate(1200, 1000, base, 0.4)).toBeCloseTo(0, 15);
  });

  it('never rises over the run, and a cooldown of 0 keeps the rate constant', () => {
    let last = Infinity;
    for (let s = 0; s <= 500; s++) {
      const lr = cooledLearningRate(s, 500, 1e-3, 0.7);
      expect(lr).toBeLessThanOrEqual(last);
      expect(lr).toBeGreaterThanOrEqual(0);
      last = lr;
    }
    for (const s of [0, 250, 500, 900]) expect(cooledLearningRate(s, 500, 1e-3, 0)).toBe(1e-3);
    // A cooldown of the whole run starts falling at the first step.
    expect(cooledLearningRate(1, 500, 1e-3, 1)).toBeLessThan(1e-3);
  });
});
