/**
 * Latent tools benchmark on a real image set fetched at bench time (the 3,786 Twemoji of
 * emoji-datasource-twitter, imported at 32x32 RGBA) with the default conv model (latent 16)
 * trained for 10 epochs on it (a 2-epoch decoder is nearly flat, and geodesics then barely
 * differ from straight lines):
 *  - encode_10k_s: encode 10,000 images (the set tiled) as latent.encode does: mu,
 *    log-variance, reconstruction error of g(mu) and KL per image, written to latents.bin;
 *  - interpolate_16_ms: a 16-frame slerp path decoded to images;
 *  - geodesic_16_ms and geodesic_over_linear_length: the 16-frame geodesic between the two
 *    images farthest apart in latent space (default budget) and its image-space length over
 *    the linear path's;
 *  - neighbours_100k_ms: the 8 exact nearest neighbours of one image among 100,000 posterior
 *    means (the encoded set tiled), as the inspector asks for them;
 *  - memorisation_16_of_100k_ms: for 16 prior samples, the nearest of 100,000 training images
 *    in pixel space (the Generate panel's memorisation check);
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
import { importImages } from '../../src/data/import';
import { nearestRows } from '../../src/latent/neighbours';
import { samplePrior } from '../../src/latent/generate';
import type { BenchLine } from './types';
import { EMOJI_PACKAGE, fetchEmoji } from './data';

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
    const emoji = await fetchEmoji(tmp);
    const imported = await importImages({ source: { folder: emoji }, output: path.join(tmp, 'emoji-32'), cacheDir: null, options: { size: 32, channels: 'rgba' } });
    const sample = await openDataset(imported.dataset);
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
    // Farthest pair among the distinct images (the first tile).
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

    // 100k posterior means (the 10k tiled): the inspector's 8 nearest neighbours of one image.
    const M = 100_000;
    const mu100k = new Float32Array(M * J);
    for (let i = 0; i < M; i++) mu100k.set(s.latents.mu.subarray((i % N) * J, ((i % N) + 1) * J), i * J);
    const query = mu100k.slice(17 * J, 18 * J);
    const neighboursMs = await medianMs(
      () =>
        nearestRows(
          query,
          1,
          J,
          M,
          (a, b) => mu100k.subarray(a * J, b * J),
          8,
          (_, i) => i === 17,
        ),
      5,
    );

    // The memorisation check of 16 prior samples against 100k training images in pixel space.
    const samples = await decodeImages(model, samplePrior(16, J, 1, 3));
    const D = stride;
    const pixelRows = (a: number, b: number) => {
      const out = new Float32Array((b - a) * D);
      for (let r = a; r < b; r++) {
        const px = sample.image(r % sample.index.count);
        for (let k = 0; k < D; k++) out[(r - a) * D + k] = px[k] / 255;
      }
      return out;
    };
    const memorisationMs = await medianMs(() => nearestRows(samples.pixels, 16, D, M, pixelRows, 1), 3);

    const frames = await decodeImages(model, pathThrough(ends, 64, 'slerp'));
    const sheetMs = await medianMs(() => exportFiles(frames, { formats: ['sheet'], name: 'frame-{i}', sheetName: 'sheet', scale: 1, delayMs: 100, pingPong: false, loop: 0, columns: null }), 10);

    const context = {
      backend,
      set: `${EMOJI_PACKAGE} (${sample.index.count} images, 32x32 RGBA)`,
      model: 'conv 32x32x4 latent 16, trained 10 epochs',
      load1m: Math.round(os.loadavg()[0] * 100) / 100,
    };
    const r = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    return [
      {
        bench: 'latent',
        metric: 'encode_10k_s',
        value: r(encodeSeconds),
        unit: 's',
        images: N,
        batchSize: 256,
        withoutReconstructionSeconds: r(encodeOnlySeconds),
        trainSeconds: r(trainedIn, 1),
        ...context,
      },
      { bench: 'latent', metric: 'interpolate_16_ms', value: r(interpolateMs), unit: 'ms', method: 'slerp', frames: 16, ...context },
      { bench: 'latent', metric: 'geodesic_16_ms', value: r(geodesicMs, 1), unit: 'ms', frames: 16, iterations: geo.iterations, converged: geo.converged, improved: geo.improved, ...context },
      { bench: 'latent', metric: 'geodesic_over_linear_length', value: r(geo.length / linearLength, 4), unit: 'ratio', geodesicLength: r(geo.length, 3), linearLength: r(linearLength, 3), ...context },
      { bench: 'latent', metric: 'neighbours_100k_ms', value: r(neighboursMs), unit: 'ms', points: M, k: 8, latentDim: J, ...context },
      { bench: 'latent', metric: 'memorisation_16_of_100k_ms', value: r(memorisationMs, 1), unit: 'ms', samples: 16, images: M, pixels: D, ...context },
      { bench: 'latent', metric: 'export_sheet_64_ms', value: r(sheetMs), unit: 'ms', frames: 64, cell: size, ...context },
    ];
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
