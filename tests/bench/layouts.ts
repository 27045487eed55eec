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
 *  - tsne_10k_s: the project's Barnes-Hut t-SNE (perplexity 30, 750 iterations, theta 0.5);
 *    tsne_10k_approx_s: the same over the approximate kNN graph it uses above TSNE_EXACT_KNN_MAX
 *    (threshold lowered to 0 for the measurement);
 *  - tsne_knn_{10k,50k}_exact_s, _approx_s, _recall: t-SNE's kNN graph alone (k = 90 =
 *    3 x perplexity) at 10k and 50k, exact (batched matmuls) and approximate (RP trees +
 *    NN-descent), and the share of the exact neighbours the approximate graph found.
 * Each layout time includes the kNN graph. LAYOUT_BENCH_SKIP_100K=1 leaves the 100k UMAP out;
 * LAYOUT_BENCH_KNN_ONLY=1 measures only the kNN graphs; LAYOUT_BENCH_RUN=<runDir> takes the
 * posterior means from a run's latents.bin (encoded already) instead of training on Twemoji.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/backend/choose';
import { importImages } from '../../src/data/import';
import { openDataset } from '../../src/data/store';
import { encodeDataset } from '../../src/latent/encode';
import { approximateKnnGraph } from '../../src/latent/approximate-knn';
import { knnGraph, tsneLayout, umapLayout } from '../../src/latent/layouts';
import { readLatents, LATENTS_JSON, type LatentsKey } from '../../src/latent/latents-file';
import { neighboursForPerplexity, TSNE_DEFAULTS } from '../../src/latent/tsne';
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

/** Posterior means and log-variances: a given run's latents.bin, or a model trained here on Twemoji. */
async function benchLatents(tmp: string): Promise<{ mu: Float32Array; logvar: Float32Array; count: number; latentDim: number; source: string }> {
  const given = process.env.LAYOUT_BENCH_RUN;
  if (given) {
    const key = JSON.parse(await fs.readFile(path.join(given, LATENTS_JSON), 'utf8')) as LatentsKey;
    const latents = await readLatents(given, key);
    if (!latents) throw new Error(`LAYOUT_BENCH_RUN=${given}: its latents.bin does not match its latents.json; encode the run again.`);
    return { ...latents, source: `${path.basename(given)} ${latents.count} encoded + posterior draws` };
  }
  const emoji = await fetchEmoji(tmp);
  const imported = await importImages({ source: { folder: emoji }, output: path.join(tmp, 'emoji-32'), cacheDir: null, options: { size: 32, channels: 'rgba' } });
  const dataset = await openDataset(imported.dataset);
  const runDir = path.join(tmp, 'run');
  await train({ epochs: 3, batchSize: 32, seed: 1, previewCount: 0, valIwaeK: 0 }, dataset, { checkpointDir: runDir });
  const model = await loadModel(await resolveModelDir(runDir));
  const latents = await encodeDataset(model, dataset, { batchSize: 256, reconstruction: false });
  model.dispose();
  return { ...latents, source: `twemoji ${latents.count} encoded + posterior draws` };
}

/** Share of the exact graph's neighbours that the approximate one also has. */
function recall(exact: { k: number; indices: Int32Array }, approx: { indices: Int32Array }, n: number): number {
  const { k } = exact;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const found = new Set(approx.indices.subarray(i * k, (i + 1) * k));
    for (let t = 0; t < k; t++) if (found.has(exact.indices[i * k + t])) hits++;
  }
  return hits / (n * k);
}

export async function run(): Promise<BenchLine[]> {
  const force = (process.env.LATENT_ATLAS_BACKEND as 'tensorflow' | 'wasm' | 'cpu' | undefined) ?? 'wasm';
  const backend = (await initBackend({ force })).label;
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-bench-layouts-'));
  try {
    const { mu, logvar, count, latentDim: J, source } = await benchLatents(tmp);
    const context = { backend, source, latentDim: J, runs: 1 };
    const lines: BenchLine[] = [];
    const say = (metric: string, value: number, n: number, extra: Record<string, unknown> = {}, unit = 's') => {
      const line = { bench: 'layouts', metric, value: Number(value.toFixed(unit === 's' ? 2 : 4)), unit, images: n, ...context, ...extra };
      process.stderr.write(`bench layouts: ${JSON.stringify(line)}\n`);
      lines.push(line);
    };
    const data10k = posteriorDraws(mu, logvar, count, J, 10_000);
    // t-SNE's kNN graph alone, exact and approximate (the rest of t-SNE is the same for both).
    const k = neighboursForPerplexity(TSNE_DEFAULTS.perplexity, 10_000);
    for (const [n, name] of [
      [10_000, '10k'],
      [50_000, '50k'],
    ] as const) {
      const data = n === 10_000 ? data10k : posteriorDraws(mu, logvar, count, J, n);
      let exact: Awaited<ReturnType<typeof knnGraph>> | null = null;
      let approx: Awaited<ReturnType<typeof approximateKnnGraph>> | null = null;
      say(`tsne_knn_${name}_exact_s`, await timed(async () => (exact = await knnGraph(data, n, J, k))), n, { k, method: 'exact, batched matmuls' });
      const rng = new Rng(0);
      say(`tsne_knn_${name}_approx_s`, await timed(async () => (approx = await approximateKnnGraph(data, n, J, k, () => rng.uniform()))), n, { k, method: 'RP trees + NN-descent (umap-js)' });
      say(`tsne_knn_${name}_recall`, recall(exact!, approx!, n), n, { k }, 'share');
    }
    if (process.env.LAYOUT_BENCH_KNN_ONLY === '1') return lines;
    say('umap_10k_s', await timed(() => umapLayout(data10k, 10_000, J, { seed: 0 })), 10_000, { method: 'umap-js 1.4.0, 15 neighbours, exact kNN' });
    say('tsne_10k_s', await timed(() => tsneLayout(data10k, 10_000, J, { seed: 0 })), 10_000, { method: 'Barnes-Hut t-SNE, perplexity 30, 750 iterations, exact kNN' });
    say('tsne_10k_approx_s', await timed(() => tsneLayout(data10k, 10_000, J, { seed: 0, exactKnnMax: 0 })), 10_000, {
      method: 'Barnes-Hut t-SNE, perplexity 30, 750 iterations, NN-descent kNN',
    });
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
