/**
 * A dataset's palette: the colours its sprites are drawn with, found by k-means in OKLab on
 * the opaque pixels of its training images (k-means++ start, seeded, so the same dataset,
 * colour count and seed always give the same palette). Pixel-art finishing snaps generated
 * images to it, and an indexed PNG can use it as its colour table.
 *
 * Computing it takes a second or so on a big set, so each palette is kept in memory and in
 * `palette.json` inside the dataset folder (written atomically; keyed by the dataset's hash,
 * so a re-imported dataset never reuses a stale palette). A dataset that cannot be written to
 * (a read-only install) still gets its palette, just not cached on disk; nor is the bundled
 * sample set written to (it is part of the app).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LATENT_LIMITS, withinLimit } from '../contract';
import type { Dataset } from '../data/store';
import { AtlasError } from '../errors';
import { Rng } from '../model/rng';
import { sampleDatasetDir } from '../util/app-paths';
import { writeFileAtomic } from '../util/atomic-write';
import { bytesToOklab, oklabToBytes } from './oklab';

export const PALETTE_FILE = 'palette.json';
/** Opaque pixels used at most (a seeded random subset of them when there are more). */
export const PALETTE_MAX_PIXELS = 200_000;
/** A pixel is opaque for the palette when its alpha is at least this (of 255). */
const OPAQUE_ALPHA = 128;

/** Refuse a colour count outside LATENT_LIMITS.pixelArtColors with a message that says what is allowed. */
export function checkPaletteColors(colors: number): void {
  const { min, max } = LATENT_LIMITS.pixelArtColors;
  if (!withinLimit(colors, LATENT_LIMITS.pixelArtColors)) throw new AtlasError('invalid_input', `The palette size must be a whole number of colours from ${min} to ${max}, got ${colors}.`);
}

export interface KMeansResult {
  /** k x dim. */
  centroids: Float64Array;
  /** Cluster of each point. */
  assignment: Int32Array;
  iterations: number;
}

function nearest(points: Float64Array, p: number, centroids: Float64Array, k: number, dim: number): { c: number; d: number } {
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < k; c++) {
    let d = 0;
    for (let j = 0; j < dim; j++) {
      const t = points[p * dim + j] - centroids[c * dim + j];
      d += t * t;
    }
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return { c: best, d: bestD };
}

/** Index drawn with probability proportional to weights[i] (all weights >= 0, sum > 0). */
function drawWeighted(weights: Float64Array, total: number, rng: Rng): number {
  let r = rng.uniform() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0) return i;
  }
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return 0;
}

/**
 * Weighted k-means (Lloyd) with k-means++ seeding. points: n x dim; weights: how many pixels
 * each point stands for (null = 1 each). k must not exceed n. Deterministic for a given rng.
 */
export function kMeans(points: Float64Array, dim: number, weights: Float64Array | null, k: number, rng: Rng, maxIterations = 100): KMeansResult {
  const n = points.length / dim;
  if (!Number.isInteger(n) || k < 1 || k > n) throw new AtlasError('invalid_input', `k-means needs 1 <= k <= points (k = ${k}, ${n} points).`);
  const w = weights ?? new Float64Array(n).fill(1);
  const centroids = new Float64Array(k * dim);
  const setCentroid = (c: number, p: number) => centroids.set(points.subarray(p * dim, (p + 1) * dim), c * dim);

  // k-means++: the first centre by weight, each next one by weight x squared distance to the nearest centre so far.
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i];
  setCentroid(0, drawWeighted(w, total, rng));
  const d2 = new Float64Array(n).fill(Infinity);
  const score = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let j = 0; j < dim; j++) {
        const t = points[i * dim + j] - centroids[(c - 1) * dim + j];
        d += t * t;
      }
      if (d < d2[i]) d2[i] = d;
      score[i] = w[i] * d2[i];
      sum += score[i];
    }
    // Every point already sits on a centre (fewer distinct points than k): take any unused one.
    setCentroid(c, sum > 0 ? drawWeighted(score, sum, rng) : c);
  }

  const assignment = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * dim);
  const mass = new Float64Array(k);
  const dist = new Float64Array(n);
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const { c, d } = nearest(points, i, centroids, k, dim);
      dist[i] = d;
      if (assignment[i] !== c) {
        assignment[i] = c;
        changed++;
      }
    }
    if (changed === 0) break;
    sums.fill(0);
    mass.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i];
      mass[c] += w[i];
      for (let j = 0; j < dim; j++) sums[c * dim + j] += w[i] * points[i * dim + j];
    }
    for (let c = 0; c < k; c++) {
      if (mass[c] > 0) {
        for (let j = 0; j < dim; j++) centroids[c * dim + j] = sums[c * dim + j] / mass[c];
        continue;
      }
      // An empty cluster restarts at the point worst served by its centre.
      let worst = 0;
      for (let i = 1; i < n; i++) if (w[i] * dist[i] > w[worst] * dist[worst]) worst = i;
      setCentroid(c, worst);
      dist[worst] = 0;
    }
  }
  return { centroids, assignment, iterations };
}

