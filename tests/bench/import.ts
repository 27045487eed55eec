/**
 * Import benchmark: throughput and peak RSS of `importImages` on
 *  - the 3,786 64x64 Twemoji PNGs of emoji-datasource-twitter (fetched with `npm pack` into a
 *    temp dir), to 32x32 RGBA: a cold import (no cache) and a warm one (every file cached);
 *  - a synthetic folder of LA_BENCH_IMPORT_SYNTH images (default 100,000; 0 skips it), 40x40
 *    PNGs in 100 label folders, to 32x32: peak RSS must stay bounded (target < 1.5 GB).
 * Each import runs in its own child process, so peak RSS (getrusage maxrss) is the import's
 * alone. The child is the library bundled by esbuild into node_modules/.cache (sharp external).
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { build } from 'esbuild';
import { chunk, ihdr, PNG_SIGNATURE } from '../fixtures/png-bytes';
import type { BenchLine } from './types';
import { fetchEmoji } from './data';

export type { BenchLine };

interface ChildResult {
  imported: number;
  skipped: number;
  decoded: number;
  fromCache: number;
  durationMs: number;
  maxRssMB: number;
  cpuMs: number;
}

interface ChildArgs {
  folder: string;
  output: string;
  cacheDir: string | null;
  options: Record<string, unknown>;
}

/** The repo root: the nearest folder above this file (source or bundled) holding package.json. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

async function bundleChild(root: string): Promise<string> {
  const outfile = path.join(root, 'node_modules', '.cache', 'latent-atlas', 'import-bench-child.mjs');
  await build({
    stdin: {
      contents: `
        import { importImages } from './src/data/import';
        const args = JSON.parse(process.env.LA_IMPORT_BENCH_ARGS);
        const t0 = performance.now();
        const r = await importImages({ source: { folder: args.folder }, output: args.output, cacheDir: args.cacheDir, options: args.options });
        const durationMs = performance.now() - t0;
        const ru = process.resourceUsage();
        process.stdout.write(JSON.stringify({ imported: r.imported, skipped: r.skipped.length, decoded: r.decoded, fromCache: r.fromCache, durationMs,
          maxRssMB: ru.maxRSS / 1024, cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000 }));
      `,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

function runChild(child: string, args: ChildArgs): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child], { env: { ...process.env, LA_IMPORT_BENCH_ARGS: JSON.stringify(args) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`import bench child exited with ${code}`));
      else resolve(JSON.parse(out) as ChildResult);
    });
  });
}

/** n distinct 40x40 RGBA PNGs (a coloured square on a coloured ground), 100 label folders. */
async function writeSynthetic(dir: string, n: number): Promise<void> {
  const w = 40;
  const head = Buffer.concat([PNG_SIGNATURE, ihdr(w, w, 8, 6)]);
  const tail = chunk('IEND');
  const lines = Buffer.alloc(w * (w * 4 + 1));
  for (let f = 0; f < 100; f++) await fs.mkdir(path.join(dir, `class${String(f).padStart(2, '0')}`), { recursive: true });
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const bg = [(i * 37) & 255, (i * 91) & 255, (i * 13) & 255];
    const fg = [255 - bg[0], (i >> 8) & 255, (i >> 16) * 40];
    const x0 = i % 24,
      y0 = (i >> 5) % 24,
      s = 8 + (i % 9);
    for (let y = 0; y < w; y++) {
      const row = y * (w * 4 + 1);
      lines[row] = 0;
      for (let x = 0; x < w; x++) {
        const inSq = x >= x0 && x < x0 + s && y >= y0 && y < y0 + s;
        const c = inSq ? fg : bg;
        const o = row + 1 + x * 4;
        lines[o] = c[0];
        lines[o + 1] = c[1];
        lines[o + 2] = c[2];
        lines[o + 3] = inSq ? 255 : 200;
      }
    }
    const png = Buffer.concat([head, chunk('IDAT', deflateSync(lines, { level: 1 })), tail]);
    pending.push(fs.writeFile(path.join(dir, `class${String(i % 100).padStart(2, '0')}`, `img${i}.png`), png));
    if (pending.length >= 64) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

export async function run(): Promise<BenchLine[]> {
  const root = repoRoot();
  const child = await bundleChild(root);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-import-bench-'));
  const context = { cores: os.cpus().length, node: process.version, load1m: round(os.loadavg()[0], 2) };
  const options = { size: 32, channels: 'rgba' };
  const lines: BenchLine[] = [];
  try {
    const emoji = await fetchEmoji(path.join(tmp));
    const files = (await fs.readdir(emoji)).length;
    const cacheDir = path.join(tmp, 'cache');
    const base = { bench: 'import', set: 'emoji-datasource-twitter 64x64 png', files, size: 32, channels: 'rgba', concurrency: 4 };
    const cold = await runChild(child, { folder: emoji, output: path.join(tmp, 'emoji-cold'), cacheDir, options });
    lines.push({
      ...base,
      ...context,
      metric: 'images_per_s',
      value: round((cold.imported / cold.durationMs) * 1000),
      unit: 'img/s',
      cache: 'cold',
      imported: cold.imported,
      skipped: cold.skipped,
      durationMs: round(cold.durationMs),
      cpuPerWall: round(cold.cpuMs / cold.durationMs, 2),
    });
    lines.push({ ...base, ...context, metric: 'peak_rss_mb', value: round(cold.maxRssMB), unit: 'MB', cache: 'cold' });
    const warm = await runChild(child, { folder: emoji, output: path.join(tmp, 'emoji-warm'), cacheDir, options });
    lines.push({
      ...base,
      ...context,
      metric: 'images_per_s',
      value: round((warm.imported / warm.durationMs) * 1000),
      unit: 'img/s',
      cache: 'warm',
      decoded: warm.decoded,
      fromCache: warm.fromCache,
      durationMs: round(warm.durationMs),
    });
    await fs.rm(path.dirname(path.dirname(emoji)), { recursive: true, force: true });

    const synthCount = Number(process.env.LA_BENCH_IMPORT_SYNTH ?? 100_000);
    if (synthCount > 0) {
      const synth = path.join(tmp, 'synthetic');
      await writeSynthetic(synth, synthCount);
      const r = await runChild(child, { folder: synth, output: path.join(tmp, 'synthetic-out'), cacheDir: null, options: { ...options, dedupe: true } });
      const sbase = { bench: 'import', set: 'synthetic 40x40 png, 100 folders', files: synthCount, size: 32, channels: 'rgba', concurrency: 4, cache: 'off', ...context };
      lines.push({ ...sbase, metric: 'peak_rss_mb', value: round(r.maxRssMB), unit: 'MB', imported: r.imported });
      lines.push({ ...sbase, metric: 'images_per_s', value: round((r.imported / r.durationMs) * 1000), unit: 'img/s', durationMs: round(r.durationMs) });
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return lines;
}
