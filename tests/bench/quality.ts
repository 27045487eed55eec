/**
 * Quality benchmark (issue 11, item 1): train a preset for a fixed wall-clock budget on real
 * sprite sets and measure what a user sees.
 *
 *   npm run bench -- quality [--dataset DIR] [--minutes M] [--preset quick|balanced|quality]
 *                            [--seeds N] [--seed S] [--workers 1|2|auto]
 *
 * Data, fetched at bench time and cached under os.tmpdir() (never committed): the Twemoji of
 * emoji-datasource-twitter (npm pack) and the Dungeon Crawl Stone Soup tiles of Debian's
 * crawl-tiles-data (apt-get download; its sprite sheets cut by the app's automatic slicing),
 * both imported at 32x32 RGBA; or,
 * with --dataset, one dataset already imported by the app or the CLI.
 *
 * Each run trains the preset's settings (renderer/lib/presets.ts, as the UI sends them) with
 * the bench's budget (default 10 minutes) as the run's time budget, so it plans its epochs and
 * KL warm-up from a measured probe as the app does (--epochs N: N epochs, no budget), keeps the
 * model, and measures on the validation split:
 *  - recon_psnr_db: 10 log10(1 / MSE) of the posterior-mean reconstructions (model.reconstruct,
 *    clamped to [0, 1]), RGB composited over mid-grey 0.5, MSE pooled over all values;
 *  - recon_ssim: SSIM per RGB channel of the same composites (11x11 Gaussian window, sigma 1.5,
 *    C1 = 0.01^2, C2 = 0.03^2, valid positions), averaged over channels and images;
 *  - alpha_mae: mean |alpha - alpha_hat| (RGBA sets only);
 *  - kl_nats, active_units, elbo_nats, bits_per_dim: src/train/evaluate.ts on the split;
 *  - sample_sharpness_ratio: mean gradient magnitude (forward differences of the composited
 *    luma) of 256 prior samples z ~ N(0, I) decoded with model.decode, over that of the
 *    validation images (1 = as crisp as the real sprites); fitted_sample_sharpness_ratio the same
 *    for z drawn from the mixture fitted to the training means (src/latent/fitted-prior.ts, the
 *    Generate panel's default; for the hierarchy the mixture also draws z2's principal offsets,
 *    and the rest of the detail comes from the nearest training image, scaled by --detail);
 *    fitted_model_detail_sharpness_ratio with the rest as noise and the fine layer at its prior
 *    mean instead; fitted_sample_nearest_rms: median RMS from a fitted sample to its nearest
 *    training image, beside the same for validation images (far below it would mean copies);
 *  - recon_sharpness_ratio: the same ratio for the validation reconstructions, the ceiling a
 *    sample decoded by this model is likely to reach;
 *  - sample_islands_ratio, fitted_sample_islands_ratio (RGBA sets): mean opaque islands per
 *    sample over that of validation images (1 = whole sprites; above 1 = fragments);
 *  - images_per_s: images trained over the wall-clock time of train() (per-epoch validation
 *    included), and epochs: epochs completed.
 * One JSON line per metric, each naming the run's PNG in tests/artifacts/bench/
 * (quality-<dataset>-<preset>-seed<N>.png): 16 validation originals over their reconstructions,
 * rows of 16 samples (prior; fitted mixture with the model's own detail; for the hierarchy the same
 * draws with detail from the nearest training image, over those images), then validation image A, a 12-frame linear path in z from mu(A) to
 * mu(B) decoded with model.decode, and image B; everything composited over a checkerboard and
 * enlarged 3x (nearest). With --seeds N it also prints collapsed_runs per dataset (a run is
 * collapsed when active_units is 0 or kl_nats < 0.1).
 * Uses only LoadedModel's public interface (encode, decode, reconstruct, config), so it runs on
 * the flat and the hierarchical model alike.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { presetForm, toTrainSettings, type PresetId } from '../../renderer/lib/presets';
import { initBackend } from '../../src/backend/choose';
import { LATENT_DEFAULTS, trainSettingsSchema, type SampleDetailSource } from '../../src/contract';
import { importImages } from '../../src/data/import';
import { openDataset, type Dataset } from '../../src/data/store';
import { samplePrior } from '../../src/latent/generate';
import { pathThrough } from '../../src/latent/interpolate';
import { loadModel, type DecodeOptions, type LoadedModel } from '../../src/model/load';
import { TrainControl } from '../../src/train/control';
import { evaluate } from '../../src/train/evaluate';
import { alphaMae, clamp01, compositeOverGrey, meanIslands, meanSquaredError, sharpness, ssim, type ImageShape } from '../../src/train/quality-metrics';
import { drawFitted, fitPrior, type FittedPrior } from '../../src/latent/fitted-prior';
import { nearestRows } from '../../src/latent/neighbours';
import { train } from '../../src/train/train';
import type { BenchLine } from './types';
import { EMOJI_PACKAGE, benchCacheDir, cachedEmoji, importDcssSprites } from './data';

const PRESETS: readonly PresetId[] = ['quick', 'balanced', 'quality'];
const ARTIFACTS = path.resolve('tests', 'artifacts', 'bench');
const SAMPLES = 256;
const SHOWN = 16;
/** Fitted samples and validation images whose nearest training image is looked up (a full scan each). */
const NOVELTY_CHECKED = 64;
const PATH_FRAMES = 12;
const SCALE = 3;
/** A run counts as collapsed below this validation KL (nats per image) or with no active unit. */
const COLLAPSE_KL = 0.1;