export interface Palette {
  /** count x 4 bytes: sRGB and alpha (always 255: palettes hold opaque colours), darkest first. */
  rgba: Uint8Array;
  count: number;
}

export interface PaletteReport extends Palette {
  /** Opaque pixels the palette was fitted on (after subsampling). */
  pixels: number;
  /** Distinct colours among them. */
  distinctColours: number;
  iterations: number;
}

export interface PaletteOptions {
  colors: number;
  seed?: number;
  maxPixels?: number;
}

/**
 * The palette of some images: `images` yields each image's HWC bytes (1, 3 or 4 channels).
 * Pixels with alpha under 128 are left out. With fewer distinct colours than asked for,
 * the palette is exactly those colours.
 */
export function paletteFromImages(images: Iterable<Uint8Array>, channels: 1 | 3 | 4, opts: PaletteOptions): PaletteReport {
  checkPaletteColors(opts.colors);
  const list = [...images];
  const maxPixels = opts.maxPixels ?? PALETTE_MAX_PIXELS;
  const rng = new Rng(opts.seed ?? 0);
  const opaque = (img: Uint8Array, p: number) => channels !== 4 || img[p * 4 + 3] >= OPAQUE_ALPHA;
  let total = 0;
  for (const img of list) for (let p = 0; p < img.length / channels; p++) if (opaque(img, p)) total++;
  // Selection sampling (Knuth's algorithm S): exactly min(total, maxPixels) pixels, each equally likely.
  const wanted = Math.min(total, maxPixels);
  const counts = new Map<number, number>();
  let seen = 0;
  let taken = 0;
  for (const img of list)
    for (let p = 0; p < img.length / channels && taken < wanted; p++) {
      if (!opaque(img, p)) continue;
      const keep = wanted === total || rng.uniform() * (total - seen) < wanted - taken;
      seen++;
      if (!keep) continue;
      taken++;
      const o = p * channels;
      const key = channels === 1 ? img[o] * 0x10101 : (img[o] << 16) | (img[o + 1] << 8) | img[o + 2];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  if (counts.size === 0) throw new AtlasError('invalid_input', 'The dataset has no opaque pixels to take a palette from (every pixel is more than half transparent).');

  const u = counts.size;
  const points = new Float64Array(u * 3);
  const weights = new Float64Array(u);
  const keys = [...counts.keys()];
  keys.forEach((key, i) => {
    bytesToOklab((key >> 16) & 255, (key >> 8) & 255, key & 255, points, i * 3);
    weights[i] = counts.get(key)!;
  });
  let colours: [number, number, number][];
  let iterations = 0;
  if (u <= opts.colors) {
    colours = keys.map((key) => [(key >> 16) & 255, (key >> 8) & 255, key & 255]);
  } else {
    const km = kMeans(points, 3, weights, opts.colors, rng);
    iterations = km.iterations;
    colours = Array.from({ length: opts.colors }, (_, c) => oklabToBytes(km.centroids[c * 3], km.centroids[c * 3 + 1], km.centroids[c * 3 + 2]));
    // A gray dataset keeps a gray palette (rounding could split r, g and b by one).
    if (channels === 1) colours = colours.map(([r, g, b]) => Array(3).fill(Math.round((r + g + b) / 3)) as [number, number, number]);
  }
  // Distinct colours, darkest first (then by a and b): a stable order for display and indexed PNGs.
  const distinct = [...new Map(colours.map((c) => [(c[0] << 16) | (c[1] << 8) | c[2], c])).values()];
  const lab = new Float64Array(3);
  const sortKey = (c: [number, number, number]) => (bytesToOklab(c[0], c[1], c[2], lab), [lab[0], lab[1], lab[2]]);
  const keyed = distinct.map((c) => ({ c, k: sortKey(c) }));
  keyed.sort((x, y) => x.k[0] - y.k[0] || x.k[1] - y.k[1] || x.k[2] - y.k[2]);
  const rgba = new Uint8Array(keyed.length * 4);
  keyed.forEach(({ c }, i) => rgba.set([c[0], c[1], c[2], 255], i * 4));
  return { rgba, count: keyed.length, pixels: taken, distinctColours: u, iterations };
}

export const paletteHex = (p: Palette): string[] => Array.from({ length: p.count }, (_, i) => '#' + Array.from(p.rgba.subarray(i * 4, i * 4 + 3), (v) => v.toString(16).padStart(2, '0')).join(''));

function paletteFromHex(hex: string[]): Palette {
  const rgba = new Uint8Array(hex.length * 4);
  hex.forEach((h, i) => rgba.set([parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16), 255], i * 4));
  return { rgba, count: hex.length };
}

