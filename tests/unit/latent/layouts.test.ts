import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../../../src/backend/choose';
import { forgetLayouts, layoutFile, readLayout, writeLayout, type LayoutKey } from '../../../src/latent/layout-cache';
import { knnGraph, LAYOUT_RMS_RADIUS, placeAmong, umapLayout } from '../../../src/latent/layouts';
import { Rng } from '../../../src/model/rng';

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

const dirs: string[] = [];
afterEach(() => {
  forgetLayouts();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function blobs(perCluster: number, clusters: number, dim: number, seed: number) {
  const rng = new Rng(seed);
  const n = perCluster * clusters;
  const x = new Float32Array(n * dim);
  const centres = rng.normals(clusters * dim).map((v) => v * 8);
  const noise = rng.normals(n * dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) x[i * dim + c] = centres[(i % clusters) * dim + c] + noise[i * dim + c];
  return { x, n };
}

const key = (over: Partial<LayoutKey> = {}): LayoutKey => ({
  modelKey: 'run/step-40|1000|1',
  datasetHash: 'abc',
  count: 4,
  latentDim: 2,
  method: 'umap',
  seed: 0,
  params: { neighbours: 15, minDist: 0.1 },
  ...over,
});

describe('layout cache', () => {
  it('reads back exactly what was written, from the file alone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atlas-layout-cache-'));
    dirs.push(dir);
    const points = Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 2);
    await writeLayout(dir, key(), { points, seconds: 1.5 });
    forgetLayouts();
    const back = await readLayout(dir, key());
    expect(back?.seconds).toBe(1.5);
    expect(Array.from(back!.points)).toEqual(Array.from(points));
  });

  it('is invalid for new weights, other data, another seed or other parameters', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atlas-layout-cache-'));
    dirs.push(dir);
    await writeLayout(dir, key(), { points: new Float32Array(12), seconds: 1 });
    forgetLayouts();
    expect(await readLayout(dir, key())).not.toBeNull();
    // A training run's new checkpoint changes modelKey.
    expect(await readLayout(dir, key({ modelKey: 'run/step-80|1000|2' }))).toBeNull();
    expect(await readLayout(dir, key({ datasetHash: 'def' }))).toBeNull();
    expect(await readLayout(dir, key({ params: { neighbours: 30, minDist: 0.1 } }))).toBeNull();
    expect(await readLayout(dir, key({ seed: 1 }))).toBeNull();
    expect(await readLayout(dir, key({ method: 'tsne' }))).toBeNull();
  });

  it('ignores a damaged file instead of failing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atlas-layout-cache-'));
    dirs.push(dir);
    await writeLayout(dir, key(), { points: new Float32Array(12), seconds: 1 });
    forgetLayouts();
    const file = layoutFile(dir, key());
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 40));
    expect(await readLayout(dir, key())).toBeNull();
  });
});

describe('UMAP layout', () => {
  it('is seeded: the same seed gives the same map, another seed another; clusters stay apart', async () => {
    const { x, n } = blobs(40, 3, 6, 4);
    const a = await umapLayout(x, n, 6, { seed: 7 });
    const b = await umapLayout(x, n, 6, { seed: 7 });
    const c = await umapLayout(x, n, 6, { seed: 8 });
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
    const rms = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / n);
    expect(rms).toBeCloseTo(LAYOUT_RMS_RADIUS, 4);
    // Every image's 5 nearest neighbours in the map come from its own cluster.
    const knn = await knnGraph(a, n, 3, 5);
    let same = 0;
    for (let i = 0; i < n * 5; i++) if (knn.indices[i] % 3 === Math.floor(i / 5) % 3) same++;
    expect(same / (n * 5)).toBeGreaterThan(0.97);
  });

  it('refuses fewer than 4 images with a message that names the way out', async () => {
    await expect(umapLayout(new Float32Array(6), 3, 2, { seed: 0 })).rejects.toThrow(/needs at least 4 images.*Use PCA/);
  });

  it('places a new vector at an image it equals, and between two images it sits between', async () => {
    const mu = Float32Array.from([0, 0, 10, 0, 0, 10]);
    const layout = Float32Array.from([1, 1, 1, 5, 5, 5, -3, 0, 0]);
    const placed = await placeAmong(Float32Array.from([10, 0, 5, 0]), 2, mu, 3, 2, layout, 2);
    expect(Array.from(placed.subarray(0, 3))).toEqual([5, 5, 5]);
    // (5, 0) is equally far from images 0 and 1: the midpoint of their places.
    for (const [c, v] of [3, 3, 3].entries()) expect(placed[3 + c]).toBeCloseTo(v, 5);
  });
});
