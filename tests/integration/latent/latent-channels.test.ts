import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import sharp from 'sharp';
import { base64Float32, base64Int32 } from '../../../src/latent/wire';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

let engine: EngineClient;
let work: string;
let dataset: string;
let runDir: string;

beforeAll(async () => {
  engine = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  work = mkdtempSync(path.join(tmpdir(), 'atlas-latent-'));
  await writePngs(path.join(work, 'images'), 64, 16);
  dataset = path.join(work, 'ds');
  runDir = path.join(work, 'run');
  await engine.request('dataset.import', { source: { folder: path.join(work, 'images') }, output: dataset, options: { size: 16 } });
  await engine.request('train.run', { dataset, runDir, settings: { epochs: 1, batchSize: 16, latentDim: 5 } });
});
afterAll(() => engine.close());

/** Posterior means as stored in latents.bin (after its 48-byte header). */
function readLatentMeans(): Float32Array {
  const bytes = readFileSync(path.join(runDir, 'latents.bin'));
  return Float32Array.from({ length: 64 * 5 }, (_, i) => bytes.readFloatLE(48 + 4 * i));
}

describe('latent channels through the engine process', () => {
  it('encodes the dataset once and reuses latents.bin until the model changes', async () => {
    const progress: number[] = [];
    engine.on('progress', (p) => p.requestId === 'enc1' && progress.push(p.done));
    const first = await engine.request('latent.encode', { runDir, dataset, batchSize: 16 }, { requestId: 'enc1' });
    expect(first).toMatchObject({ count: 64, latentDim: 5, cached: false, step: 4 });
    expect(progress.at(-1)).toBe(64);
    const bin = path.join(runDir, 'latents.bin');
    expect(statSync(bin).size).toBe(48 + 4 * (2 * 64 * 5 + 2 * 64));
    expect(JSON.parse(readFileSync(path.join(runDir, 'latents.json'), 'utf8'))).toMatchObject({ count: 64, latentDim: 5, step: 4 });
    const again = await engine.request('latent.encode', { runDir, dataset });
    expect(again.cached).toBe(true);
    expect(again.meanKl).toBeCloseTo(first.meanKl, 5);
    // Train one more epoch: a new checkpoint, so the cache no longer matches.
    await engine.request('train.run', { dataset, runDir, settings: { epochs: 2, batchSize: 16, latentDim: 5 }, resume: true });
    const after = await engine.request('latent.encode', { runDir, dataset });
    expect(after).toMatchObject({ cached: false, step: 8 });
  });

  it('projects to 3D with ellipsoids, colouring data and the prior', async () => {
    const r = await engine.request('latent.project', { runDir, dataset });
    expect(r.projection.method).toBe('pca');
    expect(r.projection.components).toHaveLength(3);
    expect(r.projection.centre).toHaveLength(5);
    const points = base64Float32(r.points);
    expect(points).toHaveLength(64 * 3);
    expect(points.every(Number.isFinite)).toBe(true);
    expect(base64Float32(r.ellipsoids)).toHaveLength(64 * 9);
    expect(base64Float32(r.kl)).toHaveLength(64);
    expect(base64Int32(r.labelIndex).every((v) => v === -1)).toBe(true);
    const explained = r.projection.explained;
    expect(explained[0]).toBeGreaterThanOrEqual(explained[1]);
    expect(explained[0] + explained[1] + explained[2]).toBeLessThanOrEqual(1 + 1e-9);
    expect(r.ellipsoidK).toEqual([1, 2, 2.796]);
    // The projected points are centred: their mean is 0 in every axis.
    for (let a = 0; a < 3; a++) expect(Math.abs(points.filter((_, k) => k % 3 === a).reduce((s, v) => s + v, 0) / 64)).toBeLessThan(1e-4);
    const byAxes = await engine.request('latent.project', { runDir, dataset, axes: [4, 0, 1] });
    expect(byAxes.projection).toMatchObject({ method: 'axes', axes: [4, 0, 1] });
  });

  it('decodes vectors and 3D points; a point maps back to z = m + P^T y', async () => {
    const proj = await engine.request('latent.project', { runDir, dataset });
    const byZ = await engine.request('latent.decode', {
      runDir,
      z: [
        [0, 0, 0, 0, 0],
        [1, -1, 0.5, 0, 2],
      ],
    });
    expect(byZ.strip).toMatchObject({ count: 2, columns: 2, cell: 16 });
    expect(await sharp(Buffer.from(byZ.strip.png, 'base64')).metadata()).toMatchObject({ width: 32, height: 16 });
    const y: [number, number, number] = [0.3, -0.2, 0.1];
    const byPoint = await engine.request('latent.decode', { runDir, dataset, points: [y] });
    const { centre, components } = proj.projection;
    byPoint.z[0].forEach((v, j) => expect(v).toBeCloseTo(centre[j] + components[0][j] * y[0] + components[1][j] * y[1] + components[2][j] * y[2], 5));
    // Under chosen dimensions (the Dimensions layout) a point sets those three dimensions; the others stay at the mean.
    const byAxesPoint = await engine.request('latent.decode', { runDir, dataset, points: [y], axes: [4, 0, 1] });
    const expected = [...centre];
    [4, 0, 1].forEach((a, r) => (expected[a] += y[r]));
    byAxesPoint.z[0].forEach((v, j) => expect(v).toBeCloseTo(expected[j], 5));
    await expect(engine.request('latent.decode', { runDir, z: [[1, 2]] })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('latent size is 5') });
  });

  it('finds exact nearest neighbours between posterior means', async () => {
    const mu = readLatentMeans();
    const r = await engine.request('latent.neighbours', { runDir, dataset, queries: [{ index: 3 }, { z: Array.from(mu.subarray(10 * 5, 11 * 5)) }], k: 4 });
    const brute = (q: Float32Array, skip: number) =>
      Array.from({ length: 64 }, (_, i) => ({ i, d: Math.hypot(...Array.from(q, (v, j) => v - mu[i * 5 + j])) }))
        .filter((e) => e.i !== skip)
        .sort((a, b) => a.d - b.d)
        .slice(0, 4);
    const expected = brute(mu.subarray(15, 20), 3);
    expect(r.neighbours[0].indices).toEqual(expected.map((e) => e.i));
    r.neighbours[0].distances.forEach((d, k) => expect(d).toBeCloseTo(expected[k].d, 3));
    expect(r.neighbours[1].indices[0]).toBe(10);
    expect(r.neighbours[1].distances[0]).toBeLessThan(1e-2);
  });

  it('interpolates with slerp and geodesic, reporting frames, 3D points and image-space lengths', async () => {
    const slerp = await engine.request('latent.interpolate', { runDir, dataset, waypoints: [{ index: 0 }, { index: 40 }, { index: 20 }], method: 'slerp', frames: 6 });
    expect(slerp.z).toHaveLength(11);
    expect(base64Float32(slerp.points)).toHaveLength(33);
    expect(slerp.strip).toMatchObject({ count: 11, cell: 16 });
    expect(slerp.length).toBeGreaterThan(0);
    expect(slerp.linearLength).toBeGreaterThan(0);
    const steps: string[] = [];
    engine.on('progress', (p) => p.requestId === 'geo' && steps.push(p.phase));
    const geo = await engine.request(
      'latent.interpolate',
      { runDir, dataset, waypoints: [{ index: 0 }, { index: 40 }], method: 'geodesic', frames: 8, geodesic: { iterations: 30 } },
      { requestId: 'geo' },
    );
    expect(geo.geodesic!.iterations).toBeGreaterThan(0);
    expect(steps.filter((p) => p === 'geodesic')).toHaveLength(geo.geodesic!.iterations);
    expect(geo.length).toBeLessThanOrEqual(geo.linearLength);
    expect(geo.z[0]).toEqual(slerp.z[0]);
  });

  it('samples the prior and a posterior with a memorisation check, and traverses dimensions', async () => {
    const s = await engine.request('latent.sample', { runDir, dataset, count: 5, seed: 3 });
    expect(s.z).toHaveLength(5);
    expect(s.nearest).toHaveLength(5);
    for (const n of s.nearest!) {
      expect(n.index).toBeGreaterThanOrEqual(0);
      expect(n.rms).toBeGreaterThanOrEqual(0);
      expect(n.rms).toBeLessThanOrEqual(1);
    }
    expect((await engine.request('latent.sample', { runDir, dataset, count: 5, seed: 3 })).z).toEqual(s.z);
    const around = await engine.request('latent.sample', { runDir, dataset, count: 3, around: { index: 7 }, temperature: 0, memorisation: false });
    const mu = readLatentMeans();
    around.z[2].forEach((v, j) => expect(v).toBeCloseTo(mu[7 * 5 + j], 5));
    expect(around.nearest).toBeNull();
    const t = await engine.request('latent.traverse', { runDir, dataset, base: { index: 2 }, dims: [1, 4], steps: 5 });
    expect(t.values).toEqual([-3, -1.5, 0, 1.5, 3]);
    expect(t.z).toHaveLength(10);
    expect(t.z[6][4]).toBe(-1.5);
    expect(t.z[6][0]).toBeCloseTo(mu[2 * 5], 5);
    expect(t.strip).toMatchObject({ count: 10, columns: 5 });
  });

  it('draws z from the mixture fitted to the training means by default, and from N(0, I) on request', async () => {
    const cold = { runDir, dataset, count: 64, temperature: 0, memorisation: false };
    const standard = await engine.request('latent.sample', { ...cold, prior: 'standard' });
    for (const z of standard.z) expect(z.every((v) => v === 0)).toBe(true);
    // At temperature 0 every draw is one component's mean: a few distinct points, none the origin,
    // each inside the box spanned by the images' posterior means.
    const fitted = await engine.request('latent.sample', cold);
    const distinct = new Set(fitted.z.map((z) => z.join(',')));
    expect(distinct.size).toBeGreaterThan(1);
    expect(distinct.size).toBeLessThanOrEqual(10);
    const mu = readLatentMeans();
    for (let j = 0; j < 5; j++) {
      const col = Array.from({ length: 64 }, (_, i) => mu[i * 5 + j]);
      for (const z of fitted.z) {
        expect(z[j]).toBeGreaterThanOrEqual(Math.min(...col) - 1e-6);
        expect(z[j]).toBeLessThanOrEqual(Math.max(...col) + 1e-6);
      }
    }
    await expect(engine.request('latent.sample', { ...cold, prior: 'gaussian' as 'fitted' })).rejects.toThrow(/prior/);
  });

  it('samples pixel noise on request: a real draw of p(x|z) whose average is the mean image', async () => {
    const spec = { runDir, dataset, count: 16, seed: 5, memorisation: false };
    const mean = await engine.request('latent.sample', spec);
    const noisy = await engine.request('latent.sample', { ...spec, pixelNoise: true });
    expect(noisy.z).toEqual(mean.z); // the same latent draws, only the pixels differ
    const pixels = async (png: string) => new Uint8Array(await sharp(Buffer.from(png, 'base64')).removeAlpha().raw().toBuffer());
    const [m, n] = [await pixels(mean.strip.png), await pixels(noisy.strip.png)];
    expect(n.length).toBe(m.length);
    // The default likelihood is the calibrated Gaussian: a sample is the mean plus noise of the
    // calibrated sigma in every pixel, centred on the mean (E[x | z] = g(z)), with a spread above 0.
    // The PNG clamps to [0, 1], which biases the average wherever sigma is not small against the
    // distance to 0 or 1 (after this one short epoch sigma is about 0.37). The median is immune:
    // clamping is monotone, so the median of clamp(m + s eps) - m is that of s eps, 0, for every
    // pixel whose mean lies inside (0, 1), and so for all of them pooled.
    const inner = Array.from(m.keys()).filter((i) => m[i] > 64 && m[i] < 192);
    expect(inner.length).toBeGreaterThan(200);
    const d = inner.map((i) => (n[i] - m[i]) / 255);
    const average = d.reduce((t, v) => t + v, 0) / d.length;
    const sd = Math.sqrt(d.reduce((t, v) => t + (v - average) ** 2, 0) / d.length);
    const median = d.slice().sort((a, b) => a - b)[Math.floor(d.length / 2)];
    expect(sd).toBeGreaterThan(0.01);
    // Four standard errors of a median (1.2533 sd / sqrt(n)), plus one 8-bit step.
    expect(Math.abs(median)).toBeLessThan((4 * 1.2533 * sd) / Math.sqrt(d.length) + 1 / 255);
    expect(d.filter((v) => v !== 0).length).toBeGreaterThan(d.length / 2);
  });

  it('exports a path as frames, sheet and GIF, and will not overwrite without being asked', async () => {
    const outDir = path.join(work, 'export');
    const spec = { runDir, dataset, waypoints: [{ index: 0 }, { index: 9 }], frames: 6 };
    const r = await engine.request('export.frames', { source: { interpolate: spec }, outDir, formats: ['png', 'sheet', 'gif'], scale: 2, pingPong: true });
    expect(r.frames).toBe(6);
    expect(r.files.map((f) => path.basename(f)).sort()).toEqual(['frame-0.png', 'frame-1.png', 'frame-2.png', 'frame-3.png', 'frame-4.png', 'frame-5.png', 'sheet.gif', 'sheet.json', 'sheet.png']);
    const gif = await sharp(path.join(outDir, 'sheet.gif'), { animated: true }).metadata();
    expect(gif).toMatchObject({ pages: 10, pageHeight: 32 });
    const atlas = JSON.parse(readFileSync(path.join(outDir, 'sheet.json'), 'utf8'));
    expect(atlas.animations.sheet).toHaveLength(10);
    await expect(engine.request('export.frames', { source: { interpolate: spec }, outDir })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('already exist') });
    const again = await engine.request('export.frames', { source: { latents: { runDir, z: [[0, 0, 0, 0, 0]] } }, outDir, formats: ['png'], name: 'one', overwrite: true });
    expect(again.files).toEqual([path.join(outDir, 'one.png')]);
  });

  it('cancels an encode between batches and keeps the previous cache', async () => {
    const before = readFileSync(path.join(runDir, 'latents.bin'));
    const controller = new AbortController();
    engine.on('progress', (p) => p.requestId === 'enc-cancel' && p.done >= 2 && controller.abort());
    await expect(engine.request('latent.encode', { runDir, dataset, batchSize: 1, force: true }, { requestId: 'enc-cancel', signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    expect(readFileSync(path.join(runDir, 'latents.bin')).equals(before)).toBe(true);
    expect((await engine.request('latent.encode', { runDir, dataset })).cached).toBe(true);
  });

  it('names a missing run folder in its error', async () => {
    await expect(engine.request('latent.project', { runDir: path.join(work, 'nope'), dataset })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('nope') });
  });
});