export interface QualityArgs {
  dataset: string | null;
  minutes: number;
  /** --epochs N: train exactly N epochs instead of for --minutes (compares models at equal training on a shared, loaded machine). */
  epochs: number | null;
  preset: PresetId;
  seeds: number;
  /** Whether --seeds was given (then collapsed_runs is printed). */
  seedsGiven: boolean;
  firstSeed: number;
  workers: 1 | 2 | 'auto';
  /** --keep DIR: keep each run's checkpoints in DIR/<dataset>-seed<N> (to look at later). */
  keep: string | null;
  /** --detail T: temperature of the hierarchy's detail layer for prior samples (default: the app's). */
  detail: number;
  /** --run DIR: measure this trained run (its newest checkpoint) instead of training; needs --dataset. */
  run: string | null;
  /** --set key=value (repeatable): override one of the preset's settings, e.g. lowerLayers=2 (values parsed as JSON). */
  overrides: Record<string, unknown>;
}

/** Parse `--flag value` / `--flag=value`; throws a one-line message on anything unknown or bad. */
export function parseQualityArgs(argv: string[]): QualityArgs {
  const out: QualityArgs = {
    dataset: null,
    minutes: 10,
    epochs: null,
    preset: 'balanced',
    seeds: 1,
    seedsGiven: false,
    firstSeed: 1,
    workers: 1,
    keep: null,
    detail: LATENT_DEFAULTS.detail,
    run: null,
    overrides: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`quality: unexpected argument "${arg}"`);
    const name = m[1];
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`quality: --${name} needs a value`);
    const num = (min: number, int: boolean): number => {
      const v = Number(value);
      if (!Number.isFinite(v) || v < min || (int && !Number.isInteger(v))) throw new Error(`quality: --${name} must be ${int ? 'a whole number' : 'a number'} of at least ${min}; got "${value}"`);
      return v;
    };
    if (name === 'dataset') out.dataset = path.resolve(value);
    else if (name === 'epochs') out.epochs = num(1, true);
    else if (name === 'minutes') {
      out.minutes = num(0, false);
      if (out.minutes <= 0) throw new Error(`quality: --minutes must be above 0; got "${value}"`);
    } else if (name === 'preset') {
      if (!(PRESETS as readonly string[]).includes(value)) throw new Error(`quality: --preset must be one of ${PRESETS.join(', ')}; got "${value}"`);
      out.preset = value as PresetId;
    } else if (name === 'seeds') {
      out.seeds = num(1, true);
      out.seedsGiven = true;
    } else if (name === 'seed') out.firstSeed = num(0, true);
    else if (name === 'workers') {
      if (value !== '1' && value !== '2' && value !== 'auto') throw new Error(`quality: --workers must be 1, 2 or auto; got "${value}"`);
      out.workers = value === 'auto' ? 'auto' : (Number(value) as 1 | 2);
    } else if (name === 'keep') out.keep = path.resolve(value);
    else if (name === 'run') out.run = path.resolve(value);
    else if (name === 'detail') out.detail = num(0, false);
    else if (name === 'set') {
      const eq = value.indexOf('=');
      if (eq < 1) throw new Error(`quality: --set takes key=value (e.g. lowerLayers=2); got "${value}"`);
      const raw = value.slice(eq + 1);
      let parsed: unknown = raw;
      try {
        parsed = JSON.parse(raw);
      } catch {
        // a bare word stays a string (likelihood=bernoulli)
      }
      out.overrides[value.slice(0, eq)] = parsed;
    } else
      throw new Error(
        `quality: unknown flag --${name} (flags: --dataset DIR, --minutes M, --epochs N, --preset quick|balanced|quality, --seeds N, --seed S, --workers 1|2|auto, --keep DIR, --detail T, --run DIR, --set key=value)`,
      );
  }
  return out;
}

const log = (line: string): void => {
  process.stderr.write(`quality: ${line}\n`);
};

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v);

