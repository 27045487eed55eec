/**
 * Nonlinear layout benchmark: UMAP and t-SNE of real posterior means into 3D, one run each
 * (they take seconds to minutes; a median would triple the bench). The means come from the
 * default conv model (latent 16) trained for 3 epochs on the 3,786 Twemoji fetched at bench
 * time (npm pack), encoded; larger sets are draws from those images' posteriors q(z|x)
 * (mu + sigma * eps), i.e. more images the model would place like them, not exact copies
 * (duplicates would give zero neighbour distances that neither method sees in real data).
 *  - umap_10k_s, umap_100k_s: umap-js, 15 neighbours, 3 components, default epochs (500 at up
 *    to 2,500 images, 200 above 7,500); the kNN graph is exact at 10k and umap-js's own
 *    approximate one (RP trees + NN-descent) at 100k (src/latent/layouts.ts EXACT_KNN_MAX);
 *  - tsne_10k_s: the project's Barnes-Hut t-SNE (perplexity 30, 750 iterations, theta 0.5).
 * Each includes the kNN graph. LAYOUT_BENCH_SKIP_100K=1 leaves the 100k UMAP out.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/backend/choose';
import { importImages } from '../../src/data/import';
import { openDataset } from '../../src/data/store';
import { encodeDataset } from '../../src/latent/encode';
import { tsneLayout, umapLayout } from '../../src/latent/layouts';
import { Rng } from '../../src/model/rng';
import { loadModel, resolveModelDir } from '../../src/model/load';
import { train } from '../../src/train/train';
import { fetchEmoji } from './data';
import type { BenchLine } from './types';

/** n means: the encoded set first, then posterior draws around its images in turn. */
function posteriorDraws(mu: Float32Array, logvar: Float32Array, count: number, dim: number, n: number): Float32Array {
  const out = new Float32Array(n * dim);
  const rng = new Rng(11);
  out.set(mu.subarray(0, Math.min(n, count) * dim));
  for (let i = count; i < n; i++) {
    const src = i % count;
    const eps = rng.normals(dim);
    for (let j = 0; j < dim; j++) out[i * dim + j] = mu[src * dim + j] + Math.exp(0.5 * logvar[src * dim + j]) * eps[j];
  }
  return out;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

export async function run(): Promise<BenchLine[]> {
  const force = (process.env.LATENT_ATLAS_BACKEND as 'tensorflow' | 'wasm' | 'cpu' | undefined) ?? 'wasm';
  const backend = (await initBackend({ force })).label;
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-bench-layouts-'));
  try {
    const emoji = await fetchEmoji(tmp);
    const imported = await importImages({ source: { folder: emoji }, output: path.join(tmp, 'emoji-32'), cacheDir: null, options: { size: 32, channels: 'rgba' } });
    const dataset = await openDataset(imported.dataset);
    const runDir = path.join(tmp, 'run');
    await train({ epochs: 3, batchSize: 32, seed: 1, previewCount: 0, valIwaeK: 0 }, dataset, { checkpointDir: runDir });
    const model = await loadModel(await resolveModelDir(runDir));
    const latents = await encodeDataset(model, dataset, { batchSize: 256, reconstruction: false });
    model.dispose();
    const { mu, logvar, count, latentDim: J } = latents;
    const context = { backend, source: 'twemoji 3786 encoded + posterior draws', latentDim: J, runs: 1 };
    const lines: BenchLine[] = [];
    const say = (metric: string, value: number, n: number, extra: Record<string, unknown> = {}) => {
      const line = { bench: 'layouts', metric, value: Number(value.toFixed(2)), unit: 's', images: n, ...context, ...extra };
      process.stderr.write(`bench layouts: ${JSON.stringify(line)}\n`);
      lines.push(line);
    };
    const data10k = posteriorDraws(mu, logvar, count, J, 10_000);
    say('umap_10k_s', await timed(() => umapLayout(data10k, 10_000, J, { seed: 0 })), 10_000, { method: 'umap-js 1.4.0, 15 neighbours, exact kNN' });
    say('tsne_10k_s', await timed(() => tsneLayout(data10k, 10_000, J, { seed: 0 })), 10_000, { method: 'Barnes-Hut t-SNE, perplexity 30, 750 iterations' });
    if (process.env.LAYOUT_BENCH_SKIP_100K !== '1') {
      const data100k = posteriorDraws(mu, logvar, count, J, 100_000);
      say(
        'umap_100k_s',
        await timed(() => umapLayout(data100k, 100_000, J, { seed: 0, onProgress: (p) => p.done === p.total && process.stderr.write(`bench layouts: umap 100k ${p.stage} done\n`) })),
        100_000,
        { method: 'umap-js 1.4.0, 15 neighbours, NN-descent kNN' },
      );
    }
    return lines;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
