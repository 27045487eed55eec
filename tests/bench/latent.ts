/**
 * Latent tools benchmark on the bundled sample set (507 Twemoji, 32x32 RGBA) with the default
 * conv model (latent 16) trained for 10 epochs on it (a 2-epoch decoder is nearly flat, and
 * geodesics then barely differ from straight lines):
 *  - encode_10k_s: encode 10,000 images (the sample set tiled) as latent.encode does: mu,
 *    log-variance, reconstruction error of g(mu) and KL per image, written to latents.bin;
 *  - interpolate_16_ms: a 16-frame slerp path decoded to images;
 *  - geodesic_16_ms and geodesic_over_linear_length: the 16-frame geodesic between the two
 *    images farthest apart in latent space (default budget) and its image-space length over
 *    the linear path's;
 *  - export_sheet_64_ms: a 64-frame sprite sheet PNG + JSON atlas, in memory.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/backend/choose';
import { openDataset, writeDataset } from '../../src/data/store';
import { exportFiles } from '../../src/export/export';
import { decodeImages } from '../../src/latent/images';
import { geodesicPath, imageSpaceLength, pathThrough } from '../../src/latent/interpolate';
import { latentSession } from '../../src/latent/session';
import { encodeDataset } from '../../src/latent/encode';
import { train } from '../../src/train/train';
import { sampleDatasetDir } from '../../src/util/app-paths';
import type { BenchLine } from './types';

/** The bundled sample set (the app's path for it, else the repo's assets folder from the working directory). */
function sampleDir(): string {
  return sampleDatasetDir() ?? path.join(process.cwd(), 'assets', 'sample', 'twemoji-32');
}

async function medianMs(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

export async function run(): Promise<BenchLine[]> {
  const force = (process.env.LATENT_ATLAS_BACKEND as 'tensorflow' | 'wasm' | 'cpu' | undefined) ?? 'wasm';
  const backend = (await initBackend({ force })).label;
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-bench-latent-'));
  try {
    const sample = await openDataset(sampleDir());
    const runDir = path.join(tmp, 'run');
    const trainSeconds = performance.now();
    await train({ epochs: 10, batchSize: 32, seed: 1, previewCount: 0, valIwaeK: 0 }, sample, { checkpointDir: runDir });
    const trainedIn = (performance.now() - trainSeconds) / 1000;

    // 10k images: the sample set tiled.
    const N = 10_000;
    const { size, channels } = sample.index;
    const stride = size * size * channels;
    const pixels = new Uint8Array(N * stride);
    const items = [];
    for (let i = 0; i < N; i++) {
      const src = i % sample.index.count;
      pixels.set(sample.image(src), i * stride);
      items.push({ ...sample.index.items[src], source: `tile-${i}.png` });
    }
    const big = path.join(tmp, 'ds10k');
    await writeDataset(big, { size, channels }, { options: {}, items, labels: sample.index.labels }, pixels);
    const t0 = performance.now();
    const s = await latentSession(runDir, big, { force: true, batchSize: 256 });
    const encodeSeconds = (performance.now() - t0) / 1000;
    const model = s.run.model;
    const t1 = performance.now();
    await encodeDataset(model, await openDataset(big), { batchSize: 256, reconstruction: false });
    const encodeOnlySeconds = (performance.now() - t1) / 1000;
    const J = s.latents.latentDim;
    const mu = (i: number) => Array.from(s.latents.mu.subarray(i * J, (i + 1) * J));
    // Farthest pair among the first 507 (the distinct images).
    let far = { a: 0, b: 1, d: -1 };
    for (let a = 0; a < sample.index.count; a++)
      for (let b = a + 1; b < sample.index.count; b++) {
        let d = 0;
        for (let j = 0; j < J; j++) d += (s.latents.mu[a * J + j] - s.latents.mu[b * J + j]) ** 2;
        if (d > far.d) far = { a, b, d };
      }
    const ends = [mu(far.a), mu(far.b)];

    const interpolateMs = await medianMs(() => decodeImages(model, pathThrough(ends, 16, 'slerp')), 20);
    const linear = pathThrough(ends, 16, 'linear');
    let geo = await geodesicPath(model, linear, new Set([0, 15]), { iterations: 200, learningRate: 0.05, tolerance: 1e-3 });
    const geodesicMs = await medianMs(async () => {
      geo = await geodesicPath(model, linear, new Set([0, 15]), { iterations: 200, learningRate: 0.05, tolerance: 1e-3 });
    }, 3);
    const linearLength = await imageSpaceLength(model, linear);

    const frames = await decodeImages(model, pathThrough(ends, 64, 'slerp'));
    const sheetMs = await medianMs(() => exportFiles(frames, { formats: ['sheet'], name: 'frame-{i}', sheetName: 'sheet', scale: 1, delayMs: 100, pingPong: false, loop: 0, columns: null }), 10);

    const context = { backend, model: 'conv 32x32x4 latent 16, trained 10 epochs on the 507-image sample set', load1m: Math.round(os.loadavg()[0] * 100) / 100 };
    const r = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    return [
      { bench: 'latent', metric: 'encode_10k_s', value: r(encodeSeconds), unit: 's', images: N, batchSize: 256, withoutReconstructionSeconds: r(encodeOnlySeconds), trainSeconds: r(trainedIn, 1), ...context },
      { bench: 'latent', metric: 'interpolate_16_ms', value: r(interpolateMs), unit: 'ms', method: 'slerp', frames: 16, ...context },
      { bench: 'latent', metric: 'geodesic_16_ms', value: r(geodesicMs, 1), unit: 'ms', frames: 16, iterations: geo.iterations, converged: geo.converged, ...context },
      { bench: 'latent', metric: 'geodesic_over_linear_length', value: r(geo.length / linearLength, 4), unit: 'ratio', geodesicLength: r(geo.length, 3), linearLength: r(linearLength, 3), ...context },
      { bench: 'latent', metric: 'export_sheet_64_ms', value: r(sheetMs), unit: 'ms', frames: 64, cell: size, ...context },
    ];
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