interface BenchSet {
  /** Name in the JSON lines and the PNG's file name. */
  name: string;
  dataset: Dataset;
  source: string;
}

/** Import a folder at 32x32 RGBA into `tmp`, with the decode cache kept in the bench cache. */
async function importSet(name: string, folder: string, tmp: string, source: string): Promise<BenchSet> {
  const cacheDir = path.join(await benchCacheDir('decode-cache'), name);
  const t0 = performance.now();
  const r = await importImages({ source: { folder }, output: path.join(tmp, `${name}-32`), cacheDir, options: { size: 32, channels: 'rgba' } });
  log(`${name}: imported ${r.imported} images (${r.train} train, ${r.val} val) in ${((performance.now() - t0) / 1000).toFixed(1)} s (${r.skipped.length} skipped)`);
  return { name, dataset: await openDataset(r.dataset), source };
}

/** Dungeon Crawl Stone Soup's sprites (bench/data.ts importDcssSprites). */
async function dcssSet(tmp: string): Promise<BenchSet> {
  const t0 = performance.now();
  const r = await importDcssSprites(path.join(tmp, 'dcss-32'), log);
  log(`dcss: ${r.imported} sprites (${r.train} train, ${r.val} val) in ${((performance.now() - t0) / 1000).toFixed(1)} s (${r.skipped.length} skipped: duplicates and dust)`);
  return { name: 'dcss', dataset: await openDataset(r.dataset), source: `crawl-tiles-data ${r.version}: player.png and main.png, auto-sliced, ${r.imported} sprites` };
}

/** Float pixels in [0, 1] of dataset images, HWC, one after another. */
function floatImages(ds: Dataset, indices: number[]): Float32Array {
  const out = new Float32Array(indices.length * ds.stride);
  indices.forEach((idx, k) => {
    const img = ds.image(idx);
    for (let j = 0; j < ds.stride; j++) out[k * ds.stride + j] = img[j] / 255;
  });
  return out;
}

function tensorOf(pixels: Float32Array, count: number, ds: Dataset): tf.Tensor4D {
  const { size, channels } = ds.index;
  return tf.tensor4d(pixels, [count, size, size, channels]);
}

/** Run a LoadedModel method that returns images, read back and clamped to [0, 1]. */
async function readImages(fn: () => tf.Tensor4D): Promise<Float32Array> {
  const t = tf.tidy(fn);
  const values = clamp01((await t.data()) as Float32Array);
  t.dispose();
  return values;
}

