/**
 * The conditional VAE (vae-theory.md section 6) against closed forms and limits: the KL part
 * KL(q(z|x,y) || N(0, I)), the reconstruction part -log p(x|z,y) of a Gaussian decoder, the
 * hierarchy's z2 KL against p(z2|z1,y), the C = 1 model equal to the plain VAE, and the label
 * vocabulary (unknown labels, checkpoints saved before labels).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig, type ModelConfig } from '../../../src/model/config';
import { hierarchyNet } from '../../../src/model/hierarchy';
import { ParamStore } from '../../../src/model/params';
import { blendedRows, labelIndex, oneHotRows } from '../../../src/model/labels';
import { loadModel, saveModel } from '../../../src/model/load';
import { Rng } from '../../../src/model/rng';
import { Vae } from '../../../src/model/vae';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'atlas-cvae-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const LABELS = ['knight', 'orc', 'slime'];
const flat = (over: Partial<ModelConfig> = {}): ModelConfig =>
  resolveModelConfig({
    height: 16,
    width: 16,
    channels: 3,
    architecture: 'conv',
    likelihood: 'gaussian-fixed',
    gaussianSigma: 0.2,
    gaussianMean: 'linear',
    convFilters: [4, 4],
    denseUnits: 12,
    latentDim: 3,
    labels: LABELS,
    ...over,
  });
const hvae = (over: Partial<ModelConfig> = {}): ModelConfig =>
  resolveModelConfig({ height: 16, width: 16, channels: 3, architecture: 'hvae', convFilters: [8, 8], denseUnits: 16, latentDim: 3, lowerChannels: 2, labels: LABELS, ...over });

function images(rng: Rng, n: number): tf.Tensor4D {
  return tf.tensor4d(
    Float32Array.from({ length: n * 16 * 16 * 3 }, () => rng.uniform()),
    [n, 16, 16, 3],
  );
}
const oneHot = (rows: number[], C = LABELS.length) => tf.tensor2d(oneHotRows(rows, C), [rows.length, C]);

describe('conditional VAE: the ELBO parts against closed forms', () => {
  it('KL part: the objective KL equals 1/2 sum(mu^2 + sigma^2 - log sigma^2 - 1) of q(z|x,y), and y moves q', () => {
    const vae = new Vae(flat(), 3);
    const rng = new Rng(5);
    const x = images(rng, 4);
    const y = oneHot([0, 1, 2, 1]);
    const { mu, logvar } = vae.encode(x, y);
    const m = mu.dataSync();
    const t = logvar.dataSync();
    let closed = 0;
    for (let i = 0; i < m.length; i++) closed += 0.5 * (m[i] ** 2 + Math.exp(t[i]) - t[i] - 1);
    closed /= 4;
    const terms = vae.objective(x, tf.tensor3d(rng.normals(4 * vae.noiseDim), [1, 4, vae.noiseDim]), { beta: 1, freeBits: 0, mode: 'eval', labels: y });
    expect(terms.kl.dataSync()[0]).toBeCloseTo(closed, 4);
    // The same images under other labels have other posteriors: the encoder reads y.
    const other = vae.encode(x, oneHot([1, 2, 0, 0])).mu.dataSync();
    let moved = 0;
    for (let i = 0; i < m.length; i++) moved = Math.max(moved, Math.abs(other[i] - m[i]));
    expect(moved).toBeGreaterThan(1e-3);
  });

  it('reconstruction part: -log p(x|z,y) = sum((x - g(z,y))^2 / 2s^2 + log(2 pi s^2)/2) at z = mu + sigma eps', () => {
    const vae = new Vae(flat(), 4);
    const rng = new Rng(6);
    const x = images(rng, 3);
    const y = oneHot([2, 0, 1]);
    const eps = rng.normals(3 * vae.noiseDim);
    const { mu, logvar } = vae.encode(x, y);
    const z = tf.tidy(() => tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), tf.tensor2d(eps, [3, vae.noiseDim])))) as tf.Tensor2D;
    const g = vae.decodeRaw(z, undefined, 1, undefined, y).dataSync();
    const xv = x.dataSync();
    const s2 = 0.2 ** 2;
    let nll = 0;
    for (let i = 0; i < xv.length; i++) nll += (xv[i] - g[i]) ** 2 / (2 * s2) + 0.5 * Math.log(2 * Math.PI * s2);
    nll /= 3;
    const terms = vae.objective(x, tf.tensor3d(eps, [1, 3, vae.noiseDim]), { beta: 1, freeBits: 0, mode: 'eval', labels: y });
    expect(terms.recon.dataSync()[0]).toBeCloseTo(nll, 2);
    expect(terms.elbo.dataSync()[0]).toBeCloseTo(-(terms.recon.dataSync()[0] + terms.kl.dataSync()[0]), 2);
    // The decoder reads y: the same z decodes differently under another label.
    const g2 = vae.decodeRaw(z, undefined, 1, undefined, oneHot([0, 1, 2])).dataSync();
    expect(Math.max(...Array.from(g, (v, i) => Math.abs(v - g2[i])))).toBeGreaterThan(1e-3);
  });

  it('hierarchy: the prior of z2 is p(z2|z1,y) (y reaches it through the top-down state) and the z2 KL matches its closed form', () => {
    const vae = new Vae(hvae(), 7);
    const rng = new Rng(8);
    const x = images(rng, 2);
    const y = oneHot([0, 2]);
    const eps = rng.normals(2 * vae.noiseDim);
    const terms = vae.objective(x, tf.tensor3d(eps, [1, 2, vae.noiseDim]), { beta: 1, freeBits: 0, mode: 'eval', labels: y });
    const [k1, k2] = terms.klLayers.map((s) => s.dataSync()[0]);
    expect(terms.kl.dataSync()[0]).toBeCloseTo(k1 + k2, 4);
    // KL(z1) against its closed form for q(z1|x,y).
    const { mu, logvar } = vae.encode(x, y);
    const m = mu.dataSync();
    const t = logvar.dataSync();
    let closed = 0;
    for (let i = 0; i < m.length; i++) closed += 0.5 * (m[i] ** 2 + Math.exp(t[i]) - t[i] - 1);
    expect(k1).toBeCloseTo(closed / 2, 4);
    // KL(z2) against the closed form 1/2 sum(lp - lq + (e^lq + (mq - mp)^2) / e^lp - 1) of the maps that
    // the same networks give for this x, y and noise: p(z2|z1,y) and q(z2|x,z1,y).
    const store = new ParamStore();
    const net = hierarchyNet({ config: vae.config, store, rng: new Rng(0) });
    const w = vae.store.named();
    store.assign(w, 'the model');
    const e = tf.matMul(y, w['label/embedding']) as tf.Tensor2D;
    const up = net.bottomUp(x, e);
    const z1 = tf.add(up.mu, tf.mul(tf.exp(tf.mul(up.logvar, 0.5)), tf.tensor2d(eps.slice(0, 2 * vae.noiseDim), [2, vae.noiseDim]).slice([0, 0], [2, 3]))) as tf.Tensor2D;
    let closedZ2 = 0;
    net.topDown(
      z1,
      up.features,
      (_, p, q) => {
        const [pm, pl, qm, ql] = [p.mean, p.logvar, q!.mean, q!.logvar].map((t) => t.dataSync());
        for (let i = 0; i < pm.length; i++) closedZ2 += 0.5 * (pl[i] - ql[i] + (Math.exp(ql[i]) + (qm[i] - pm[i]) ** 2) / Math.exp(pl[i]) - 1);
        return q!.mean;
      },
      e,
    );
    expect(k2).toBeGreaterThan(0);
    expect(k2).toBeCloseTo(closedZ2 / 2, 3);
    // Same z1, z2 at its prior mean: the decoded image differs between labels only through y.
    const z = tf.tensor2d([
      [0.3, -0.2, 0.1],
      [0.3, -0.2, 0.1],
    ]);
    const a = vae.decodeMean(z, oneHot([0, 0])).dataSync();
    const b = vae.decodeMean(z, oneHot([0, 1])).dataSync();
    const n = a.length / 2;
    let same = 0;
    let diff = 0;
    for (let i = 0; i < n; i++) {
      same = Math.max(same, Math.abs(a[i] - b[i]));
      diff = Math.max(diff, Math.abs(a[n + i] - b[n + i]));
    }
    expect(same).toBe(0);
    expect(diff).toBeGreaterThan(1e-4);
  });

  for (const config of [flat, hvae]) {
    it(`${config === flat ? 'flat conv' : 'hierarchy'}: with C = 1 the conditional model is the plain VAE (the label's embedding is a constant bias)`, () => {
      const cond = new Vae(config({ labels: ['only'] }), 11);
      const plain = new Vae(config({ labels: [] }), 12);
      // Copy every shared weight; fold the single label's e W into the first dense layers' biases.
      const w = cond.store.named();
      const values: tf.NamedTensorMap = {};
      for (const name of plain.store.names()) values[name] = w[name];
      const e = tf.tidy(() => tf.matMul(tf.ones([1, 1]), w['label/embedding']));
      const fold = (layer: string, label: string) => tf.add(w[layer], tf.reshape(tf.matMul(e, w[label]), [-1]));
      values['encoder/dense0/bias'] = fold('encoder/dense0/bias', 'encoder/label/kernel');
      values['decoder/dense0/bias'] = fold('decoder/dense0/bias', 'decoder/label/kernel');
      plain.store.assign(values, 'the conditional model');
      const rng = new Rng(13);
      const x = images(rng, 3);
      const eps = tf.tensor3d(rng.normals(3 * cond.noiseDim), [1, 3, cond.noiseDim]);
      const a = cond.objective(x, eps, { beta: 1, freeBits: 0, mode: 'eval', labels: oneHot([0, 0, 0], 1) });
      const b = plain.objective(x, eps, { beta: 1, freeBits: 0, mode: 'eval' });
      expect(a.kl.dataSync()[0]).toBeCloseTo(b.kl.dataSync()[0], 4);
      expect(a.recon.dataSync()[0]).toBeCloseTo(b.recon.dataSync()[0], 3);
      expect(a.elbo.dataSync()[0]).toBeCloseTo(b.elbo.dataSync()[0], 3);
    });
  }

  it('an unconditional model for a seed has the same weights as before labels existed, and a conditional one only adds the label parameters', () => {
    const plain = new Vae(hvae({ labels: [] }), 21);
    const cond = new Vae(hvae(), 21);
    const extra = cond.store.names().filter((n) => !plain.store.names().includes(n));
    expect(extra.sort()).toEqual(['decoder/label/kernel', 'encoder/label/kernel', 'label/embedding']);
    const p = plain.store.named();
    const c = cond.store.named();
    for (const n of plain.store.names()) expect(Array.from(c[n].dataSync())).toEqual(Array.from(p[n].dataSync()));
  });

  it('refuses to encode or decode without labels, and leaks no tensors', () => {
    const vae = new Vae(flat(), 1);
    const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    expect(() => vae.encode(x)).toThrow(/conditional/);
    const z = tf.zeros([2, 3]) as tf.Tensor2D;
    const blend = tf.tensor2d(blendedRows(0, 2, [0, 0.5], 3), [2, 3]);
    const y = oneHot([1]);
    const before = tf.memory().numTensors;
    tf.dispose(vae.decodeMean(z, blend));
    const q = vae.encode(x, y);
    tf.dispose([q.mu, q.logvar]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('label vocabulary', () => {
  it('an unknown label is an error naming it and listing the known ones', () => {
    expect(labelIndex(LABELS, 'orc')).toBe(1);
    expect(() => labelIndex(LABELS, 'dragon')).toThrow('Unknown label "dragon": the model knows "knight", "orc", "slime".');
    expect(() => labelIndex([], 'orc')).toThrow(/trained without labels/);
  });

  it('a blend of two labels is (1 - t) onehot(a) + t onehot(b)', () => {
    expect(Array.from(blendedRows(0, 2, [0, 0.25, 1], 3))).toEqual([1, 0, 0, 0.75, 0, 0.25, 0, 0, 1]);
  });

  it('checkpoints store the vocabulary; a model saved before labels (no labels in its config) loads as unconditional', async () => {
    const dir = path.join(tmp, 'cond');
    const vae = new Vae(flat(), 2);
    await saveModel(vae, dir, { step: 1, epoch: 1, datasetHash: 'h' });
    const loaded = await loadModel(dir);
    expect(loaded.config.labels).toEqual(LABELS);
    loaded.dispose();

    const oldDir = path.join(tmp, 'old');
    const plain = new Vae(flat({ labels: [] }), 2);
    await saveModel(plain, oldDir, { step: 1, epoch: 1, datasetHash: 'h' });
    const file = path.join(oldDir, 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    delete json.userDefinedMetadata.modelConfig.labels;
    await writeFile(file, JSON.stringify(json));
    const old = await loadModel(oldDir);
    expect(old.config.labels).toEqual([]);
    expect(old.vae.labelCount).toBe(0);
    // It encodes without labels, as before.
    tf.dispose(old.encode(tf.zeros([1, 16, 16, 3])) as unknown as tf.Tensor[]);
    old.dispose();
  });
});
