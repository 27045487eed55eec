/**
 * The hierarchical VAE (vae-theory.md section 7) against closed forms and limits: the layer
 * KLs, the flat VAE as the limit with the lower layer switched off, and the ELBO against a
 * Monte Carlo estimate of the same expression written with log-densities.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig, type ModelConfig } from '../../../src/model/config';
import { gaussianKlMaps, logGaussianMap, lowerLatentShapes } from '../../../src/model/hierarchy';
import { loadModel, saveModel, wrapModel } from '../../../src/model/load';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = (over: Partial<ModelConfig> = {}): ModelConfig =>
  resolveModelConfig({ height: 16, width: 16, channels: 4, architecture: 'hvae', convFilters: [8, 8], denseUnits: 16, latentDim: 3, lowerChannels: 2, ...over });

function images(rng: Rng, n: number, size: number, c: number): tf.Tensor4D {
  return tf.tensor4d(
    Float32Array.from({ length: n * size * size * c }, () => rng.uniform()),
    [n, size, size, c],
  );
}

/** KL(N(a, A) || N(b, B)) for scalars, in double precision. */
const klScalar = (a: number, A: number, b: number, B: number) => 0.5 * (Math.log(B / A) + (A + (a - b) ** 2) / B - 1);

describe('hierarchical VAE: shapes', () => {
  for (const size of [16, 24, 32, 48, 64]) {
    it(`${size}x${size} RGBA: z1 is flat, z2 is a map one level above the smallest (with the fine map at twice its side from 24x24 up), outputs match the input`, () => {
      const cfg = resolveModelConfig({ height: size, width: size, channels: 4, latentDim: 5 });
      expect(cfg.architecture).toBe('hvae');
      const vae = new Vae(cfg, 1);
      const maps = lowerLatentShapes(cfg);
      const [h, w, c] = maps[0];
      expect(h).toBeLessThanOrEqual(8);
      expect(h).toBeGreaterThanOrEqual(6);
      expect(maps.slice(1)).toEqual(size >= 24 ? [[2 * h, 2 * w, c]] : []);
      expect(vae.noiseDim).toBe(5 + maps.reduce((t, [a, b, d]) => t + a * b * d, 0));
      const shapes = tf.tidy(() => {
        const x = tf.zeros([2, size, size, 4]) as tf.Tensor4D;
        const { mu } = vae.encode(x);
        return [mu.shape, vae.decodeMean(mu).shape, vae.reconstructRaw(x).shape];
      });
      expect(shapes).toEqual([
        [2, 5],
        [2, size, size, 4],
        [2, size, size, 4],
      ]);
      vae.dispose();
    });
  }
});

describe('hierarchical VAE with two spatial layers', () => {
  it('stacks a coarse map (the smallest) over the fine one, coarsest first in noise, offsets and KLs', () => {
    const cfg = resolveModelConfig({ height: 32, width: 32, channels: 4, latentDim: 5, lowerLayers: 2, lowerChannels: 3, fineLatent: false });
    expect(lowerLatentShapes(cfg)).toEqual([
      [4, 4, 3],
      [8, 8, 3],
    ]);
    const vae = new Vae(cfg, 1);
    expect(vae.lowerSizes).toEqual([48, 192]);
    expect(vae.noiseDim).toBe(5 + 48 + 192);
    const rng = new Rng(2);
    const x = images(rng, 2, 32, 4);
    const t = vae.objective(x, tf.tensor3d(rng.normals(2 * vae.noiseDim), [1, 2, vae.noiseDim]), { beta: 1, freeBits: 0, mode: 'train' });
    expect(t.klLayers).toHaveLength(3);
    expect(t.kl.dataSync()[0]).toBeCloseTo(
      t.klLayers.reduce((s, k) => s + k.dataSync()[0], 0),
      3,
    );
    expect(vae.lowerOffsets(x)!.shape).toEqual([2, 240]);
    vae.dispose();
  });
});