async function decodeAll(model: LoadedModel, z: number[][], opts: DecodeOptions = {}): Promise<Float32Array> {
  const J = model.config.latentDim;
  const L = model.vae.lowerDim;
  const parts: Float32Array[] = [];
  for (let s = 0; s < z.length; s += 128) {
    const part = z.slice(s, s + 128);
    const lowerOffsets = opts.lowerOffsets?.subarray(s * L, (s + part.length) * L);
    parts.push(await readImages(() => model.decode(tf.tensor2d(part, [part.length, J]), { ...opts, seed: (opts.seed ?? 0) + s, lowerOffsets })));
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Samples from the fitted prior as the Generate panel draws them: for the hierarchy the offsets
 * drawn with z1, and the rest of the detail from the nearest fitted image ('nearest', the
 * default) or as noise with the fine layer at its prior mean ('model'). Also returns, for
 * 'nearest', the dataset index each sample borrowed from.
 */
async function decodeFitted(
  model: LoadedModel,
  ds: Dataset,
  prior: FittedPrior,
  count: number,
  seed: number,
  detail: number,
  from: SampleDetailSource,
): Promise<{ images: Float32Array; borrowed: number[] | null }> {
  const drawn = await drawFitted(model, ds, prior, { count, temperature: 1, seed, detail, from });
  const borrowed = drawn.borrowed;
  const images = await decodeAll(model, drawn.z, { lowerTemperature: drawn.lowerOffsets ? 0 : detail, lowerOffsets: drawn.lowerOffsets, seed: seed + 500 });
  return { images, borrowed };
}

/**
 * Median over `count` images of the RMS difference (RGBA values in [0, 1]) to the nearest of
 * the training images `pool`: how close generated images sit to what the model was trained on,
 * read against the same number for held-out validation images. The search is the app's own
 * memorisation check (nearestRows), reading the pool a chunk at a time.
 */
async function medianNearestRms(images: Float32Array, count: number, ds: Dataset, pool: number[]): Promise<number> {
  const D = ds.index.size * ds.index.size * ds.index.channels;
  const queries = clamp01(images.subarray(0, count * D));
  const found = await nearestRows(queries, count, D, pool.length, (start, end) => floatImages(ds, pool.slice(start, end)), 1);
  const best = found.map((n) => n.distances[0] / Math.sqrt(D)).sort((a, c) => a - c);
  return best[Math.floor(best.length / 2)];
}

interface Measured {
  psnr: number;
  ssim: number;
  /** The same numbers for an empty (fully transparent, so all grey) reconstruction, for scale. */
  emptyPsnr: number;
  emptySsim: number;
  alphaMae: number | null;
  valSharpness: number;
  /** The same for the validation images' reconstructions: what samples decoded by this model can reach. */
  reconSharpness: number;
  sampleSharpness: number;
  /** The same for samples drawn from the mixture fitted to the training means (the app's default: detail from the nearest image). */
  fittedSampleSharpness: number;
  /** The same with the model's own detail ('model'); equal to the above for the flat model. */
  fittedModelDetailSharpness: number;
  /** Median RMS to the nearest training image: fitted samples (app default), and validation images for scale. */
  nearestRms: { fitted: number; val: number };
  /** Mean opaque islands per image (RGBA sets only): validation images, prior samples, fitted samples. */
  islands: { val: number; prior: number; fitted: number } | null;
}

/** The fitted prior of the run as the Generate panel fits it, from the posterior means of the training split. */
async function fittedPriorOf(model: LoadedModel, ds: Dataset): Promise<FittedPrior> {
  const train = ds.indicesOf('train');
  const J = model.config.latentDim;
  const mu = new Float32Array(ds.index.count * J);
  const B = 256;
  for (let s = 0; s < train.length; s += B) {
    const idx = train.slice(s, s + B);
    const m = tf.tidy(
      () =>
        model
          .encode(tensorOf(floatImages(ds, idx), idx.length, ds))
          .mu.dataSync()
          .slice() as Float32Array,
    );
    idx.forEach((i, r) => mu.set(m.subarray(r * J, (r + 1) * J), i * J));
  }
  return fitPrior(model, ds, mu);
}

/** Reconstruction metrics over the whole validation split (in batches) and sharpness of samples. */
async function measure(model: LoadedModel, ds: Dataset, val: number[], seed: number, detail: number, mixture: FittedPrior): Promise<Measured> {
  const { size, channels } = ds.index;
  let se = 0;
  let values = 0;
  let ssimSum = 0;
  let emptySe = 0;
  let emptySsimSum = 0;
  let alphaSum = 0;
  let sharpSum = 0;
  let reconSharpSum = 0;
  const B = 128;
  for (let s = 0; s < val.length; s += B) {
    const idx = val.slice(s, s + B);
    const shape: ImageShape = { count: idx.length, height: size, width: size, channels };
    const x = floatImages(ds, idx);
    const recon = await readImages(() => model.reconstruct(tensorOf(x, idx.length, ds)));
    const cx = compositeOverGrey(x, shape);
    const cr = compositeOverGrey(recon, shape);
    se += meanSquaredError(cx.pixels, cr.pixels) * cx.pixels.length;
    values += cx.pixels.length;
    ssimSum += ssim(cx.pixels, cr.pixels, cx.shape) * idx.length;
    const grey = new Float32Array(cx.pixels.length).fill(0.5);
    emptySe += meanSquaredError(cx.pixels, grey) * cx.pixels.length;
    emptySsimSum += ssim(cx.pixels, grey, cx.shape) * idx.length;
    const a = alphaMae(x, recon, shape);
    if (a !== null) alphaSum += a * idx.length;
    sharpSum += sharpness(x, shape) * idx.length;
    reconSharpSum += sharpness(recon, shape) * idx.length;
  }
  const samples = await decodeAll(model, samplePrior(SAMPLES, model.config.latentDim, 1, 1000 + seed), { lowerTemperature: detail, seed: 1500 + seed });
  const sampleShape: ImageShape = { count: SAMPLES, height: size, width: size, channels };
  const sampleSharpness = sharpness(samples, sampleShape);
  const fittedSamples = (await decodeFitted(model, ds, mixture, SAMPLES, 1000 + seed, detail, 'nearest')).images;
  const fittedModelDetail = (await decodeFitted(model, ds, mixture, SAMPLES, 1000 + seed, detail, 'model')).images;
  const shownVal = spread(val, SAMPLES);
  const pool = ds.indicesOf('train');
  const checked = spread(val, NOVELTY_CHECKED);
  const islands =
    channels === 4
      ? {
          val: meanIslands(floatImages(ds, shownVal), { count: shownVal.length, height: size, width: size, channels }),
          prior: meanIslands(clamp01(samples), sampleShape),
          fitted: meanIslands(clamp01(fittedSamples), sampleShape),
        }
      : null;
  return {
    psnr: 10 * Math.log10(1 / (se / values)),
    ssim: ssimSum / val.length,
    emptyPsnr: 10 * Math.log10(1 / (emptySe / values)),
    emptySsim: emptySsimSum / val.length,
    alphaMae: channels === 4 ? alphaSum / val.length : null,
    valSharpness: sharpSum / val.length,
    reconSharpness: reconSharpSum / val.length,
    sampleSharpness,
    fittedSampleSharpness: sharpness(fittedSamples, sampleShape),
    fittedModelDetailSharpness: sharpness(fittedModelDetail, sampleShape),
    nearestRms: { fitted: await medianNearestRms(fittedSamples, checked.length, ds, pool), val: await medianNearestRms(floatImages(ds, checked), checked.length, ds, pool) },
    islands,
  };
}

/** `count` indices spread evenly over `from` (the split is in file order, so neighbours look alike). */
const spread = (from: number[], count: number): number[] => Array.from({ length: Math.min(count, from.length) }, (_, k) => from[Math.floor((k * from.length) / Math.min(count, from.length))]);

/**
 * The run's picture: rows of 16 cells of size*3 pixels. Row 1 validation originals, row 2 their
 * reconstructions; then samples: prior, fitted with the model's detail, and for the hierarchy
 * fitted with the nearest image's detail over the images they borrowed from; then image A, the
 * 12 path frames and image B (linear, and for the hierarchy with re-inferred detail).
 */
async function writeGrid(file: string, model: LoadedModel, ds: Dataset, val: number[], seed: number, detail: number, mixture: FittedPrior): Promise<void> {
  const { size, channels } = ds.index;
  const shown = spread(val, SHOWN);
  const originals = floatImages(ds, shown);
  const recon = await readImages(() => model.reconstruct(tensorOf(originals, shown.length, ds)));
  // Sample rows: z1 ~ N(0, I); z1 from the mixture fitted to the training means with the model's
  // own detail; the same draws with detail from the nearest training image (the Generate panel's
  // default); the training images those borrowed from. The detail layer at the given temperature.
  const stride = size * size * channels;
  const prior = await decodeAll(model, samplePrior(SHOWN, model.config.latentDim, 1, 2000 + seed), { lowerTemperature: detail, seed: 3000 + seed });
  const ownDetail = (await decodeFitted(model, ds, mixture, SHOWN, 2000 + seed, detail, 'model')).images;
  const nearest = await decodeFitted(model, ds, mixture, SHOWN, 2000 + seed, detail, 'nearest');
  const sampleRows = [prior, ownDetail];
  if (nearest.borrowed) sampleRows.push(nearest.images, floatImages(ds, nearest.borrowed));
  // The path runs between the two shown images whose posterior means lie farthest apart.
  const J = model.config.latentDim;
  const mu = tf.tidy(
    () =>
      model
        .encode(tensorOf(originals, shown.length, ds))
        .mu.dataSync()
        .slice() as Float32Array,
  );
  let pair = { a: 0, b: Math.min(1, shown.length - 1), d: -1 };
  for (let a = 0; a < shown.length; a++)
    for (let b = a + 1; b < shown.length; b++) {
      let d = 0;
      for (let j = 0; j < J; j++) d += (mu[a * J + j] - mu[b * J + j]) ** 2;
      if (d > pair.d) pair = { a, b, d };
    }
  const ends = [pair.a, pair.b].map((k) => Array.from(mu.subarray(k * J, (k + 1) * J)));
  const pathZ = pathThrough(ends, PATH_FRAMES, 'linear');
  // Two ways to fill the hierarchy's detail layer along the path: redrawn from p(z2|z1) at its
  // mean ('prior'), and re-inferred from the end images and blended ('endpoints', the app's default).
  const frames = await decodeAll(model, pathZ);
  const L = model.vae.lowerDim;
  let reinferred: Float32Array | null = null;
  if (L > 0) {
    const endsX = new Float32Array(2 * size * size * channels);
    endsX.set(originals.subarray(pair.a * size * size * channels, (pair.a + 1) * size * size * channels), 0);
    endsX.set(originals.subarray(pair.b * size * size * channels, (pair.b + 1) * size * size * channels), size * size * channels);
    const off = tf.tidy(
      () =>
        model.vae
          .lowerOffsets(tensorOf(endsX, 2, ds))!
          .dataSync()
          .slice() as Float32Array,
    );
    const blended = new Float32Array(PATH_FRAMES * L);
    for (let f = 0; f < PATH_FRAMES; f++) {
      const t = f / (PATH_FRAMES - 1);
      for (let i = 0; i < L; i++) blended[f * L + i] = (1 - t) * off[i] + t * off[L + i];
    }
    reinferred = await decodeAll(model, pathZ, { lowerOffsets: blended });
  }

  const cell = size * SCALE;
  const gap = 4;
  const sectionGap = 14;
  const cols = SHOWN;
  const W = cols * cell + (cols + 1) * gap;
  // Sections: originals and reconstructions; the sample rows; the path rows.
  const pathRow = 2 + sampleRows.length;
  const rowCount = pathRow + (reinferred ? 2 : 1);
  const rowsY = Array.from({ length: rowCount }, (_, r) => gap + r * (cell + gap) + (r >= 2 ? sectionGap : 0) + (r >= pathRow ? sectionGap : 0));
  const H = rowsY[rowCount - 1] + cell + gap;
  const out = Buffer.alloc(W * H * 3, 0x22);
  const put = (img: Float32Array, offset: number, row: number, col: number): void => {
    const x0 = gap + col * (cell + gap);
    const y0 = rowsY[row];
    for (let y = 0; y < cell; y++)
      for (let x = 0; x < cell; x++) {
        const p = offset + (Math.floor(y / SCALE) * size + Math.floor(x / SCALE)) * channels;
        // Checkerboard of 6-pixel squares behind transparent pixels.
        const bg = ((x / 6) ^ (y / 6)) & 1 ? 0.78 : 0.58;
        const a = channels === 4 ? img[p + 3] : 1;
        for (let c = 0; c < 3; c++) {
          const v = channels === 1 ? img[p] : img[p + c];
          out[((y0 + y) * W + x0 + x) * 3 + c] = Math.round(255 * (a * v + (1 - a) * bg));
        }
      }
  };
  for (let k = 0; k < shown.length; k++) {
    put(originals, k * stride, 0, k);
    put(recon, k * stride, 1, k);
  }
  sampleRows.forEach((images, r) => {
    for (let k = 0; k < SHOWN; k++) put(images, k * stride, 2 + r, k);
  });
  put(originals, pair.a * stride, pathRow, 0);
  for (let k = 0; k < PATH_FRAMES; k++) put(frames, k * stride, pathRow, k + 1);
  put(originals, pair.b * stride, pathRow, PATH_FRAMES + 1);
  if (reinferred) {
    put(originals, pair.a * stride, pathRow + 1, 0);
    for (let k = 0; k < PATH_FRAMES; k++) put(reinferred, k * stride, pathRow + 1, k + 1);
    put(originals, pair.b * stride, pathRow + 1, PATH_FRAMES + 1);
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp(out, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toFile(file);
}

/** The sample metrics, for z1 from the prior N(0, I) and from the fitted mixture (the app's default). */
function sampleLines(m: Measured, line: (metric: string, value: number, unit: string, extra?: Record<string, unknown>) => BenchLine): BenchLine[] {
  const lines = [
    line('sample_sharpness_ratio', round(m.sampleSharpness / m.valSharpness), 'ratio', {
      samples: SAMPLES,
      prior: 'standard',
      sample_gradient: round(m.sampleSharpness),
      val_gradient: round(m.valSharpness),
    }),
    line('recon_sharpness_ratio', round(m.reconSharpness / m.valSharpness), 'ratio', {
      images: 'validation',
      note: 'reconstructions over the images they reconstruct: the sharpest a decoded sample of this model is likely to be',
    }),
    line('fitted_sample_sharpness_ratio', round(m.fittedSampleSharpness / m.valSharpness), 'ratio', {
      samples: SAMPLES,
      prior: 'fitted',
      detail_from: 'nearest',
      sample_gradient: round(m.fittedSampleSharpness),
    }),
    line('fitted_model_detail_sharpness_ratio', round(m.fittedModelDetailSharpness / m.valSharpness), 'ratio', {
      samples: SAMPLES,
      prior: 'fitted',
      detail_from: 'model',
      sample_gradient: round(m.fittedModelDetailSharpness),
    }),
    line('fitted_sample_nearest_rms', round(m.nearestRms.fitted), 'rms', {
      val_nearest_rms: round(m.nearestRms.val),
      checked: NOVELTY_CHECKED,
      note: 'median RMS (RGBA) from a fitted sample to its nearest training image; val_nearest_rms is the same for held-out validation images: far below it would mean copies',
    }),
  ];
  if (m.islands) {
    const note = 'mean opaque islands (alpha >= 0.5, 4-connected, >= 3 px) per image over that of the validation images: 1 = as whole as real sprites, above 1 = fragments';
    lines.push(
      line('sample_islands_ratio', round(m.islands.prior / m.islands.val), 'ratio', { prior: 'standard', sample_islands: round(m.islands.prior), val_islands: round(m.islands.val), note }),
      line('fitted_sample_islands_ratio', round(m.islands.fitted / m.islands.val), 'ratio', { prior: 'fitted', sample_islands: round(m.islands.fitted), val_islands: round(m.islands.val), note }),
    );
  }
  return lines;
}

interface RunOutcome {
  lines: BenchLine[];
  collapsed: boolean;
}

async function runOne(set: BenchSet, args: QualityArgs, seed: number, backend: string): Promise<RunOutcome> {
  const { dataset: ds, name } = set;
  const val = ds.indicesOf('val');
  const trainCount = ds.indicesOf('train').length;
  if (val.length === 0) throw new Error(`quality: ${ds.dir} has no validation images; re-import it with a validation share above 0`);
  const form = toTrainSettings(presetForm(args.preset));
  if (!form.ok) throw new Error(`quality: preset ${args.preset}: ${form.error}`);
  // As the UI sends it, with the bench's budget as the run's time budget (the run plans its
  // epochs, and its KL warm-up, from a measured probe, as in the app); with --epochs, those
  // epochs and no budget.
  const budget = args.epochs === null ? { timeBudgetSec: args.minutes * 60 } : { timeBudgetSec: 0 };
  const settings = trainSettingsSchema.parse({ ...form.settings, ...budget, ...args.overrides, epochs: args.epochs ?? form.settings.epochs, seed, workers: args.workers });
  if (args.run) return measureRun(set, args, seed, backend);
  const control = new TrainControl();
  const budgetMs = args.minutes * 60_000;
  let lastLog = 0;
  // The run's plans: the first (before any step) and its re-plans, as epochs.
  const planned: number[] = [];
  const t0 = performance.now();
  // A safety net: the plan aims at the budget; a run that overshoots it by a tenth is stopped.
  const timer = args.epochs === null ? setTimeout(() => control.stop(), 1.1 * budgetMs) : undefined;
  let result: Awaited<ReturnType<typeof train>>;
  try {
    result = await train(settings, ds, {
      control,
      keepModel: true,
      ...(args.keep ? { checkpointDir: path.join(args.keep, `${name.replace(/[^\w.-]+/g, '_')}-seed${seed}`) } : {}),
      onProgress: (e) => {
        if (e.type === 'plan') {
          planned.push(e.epochs);
          log(`${name} seed ${seed}: ${e.revised ? 'plan revised' : 'plan'}: ${e.summary}${e.probe ? `; ${e.probe.note}` : ''}`);
        }
        if (e.type !== 'epoch') return;
        const now = performance.now();
        if (now - lastLog < 20_000) return;
        lastLog = now;
        const left = Math.max(0, (budgetMs - (now - t0)) / 1000);
        log(
          `${name} seed ${seed}: epoch ${e.epoch}, val ELBO ${e.val ? e.val.elbo.toFixed(1) : '-'}, KL ${e.val ? `${e.val.kl.toFixed(1)} (layers ${e.val.klLayers.map((k) => k.toFixed(1)).join(' / ')})` : '-'}, ${left.toFixed(0)} s left`,
        );
      },
    });
  } finally {
    clearTimeout(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  const model = result.model!;
  try {
    const B = Math.min(result.config.batchSize, trainCount);
    const stepsPerEpoch = Math.ceil(trainCount / B);
    const images = result.epoch * trainCount + (result.step - result.epoch * stepsPerEpoch) * B;
    log(`${name} seed ${seed}: trained ${result.epoch} epochs (${result.step} steps) in ${seconds.toFixed(0)} s on ${result.workers} worker(s); measuring`);
    const mixture = await fittedPriorOf(model, ds);
    const m = await measure(model, ds, val, seed, args.detail, mixture);
    const ev = await evaluate(model, ds, { split: 'val', seed: 7 + seed, batchSize: 64 });
    const tag = Object.entries(args.overrides)
      .map(([k, v]) => `-${k}${String(v)}`)
      .join('');
    const png = path.join(ARTIFACTS, `quality-${name}-${args.preset}${tag}-seed${seed}.png`);
    await writeGrid(png, model, ds, val, seed, args.detail, mixture);
    const context = {
      dataset: name,
      preset: args.preset,
      seed,
      backend,
      minutes: args.minutes,
      png: path.relative(process.cwd(), png),
      source: set.source,
      train_images: trainCount,
      val_images: val.length,
      workers: result.workers,
      model: `${model.config.architecture} ${model.config.width}x${model.config.height}x${model.config.channels} latent ${model.config.latentDim} ${model.config.likelihood}`,
      load1m: round(os.loadavg()[0], 3),
      sample_detail: args.detail,
      ...(Object.keys(args.overrides).length ? { overrides: args.overrides } : {}),
    };
    const line = (metric: string, value: number, unit: string, extra: Record<string, unknown> = {}): BenchLine => ({ bench: 'quality', metric, value, unit, ...context, ...extra });
    const lines: BenchLine[] = [
      line('recon_psnr_db', round(m.psnr), 'dB', { note: 'posterior-mean reconstruction, RGB over grey 0.5, MSE pooled over the val split', empty_image_psnr_db: round(m.emptyPsnr) }),
      line('recon_ssim', round(m.ssim), 'ratio', { note: 'per-channel SSIM of RGB over grey 0.5, 11x11 Gaussian window', empty_image_ssim: round(m.emptySsim) }),
    ];
    if (m.alphaMae !== null) lines.push(line('alpha_mae', round(m.alphaMae), 'fraction'));
    const collapsed = ev.activeUnits === 0 || ev.kl < COLLAPSE_KL;
    lines.push(
      line('kl_nats', round(ev.kl), 'nats'),
      line('active_units', ev.activeUnits, 'units', { latent_dim: model.config.latentDim }),
      line('elbo_nats', round(ev.elbo, 6), 'nats'),
      line('bits_per_dim', round(ev.bitsPerDim), 'bits/dim'),
      ...sampleLines(m, line),
      line('images_per_s', round(images / seconds), 'img/s', { images, train_seconds: round(seconds), note: 'over the whole train() call, per-epoch validation included' }),
      line('epochs', result.epoch, 'epochs', {
        steps: result.step,
        collapsed,
        ...(planned.length > 0 ? { first_plan_epochs: planned[0], plans: planned.join(' -> '), stopped_at_1_1x_budget: result.status === 'stopped' } : {}),
      }),
    );
    return { lines, collapsed };
  } finally {
    model.dispose();
  }
}

/** --run: the same measurements and picture for a run trained earlier (no training, no speed). */
async function measureRun(set: BenchSet, args: QualityArgs, seed: number, backend: string): Promise<RunOutcome> {
  const { dataset: ds, name } = set;
  const val = ds.indicesOf('val');
  const model = await loadModel(args.run!);
  try {
    const mixture = await fittedPriorOf(model, ds);
    const m = await measure(model, ds, val, seed, args.detail, mixture);
    const png = path.join(ARTIFACTS, `quality-${name}-run-detail${args.detail}-seed${seed}.png`);
    await writeGrid(png, model, ds, val, seed, args.detail, mixture);
    const context = { dataset: name, run: args.run, backend, seed, png: path.relative(process.cwd(), png), sample_detail: args.detail, epochs_trained: model.metadata.epoch };
    const line = (metric: string, value: number, unit: string): BenchLine => ({ bench: 'quality', metric, value, unit, ...context });
    const lines = [line('recon_psnr_db', round(m.psnr), 'dB'), line('recon_ssim', round(m.ssim), 'ratio'), ...sampleLines(m, line)];
    return { lines, collapsed: false };
  } finally {
    model.dispose();
  }
}

export async function run(ctx: { argv?: string[]; print?: (line: BenchLine) => void } = {}): Promise<BenchLine[]> {
  const args = parseQualityArgs(ctx.argv ?? []);
  const collected: BenchLine[] = [];
  const emit = (line: BenchLine): void => {
    if (ctx.print) ctx.print(line);
    else collected.push(line);
  };
  const force = (process.env.LATENT_ATLAS_BACKEND as 'tensorflow' | 'wasm' | 'cpu' | undefined) ?? 'wasm';
  const backend = (await initBackend({ force })).label;
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-bench-quality-'));
  try {
    const sets: Array<() => Promise<BenchSet>> = args.dataset
      ? [async () => ({ name: path.basename(args.dataset!).replace(/[^A-Za-z0-9._-]+/g, '_'), dataset: await openDataset(args.dataset!), source: args.dataset! })]
      : [async () => importSet('twemoji', await cachedEmoji(), tmp, `${EMOJI_PACKAGE} 64x64 PNGs`), async () => dcssSet(tmp)];
    for (const load of sets) {
      const set = await load();
      let collapsed = 0;
      for (let s = 0; s < args.seeds; s++) {
        const seed = args.firstSeed + s;
        const outcome = await runOne(set, args, seed, backend);
        // The JSON names a --dataset by its folder (the PNG by the folder's name).
        if (args.dataset) for (const l of outcome.lines) l.dataset = args.dataset;
        outcome.lines.forEach(emit);
        if (outcome.collapsed) collapsed++;
      }
      if (args.seedsGiven)
        emit({
          bench: 'quality',
          metric: 'collapsed_runs',
          value: collapsed,
          unit: 'runs',
          runs: args.seeds,
          dataset: args.dataset ?? set.name,
          preset: args.preset,
          backend,
          minutes: args.minutes,
          seeds: Array.from({ length: args.seeds }, (_, s) => args.firstSeed + s),
          rule: `active_units 0 or kl_nats < ${COLLAPSE_KL}`,
        });
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return collected;
}