export interface DatasetPalette extends Palette {
  /** Colours asked for (the palette may hold fewer when the dataset has fewer). */
  colors: number;
  seed: number;
  /** Where it came from: computed now, or the memory or palette.json cache. */
  source: 'computed' | 'memory' | 'file';
  /** palette.json when it holds this palette; null when the dataset folder could not be written. */
  file: string | null;
}

interface PaletteFileEntry {
  colors: number;
  seed: number;
  maxPixels: number;
  palette: string[];
  pixels: number;
  distinctColours: number;
  iterations: number;
  createdAt: string;
}

interface PaletteFile {
  schemaVersion: 1;
  datasetHash: string;
  palettes: Record<string, PaletteFileEntry>;
}

const memory = new Map<string, Palette>();
const entryKey = (colors: number, seed: number, maxPixels: number) => `${colors}:${seed}:${maxPixels}`;
const HEX = /^#[0-9a-f]{6}$/;

async function readPaletteFile(file: string, datasetHash: string): Promise<PaletteFile | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as PaletteFile;
    if (parsed?.schemaVersion !== 1 || parsed.datasetHash !== datasetHash || typeof parsed.palettes !== 'object' || parsed.palettes === null) return null;
    return parsed;
  } catch {
    return null; // missing or damaged: computed again and rewritten
  }
}

/** The palette of a dataset's training images (all images when it has no training split), cached. */
export async function datasetPalette(dataset: Dataset, opts: PaletteOptions): Promise<DatasetPalette> {
  checkPaletteColors(opts.colors);
  const seed = opts.seed ?? 0;
  const maxPixels = opts.maxPixels ?? PALETTE_MAX_PIXELS;
  const hash = dataset.index.datasetHash;
  const file = path.join(dataset.dir, PALETTE_FILE);
  const key = entryKey(opts.colors, seed, maxPixels);
  const memoryKey = `${path.resolve(dataset.dir)}|${hash}|${key}`;
  const base = { colors: opts.colors, seed };
  const inMemory = memory.get(memoryKey);
  if (inMemory) return { ...inMemory, ...base, source: 'memory', file };

  const stored = await readPaletteFile(file, hash);
  const entry = stored?.palettes[key];
  if (entry && Array.isArray(entry.palette) && entry.palette.length > 0 && entry.palette.length <= opts.colors && entry.palette.every((h) => typeof h === 'string' && HEX.test(h))) {
    const p = paletteFromHex(entry.palette);
    memory.set(memoryKey, p);
    return { ...p, ...base, source: 'file', file };
  }

  const train = dataset.indicesOf('train');
  const indices = train.length ? train : Array.from({ length: dataset.index.count }, (_, i) => i);
  const report = paletteFromImages(
    (function* () {
      for (const i of indices) yield dataset.image(i);
    })(),
    dataset.index.channels,
    { colors: opts.colors, seed, maxPixels },
  );
  const palette: Palette = { rgba: report.rgba, count: report.count };
  memory.set(memoryKey, palette);
  const next: PaletteFile = { schemaVersion: 1, datasetHash: hash, palettes: { ...(stored?.palettes ?? {}) } };
  next.palettes[key] = {
    colors: opts.colors,
    seed,
    maxPixels,
    palette: paletteHex(palette),
    pixels: report.pixels,
    distinctColours: report.distinctColours,
    iterations: report.iterations,
    createdAt: new Date().toISOString(),
  };
  const shipped = sampleDatasetDir();
  if (shipped && path.resolve(shipped) === path.resolve(dataset.dir)) return { ...palette, ...base, source: 'computed', file: null };
  let written: string | null = file;
  try {
    await writeFileAtomic(file, JSON.stringify(next, null, 1) + '\n');
  } catch {
    written = null; // a dataset folder that cannot be written to: memory only
  }
  return { ...palette, ...base, source: 'computed', file: written };
}

/** Forget palettes held in memory (tests). */
export function clearPaletteMemory(): void {
  memory.clear();
}