describe('hierarchical VAE with the fine spatial layer', () => {
  it("adds a map at twice z2's resolution below it (16x16 at 32x32), last in noise, offsets and KLs; the offsets give back the reconstruction", () => {
    const cfg = resolveModelConfig({ height: 32, width: 32, channels: 4, latentDim: 5, lowerChannels: 3, fineLatent: true });
    expect(lowerLatentShapes(cfg)).toEqual([
      [8, 8, 3],
      [16, 16, 3],
    ]);
    const vae = new Vae(cfg, 1);
    expect(vae.lowerSizes).toEqual([192, 768]);
    const rng = new Rng(5);
    const x = images(rng, 2, 32, 4);
    const t = vae.objective(x, tf.tensor3d(rng.normals(2 * vae.noiseDim), [1, 2, vae.noiseDim]), { beta: 1, freeBits: 0, mode: 'train' });
    expect(t.klLayers).toHaveLength(3);
    expect(t.kl.dataSync()[0]).toBeCloseTo(
      t.klLayers.reduce((s, k) => s + k.dataSync()[0], 0),
      3,
    );
    // Prior means plus each image's offsets, decoded from z1 = mu(x), is the reconstruction.
    const offsets = vae.lowerOffsets(x)!;
    expect(offsets.shape).toEqual([2, 960]);
    const viaOffsets = vae.decodeRaw(vae.encode(x).mu, undefined, 1, offsets).dataSync();
    const recon = vae.reconstructRaw(x).dataSync();
    let worst = 0;
    for (let i = 0; i < recon.length; i++) worst = Math.max(worst, Math.abs(recon[i] - viaOffsets[i]));
    expect(worst).toBeLessThan(1e-4);
    vae.dispose();
  });

  it('is on by default from 32x32, and off below (no finer map to put it on) and for the flat models', () => {
    expect(resolveModelConfig({ height: 32, width: 32, channels: 4 }).fineLatent).toBe(true);
    expect(resolveModelConfig({ height: 64, width: 64, channels: 4 }).fineLatent).toBe(true);
    const small = resolveModelConfig({ height: 16, width: 16, channels: 4, fineLatent: true });
    expect(small.fineLatent).toBe(false);
    expect(lowerLatentShapes(small)).toHaveLength(1);
    expect(resolveModelConfig({ height: 32, width: 32, channels: 4, architecture: 'conv' }).fineLatent).toBe(false);
  });
});

