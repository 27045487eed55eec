/**
 * Conditional training end to end on real PNG files in class subfolders (vae-theory.md section 6):
 * the refusals, generation by label checked against the nearest training image, "same z, other
 * label", unknown labels, exact resume and two workers.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend';
import { importImages } from '../../../src/data/import';
import { openDataset, type Dataset } from '../../../src/data/store';
import { applyAttributeVector } from '../../../src/latent/attribute-operation';
import { relabel, labelPath } from '../../../src/latent/conditional-operations';
import { interpolate, sample, traverse } from '../../../src/latent/operations';
import { releaseRunModel, runModel } from '../../../src/latent/run-model';
import { estimateRun } from '../../../src/train/plan';
import { train, type TrainResult } from '../../../src/train/train';
import { SPRITE_CLASSES, writeLabelledSprites, type SpriteClass } from '../../fixtures/labelled-sprites';

let tmp: string;
let ds: Dataset;

async function importFolder(name: string, classes: SpriteClass[], extra?: (dir: string) => Promise<void>): Promise<Dataset> {
  const src = path.join(tmp, `${name}-src`);
  await writeLabelledSprites(src, { classes });
  await extra?.(src);
  const out = path.join(tmp, `${name}-ds`);
  await importImages({ source: { folder: src }, output: out, options: { size: 16, channels: 'rgba', valFraction: 0.1 }, cacheDir: null });
  return openDataset(out);
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-conditional-'));
  ds = await importFolder('sprites', SPRITE_CLASSES);
});

afterAll(async () => {
  releaseRunModel();
  await fs.rm(tmp, { recursive: true, force: true });
});

const small = (label: string, count: number, i: number): SpriteClass => ({ ...SPRITE_CLASSES[i], label, count });

describe('conditional training refuses datasets it cannot learn labels from', () => {
  it('fewer than two labels', async () => {
    const one = await importFolder('one', [small('apple', 12, 0)]);
    await expect(train({ conditional: true, epochs: 1 }, one)).rejects.toThrow('Conditional training needs at least two labels; this dataset\'s training images have only one label ("apple").');
    // The estimate refuses the same way before measuring anything.
    await expect(estimateRun({ conditional: true, epochs: 1 }, one)).rejects.toThrow(/at least two labels/);
  });

  it('a label with fewer than 8 training images: names the label and its count', async () => {
    const few = await importFolder('few', [small('apple', 12, 0), small('crate', 12, 1), small('gem', 5, 2)]);
    const gemTrain = few.indicesOf('train').filter((i) => few.index.items[i].label === 'gem').length;
    await expect(train({ conditional: true, epochs: 1 }, few)).rejects.toThrow(`Conditional training needs at least 8 training images per label: "gem" has ${gemTrain}.`);
  });

  it('images outside any subfolder have no label', async () => {
    const loose = await importFolder('loose', [small('apple', 12, 0), small('crate', 12, 1)], async (dir) => {
      // Two sprites at the top of the folder, outside any class subfolder.
      await writeLabelledSprites(path.join(tmp, 'strays'), { classes: [small('stray', 2, 3)], seed: 9 });
      for (const f of ['stray-0.png', 'stray-1.png']) await fs.copyFile(path.join(tmp, 'strays', 'stray', f), path.join(dir, f));
    });
    const strays = loose.indicesOf('train').filter((i) => loose.index.items[i].label === null).length;
    expect(strays).toBeGreaterThan(0);
    await expect(train({ conditional: true, epochs: 1 }, loose)).rejects.toThrow(/needs a label for every image; \d+ training images? (has|have) none/);
  });
});

describe('a conditional model trained on labelled sprites', () => {
  const runDir = () => path.join(tmp, 'run');
  let result: TrainResult;

  it('trains with the label vocabulary in its checkpoint', async () => {
    result = await train({ conditional: true, epochs: 40, batchSize: 32, warmupSteps: 50, seed: 3, learningRate: 2e-3, latentDim: 8, workers: 1, previewCount: 4 }, ds, { checkpointDir: runDir() });
    expect(result.config.model.labels).toEqual(SPRITE_CLASSES.map((c) => c.label));
    const latest = JSON.parse(await fs.readFile(path.join(runDir(), 'latest.json'), 'utf8')) as { dir: string };
    const modelJson = JSON.parse(await fs.readFile(path.join(runDir(), latest.dir, 'model.json'), 'utf8'));
    expect(modelJson.userDefinedMetadata.modelConfig.labels).toEqual(SPRITE_CLASSES.map((c) => c.label));
  }, 600_000);

  it('generates each label: the nearest training image of a sample has that label far more often than chance', async () => {
    const trainIdx = ds.indicesOf('train');
    const counts = new Map<string, number>();
    for (const i of trainIdx) counts.set(ds.index.items[i].label!, (counts.get(ds.index.items[i].label!) ?? 0) + 1);
    const chance = Math.max(...counts.values()) / trainIdx.length;
    let hits = 0;
    let total = 0;
    const perLabel: Record<string, number> = {};
    for (const c of SPRITE_CLASSES) {
      const r = await sample({
        runDir: runDir(),
        dataset: ds.dir,
        count: 16,
        temperature: 1,
        seed: 1,
        around: null,
        pixelNoise: false,
        detail: 0.8,
        memorisation: true,
        axes: null,
        prior: 'standard',
        detailFrom: 'model',
        label: c.label,
      });
      const right = r.nearest!.filter((n) => ds.index.items[n.index].label === c.label).length;
      perLabel[c.label] = right / 16;
      hits += right;
      total += 16;
    }
    const accuracy = hits / total;
    console.log(JSON.stringify({ test: 'conditional-generation', accuracy, chance, ratio: accuracy / chance, perLabel }));
    expect(accuracy).toBeGreaterThanOrEqual(3 * chance);
  }, 300_000);

  it('"same z, other label": an image redrawn as every label (one row each, all different); a label path ends on those drawings', async () => {
    const index = ds.indicesOf('train').find((i) => ds.index.items[i].label === 'apple')!;
    const r = await relabel({ runDir: runDir(), dataset: ds.dir, images: [{ index }], detail: 0, seed: 0 });
    expect(r.labels).toEqual(SPRITE_CLASSES.map((c) => c.label));
    expect(r.ownLabels).toEqual(['apple']);
    expect(r.images.count).toBe(SPRITE_CLASSES.length);
    // The rows differ: the label changes the picture at the same z.
    const D = 16 * 16 * 4;
    const row = (k: number) => r.images.pixels.subarray(k * D, (k + 1) * D);
    let minDiff = Infinity;
    for (let k = 1; k < r.images.count; k++) minDiff = Math.min(minDiff, Math.max(...Array.from(row(k), (v, j) => Math.abs(v - row(0)[j]))));
    expect(minDiff).toBeGreaterThan(0.05);
    const path8 = await labelPath({ runDir: runDir(), dataset: ds.dir, at: { index }, from: 'apple', to: 'gem', frames: 5, detail: 0, seed: 0 });
    expect(path8.t).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // Its ends are the two labels' own drawings of that z.
    const end = path8.images.pixels.subarray(4 * D, 5 * D);
    const gemRow = row(SPRITE_CLASSES.findIndex((c) => c.label === 'gem'));
    expect(Math.max(...Array.from(end, (v, j) => Math.abs(v - gemRow[j])))).toBeLessThan(1e-5);
  }, 120_000);

  it('interpolates between two classes with their labels blended along the path (linear and geodesic), ending on their reconstructions', async () => {
    const apple = ds.indicesOf('train').find((i) => ds.index.items[i].label === 'apple')!;
    const gem = ds.indicesOf('train').find((i) => ds.index.items[i].label === 'gem')!;
    const spec = { runDir: runDir(), dataset: ds.dir, waypoints: [{ index: apple }, { index: gem }], frames: 5, axes: null, geodesic: { iterations: 3, learningRate: 0.05, tolerance: 1e-3 } };
    const linear = await interpolate({ ...spec, method: 'linear' });
    expect(linear.images.count).toBe(5);
    const geodesic = await interpolate({ ...spec, method: 'geodesic' });
    expect(geodesic.geodesic!.iterations).toBeGreaterThan(0);
    // The path's first frame is image A's reconstruction: its z, its detail, its own label.
    const model = (await runModel(runDir())).model;
    const D = 16 * 16 * 4;
    const x = new Float32Array(D);
    ds.image(apple).forEach((v, k) => (x[k] = v / 255));
    const recon = tf.tidy(() => model.reconstruct(tf.tensor4d(x, [1, 16, 16, 4]), tf.tensor2d([[1, 0, 0, 0, 0, 0]])).dataSync());
    expect(Math.max(...Array.from(linear.images.pixels.subarray(0, D), (v, k) => Math.abs(v - recon[k])))).toBeLessThan(1e-4);
    // A path of latent vectors has no labels: it needs one.
    await expect(interpolate({ ...spec, method: 'linear', waypoints: [{ z: new Array(8).fill(0) }, { index: gem }] })).rejects.toThrow(/Waypoint 1 is a latent vector, which has no label/);
    const fixed = await interpolate({ ...spec, method: 'linear', waypoints: [{ z: new Array(8).fill(0) }, { index: gem }], label: 'herb' });
    expect(fixed.images.count).toBe(5);
    // An attribute vector (selections' mean posteriors) applied to the apple keeps its label: strength 0 is its reconstruction.
    const rings = ds.indicesOf('train').filter((i) => ds.index.items[i].label === 'ring');
    const wands = ds.indicesOf('train').filter((i) => ds.index.items[i].label === 'wand');
    const attr = await applyAttributeVector({ runDir: runDir(), dataset: ds.dir, positive: rings, negative: wands, base: { index: apple }, strength: 1, frames: 3, axes: null });
    expect(attr.images.count).toBe(3);
    expect(Math.max(...Array.from(attr.images.pixels.subarray(0, D), (v, k) => Math.abs(v - recon[k])))).toBeLessThan(1e-4);
  }, 120_000);

  it('an unknown label is an error naming it and listing the known ones; a traversal needs a label from the origin', async () => {
    const spec = {
      runDir: runDir(),
      dataset: ds.dir,
      count: 2,
      temperature: 1,
      seed: 0,
      around: null,
      pixelNoise: false,
      detail: 0,
      memorisation: false,
      axes: null,
      prior: 'standard' as const,
      detailFrom: 'model' as const,
    };
    await expect(sample({ ...spec, label: 'dragon' })).rejects.toThrow('Unknown label "dragon": the model knows "apple", "crate", "gem", "herb", "ring", "wand".');
    await expect(sample(spec)).rejects.toThrow(/This model generates by label: choose one of "apple"/);
    await expect(relabel({ runDir: runDir(), dataset: ds.dir, images: [{ index: 0 }], labels: ['apple', 'Gem'], detail: 0, seed: 0 })).rejects.toThrow(/Unknown label "Gem"/);
    const t = await traverse({ runDir: runDir(), dataset: ds.dir, base: null, dims: [0], steps: 3, range: 2, pixelNoise: false, seed: 0, memorisation: false, axes: null, label: 'herb' });
    expect(t.images.count).toBe(3);
    await expect(traverse({ runDir: runDir(), dataset: ds.dir, base: null, dims: [0], steps: 3, range: 2, pixelNoise: false, seed: 0, memorisation: false, axes: null })).rejects.toThrow(
      /generates by label/,
    );
  }, 120_000);
});

function weights(r: TrainResult): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(r.model!.vae.store.named()).map(([k, v]) => [k, v.dataSync() as Float32Array]));
}
function maxDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  let d = 0;
  for (const k of Object.keys(a)) for (let i = 0; i < a[k].length; i++) d = Math.max(d, Math.abs(a[k][i] - b[k][i]));
  return d;
}

describe('conditional runs resume and split over two workers like plain ones', () => {
  const config = {
    conditional: true,
    architecture: 'conv' as const,
    likelihood: 'bernoulli' as const,
    latentDim: 8,
    batchSize: 32,
    learningRate: 2e-3,
    seed: 5,
    progressEverySteps: 1,
    previewCount: 4,
    warmupSteps: 0,
  };

  it('resumes exactly: 2 epochs, checkpoint, 2 more equals 4 uninterrupted epochs bit for bit', async () => {
    const full = await train({ ...config, epochs: 4, workers: 1 }, ds, { keepModel: true });
    const dir = path.join(tmp, 'resume');
    await train({ ...config, epochs: 2, workers: 1 }, ds, { checkpointDir: dir });
    const resumed = await train({ ...config, epochs: 4, workers: 1 }, ds, { checkpointDir: dir, resume: true, keepModel: true });
    expect(resumed.config.model.labels).toEqual(SPRITE_CLASSES.map((c) => c.label));
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(maxDiff(weights(full), weights(resumed))).toBe(0);
    full.model!.dispose();
    resumed.model!.dispose();
  }, 300_000);

  it("2 workers keep identical replicas (checked every epoch) and match 1 worker: the worker gets its rows' labels", async () => {
    const two = await train({ ...config, epochs: 1, workers: 2 }, ds, { keepModel: true });
    expect(two.workers).toBe(2);
    const one = await train({ ...config, epochs: 1, workers: 1 }, ds, { keepModel: true });
    expect(maxDiff(weights(one), weights(two))).toBeLessThan(1e-4);
    one.model!.dispose();
    two.model!.dispose();
  }, 300_000);
});