describe('a model saved before the fine layer existed', () => {
  it('loads without it (its config has no fineLatent), though new models at 32x32 have it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'atlas-fine-'));
    try {
      const before = new Vae(resolveModelConfig({ height: 32, width: 32, channels: 4, latentDim: 3, fineLatent: false }), 2);
      await saveModel(before, dir, { step: 1, epoch: 1, datasetHash: 'h' });
      const file = path.join(dir, 'model.json');
      const json = JSON.parse(await readFile(file, 'utf8'));
      delete json.userDefinedMetadata.modelConfig.fineLatent;
      await writeFile(file, JSON.stringify(json));
      const old = await loadModel(dir);
      expect(old.config.fineLatent).toBe(false);
      expect(old.vae.lowerSizes).toEqual([8 * 8 * 8]);
      const x = images(new Rng(3), 2, 32, 4);
      expect(Array.from(old.vae.reconstructRaw(x).dataSync())).toEqual(Array.from(before.reconstructRaw(x).dataSync()));
      old.dispose();
      before.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('hierarchical VAE: KL of the lower layer', () => {
  it('matches the closed form KL between diagonal Gaussians, element by element', () => {
    const rng = new Rng(3);
    const shape: [number, number, number, number] = [2, 2, 2, 3];
    const n = 24;
    const qm = Float32Array.from(rng.normals(n));
    const pm = Float32Array.from(rng.normals(n));
    const ql = Float32Array.from(rng.normals(n), (v) => 0.5 * v);
    const pl = Float32Array.from(rng.normals(n), (v) => 0.5 * v);
    const t = (v: Float32Array) => tf.tensor4d(v, shape);
    const kl = gaussianKlMaps({ mean: t(qm), logvar: t(ql) }, { mean: t(pm), logvar: t(pl) }).dataSync();
    for (let img = 0; img < 2; img++) {
      let want = 0;
      for (let i = img * 12; i < (img + 1) * 12; i++) want += klScalar(qm[i], Math.exp(ql[i]), pm[i], Math.exp(pl[i]));
      expect(kl[img]).toBeCloseTo(want, 4);
    }
  });

  it('is 0 when the posterior equals the prior and positive otherwise', () => {
    const m = tf.tensor4d([0.3, -1, 2, 0.5], [1, 2, 2, 1]);
    const l = tf.tensor4d([0.1, -0.4, 0.2, 1], [1, 2, 2, 1]);
    expect(gaussianKlMaps({ mean: m, logvar: l }, { mean: m, logvar: l }).dataSync()[0]).toBeCloseTo(0, 6);
    expect(gaussianKlMaps({ mean: tf.add(m, 0.1) as tf.Tensor4D, logvar: l }, { mean: m, logvar: l }).dataSync()[0]).toBeGreaterThan(0);
  });

  it('log-density of a map equals the sum of scalar Gaussian log-densities', () => {
    const z = tf.tensor4d([0.2, -0.7], [1, 1, 1, 2]);
    const g = { mean: tf.tensor4d([0, 1], [1, 1, 1, 2]), logvar: tf.tensor4d([0, Math.log(4)], [1, 1, 1, 2]) };
    const lp = (x: number, m: number, v: number) => -0.5 * (Math.log(2 * Math.PI * v) + (x - m) ** 2 / v);
    expect(logGaussianMap(z, g).dataSync()[0]).toBeCloseTo(lp(0.2, 0, 1) + lp(-0.7, 1, 4), 5);
  });
});

/** Switch the lower layer off: q(z2|x,z1) = p(z2|z1) and the decoder ignores z2. */
function removeLowerLayer(vae: Vae): void {
  for (const name of vae.store.names())
    if (/^(encoder\/lower\/|decoder\/lowerProjection\/|encoder\/coarse\/|decoder\/coarse\/projection\/)/.test(name)) {
      const v = vae.store.get(name);
      v.assign(tf.zerosLike(v));
    }
}

describe('hierarchical VAE: limits and the ELBO', () => {
  it.each([1, 2] as const)('with the spatial layers removed (%s of them) it is the flat VAE over z1: KL2 = 0 and ELBO = -(E[-log p(x|z1)] + KL(q(z1|x) || N(0, I)))', (lowerLayers) => {
    // Straight colour: the hand-written likelihood below compares x with the decoder's mean as is
    // (a premultiplied model compares rgb * a; premultiplied.test.ts checks that).
    const vae = new Vae(tiny({ likelihood: 'gaussian-fixed', gaussianSigma: 0.2, lowerLayers, alpha: 'straight' }), 4);
    removeLowerLayer(vae);
    const rng = new Rng(7);
    const x = images(rng, 3, 16, 4);
    const eps = rng.normals(3 * vae.noiseDim);
    const J = 3;
    const terms = vae.objective(x, tf.tensor3d(eps, [1, 3, vae.noiseDim]), { beta: 1, freeBits: 0, mode: 'eval' });
    expect(terms.klLayers).toHaveLength(1 + lowerLayers);
    for (const k of terms.klLayers.slice(1)) expect(k.dataSync()[0]).toBeCloseTo(0, 5);
    // The flat formula, computed by hand from the top posterior and the decoder of z1.
    const { mu, logvar } = vae.encode(x);
    const m = mu.arraySync() as number[][];
    const lv = logvar.arraySync() as number[][];
    const z1 = m.map((row, b) => row.map((v, j) => v + Math.exp(lv[b][j] / 2) * eps[b * vae.noiseDim + j]));
    const mean = vae.decodeMean(tf.tensor2d(z1)).dataSync();
    const xs = x.dataSync();
    let nll = 0;
    for (let i = 0; i < xs.length; i++) nll += (xs[i] - mean[i]) ** 2 / (2 * 0.04) + Math.log(0.2) + 0.5 * Math.log(2 * Math.PI);
    let kl = 0;
    for (let b = 0; b < 3; b++) for (let j = 0; j < J; j++) kl += klScalar(m[b][j], Math.exp(lv[b][j]), 0, 1);
    expect(terms.recon.dataSync()[0]).toBeCloseTo(nll / 3, 1);
    expect(terms.kl.dataSync()[0]).toBeCloseTo(kl / 3, 3);
    expect(terms.elbo.dataSync()[0]).toBeCloseTo(-(nll + kl) / 3, 1);
    vae.dispose();
  });

  it('the ELBO with analytic KLs equals a Monte Carlo estimate of E_q[log p(x|z1,z2) + log p(z1) + log p(z2|z1) - log q(z1|x) - log q(z2|x,z1)]', () => {
    const vae = new Vae(tiny({ likelihood: 'bernoulli' }), 5);
    // Make the lower layer matter: a posterior away from its prior.
    for (const name of vae.store.names())
      if (name.startsWith('encoder/lower/')) {
        const v = vae.store.get(name);
        v.assign(tf.mul(v, 8));
      }
    const rng = new Rng(11);
    const x = images(rng, 2, 16, 4);
    const k = 300;
    const { mu, logvar } = vae.encode(x);
    const eps = tf.tensor3d(rng.normals(k * 2 * vae.noiseDim), [k, 2, vae.noiseDim]);
    // MC of the ELBO from log-densities of the sampled latents (the IWAE log-weights).
    const logW = vae.logWeights(x, mu, logvar, eps).arraySync() as number[][];
    const mc = [0, 1].map((b) => logW.reduce((s, row) => s + row[b], 0) / k);
    const mcSd = [0, 1].map((b) => Math.sqrt(logW.reduce((s, row) => s + (row[b] - mc[b]) ** 2, 0) / (k - 1) / k));
    // The objective's ELBO: analytic KL(z1), analytic KL(z2 | sampled z1), sampled recon.
    const t = vae.sampledTerms(x, mu, logvar, eps);
    const nll = t.nll.arraySync() as number[][];
    const kl2 = tf.addN(t.klLower).arraySync() as number[][];
    const m = mu.arraySync() as number[][];
    const lv = logvar.arraySync() as number[][];
    for (const b of [0, 1]) {
      let kl1 = 0;
      for (let j = 0; j < 3; j++) kl1 += klScalar(m[b][j], Math.exp(lv[b][j]), 0, 1);
      const analytic = -(nll.reduce((s, r) => s + r[b], 0) / k) - kl1 - kl2.reduce((s, r) => s + r[b], 0) / k;
      expect(kl2[0][b]).toBeGreaterThan(1);
      expect(Math.abs(analytic - mc[b])).toBeLessThan(4 * mcSd[b] + 0.05);
    }
    vae.dispose();
  });

  it('trains on the sum of both KLs: the objective reports each layer and their sum is the total KL', () => {
    const vae = new Vae(tiny(), 6);
    const rng = new Rng(2);
    const x = images(rng, 4, 16, 4);
    const t = vae.objective(x, tf.tensor3d(rng.normals(4 * vae.noiseDim), [1, 4, vae.noiseDim]), { beta: 1, freeBits: 0, mode: 'train' });
    const [k1, k2] = t.klLayers.map((s) => s.dataSync()[0]);
    expect(t.kl.dataSync()[0]).toBeCloseTo(k1 + k2, 4);
    expect(t.elbo.dataSync()[0]).toBeCloseTo(-(t.recon.dataSync()[0] + k1 + k2), 2);
    vae.dispose();
  });

  it('decodes prior samples: z2 at its prior mean by default, drawn at a temperature with a seed, and leaks no tensors', () => {
    const vae = new Vae(tiny(), 8);
    const model = wrapModel(vae, { schemaVersion: 1, modelConfig: vae.config, step: 0, epoch: 0, datasetHash: 'x' });
    const z = tf.tensor2d([
      [0.5, -1, 0.2],
      [1, 0, -0.3],
    ]);
    const before = tf.memory().numTensors;
    const mean0 = model.decode(z);
    const a = model.decode(z, { lowerTemperature: 1, seed: 3 });
    const b = model.decode(z, { lowerTemperature: 1, seed: 3 });
    const c = model.decode(z, { lowerTemperature: 1, seed: 4 });
    const cold = model.decode(z, { lowerTemperature: 0, seed: 4 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    expect(Array.from(cold.dataSync())).toEqual(Array.from(mean0.dataSync()));
    tf.dispose([mean0, a, b, c, cold]);
    expect(tf.memory().numTensors).toBe(before);
    vae.dispose();
  });
});

describe('nearest-neighbour upsampling on the cpu backend', () => {
  it('back-propagates each image of a batch to its own pixels (tfjs 4.22 cpu reused the first image)', () => {
    // Two images of 2x2 upsampled to 4x4; d/dx of sum(w * up(x)) is the sum of w over each 2x2 block.
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
    const w = tf.tensor4d(
      Array.from({ length: 32 }, (_, i) => i),
      [2, 4, 4, 1],
    );
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(v as tf.Tensor4D, [4, 4]), w)))(x);
    const block = (b: number, r: number, c: number) => [0, 1].flatMap((dr) => [0, 1].map((dc) => 16 * b + 4 * (2 * r + dr) + 2 * c + dc)).reduce((s, v) => s + v, 0);
    expect(Array.from(g.dataSync())).toEqual([block(0, 0, 0), block(0, 0, 1), block(0, 1, 0), block(0, 1, 1), block(1, 0, 0), block(1, 0, 1), block(1, 1, 0), block(1, 1, 1)]);
  });
});

describe('validationTerms: one encoder pass gives what evaluate used to take three for', () => {
  it.each([
    ['hierarchy with the fine layer', { height: 32, width: 32, channels: 4, architecture: 'hvae', convFilters: [4, 8, 8], denseUnits: 16, latentDim: 3, lowerChannels: 2, fineLatent: true }],
    ['flat conv', { height: 16, width: 16, channels: 4, architecture: 'conv', convFilters: [8, 8], denseUnits: 16, latentDim: 3 }],
  ] as const)('%s: the same posterior, reconstruction and sampled terms as encode, reconstructRaw and sampledTerms', (_, over) => {
    const vae = new Vae(resolveModelConfig({ ...over, convFilters: [...over.convFilters] }), 4);
    const rng = new Rng(5);
    const x = images(rng, 3, over.height, 4);
    const eps = tf.tensor3d(rng.normals(2 * 3 * vae.noiseDim), [2, 3, vae.noiseDim]);
    const one = vae.validationTerms(x, eps);
    const { mu, logvar } = vae.encode(x);
    const recon = vae.reconstructRaw(x);
    const apart = vae.sampledTerms(x, mu, logvar, eps);
    const same = (a: tf.Tensor, b: tf.Tensor) => {
      expect(a.shape).toEqual(b.shape);
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThanOrEqual(1e-6 * Math.max(1, tf.max(tf.abs(b)).dataSync()[0]));
    };
    same(one.mu, mu);
    same(one.logvar, logvar);
    same(one.recon, recon);
    same(one.nll, apart.nll);
    expect(one.klLower.length).toBe(over.architecture === 'hvae' ? 2 : 0);
    one.klLower.forEach((k, l) => same(k, apart.klLower[l]));
    vae.dispose();
  });
});
