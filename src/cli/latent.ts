/**
 * The latent-space commands: encode, interpolate, sample, traverse. They run the same code as
 * the engine channels, in this process, and with --out write frames through src/export.
 */
import {
  EXPORT_DEFAULTS,
  EXPORT_FORMATS,
  EXPORT_LIMITS,
  exportOptionsSchema,
  INTERPOLATION_METHODS,
  interpolateSpecSchema,
  LATENT_DEFAULTS,
  LATENT_LIMITS,
  SAMPLE_DETAIL_SOURCES,
  SAMPLE_PRIORS,
  sampleSpecSchema,
  traverseSpecSchema,
  type LatentEncodeReport,
  type NearestTraining,
} from '../contract';
import { exportFiles, type TraversalRows } from '../export/export';
import type { FinishedImages } from '../export/pixel-art';
import { finishWithIndexed, sheetFlags, sheetFromFlags } from './sheet-flags';
import { writeExportFiles } from '../export/write';
import type { DecodedImages } from '../latent/images';
import { interpolate, sample, traverse } from '../latent/operations';
import { encodeReport, latentSession, type SessionOptions } from '../latent/session';
import { CliUsageError, createProgressPrinter, endProgress, shown } from './output';
import { checked, cliBackend } from './args';
import { flag, limited, text, whole, type FlagTable } from './flag-table';
import { pixelArtFlags, pixelArtReport } from './pixel-art';
import { readDatasetIndex } from '../data/store';
import { encodeLayout, layoutFlags, layoutRequest, type EncodeLayoutReport } from './layout';

const run = text('DIR', 'The training run whose newest checkpoint to use (required).');
const dataset = text('DIR', 'The dataset the run was trained on (required).');
const backend = text('tensorflow|wasm|cpu', 'The TensorFlow.js backend (default: the fastest present).');
const json = flag('Print the result as one JSON object on stdout.');
const common = {
  run,
  dataset,
  json,
  backend,
  axes: text('A,B,C', 'Three latent dimensions as the 3D axes of the points reported, instead of PCA.'),
} satisfies FlagTable;
const label = text('NAME', "A conditional model's label to generate as (a model trained with --conditional).");
const pixelNoise = flag("Add the decoder's pixel noise to each image, as the likelihood would draw it.");

/** Writing the images: --out and its formats, the sprite sheet and pixel-art finishing. */
export const exportFlags = {
  out: text('DIR', 'Write the images into this folder (refused over existing files without --overwrite).'),
  format: text(EXPORT_FORMATS.join(','), `With --out: which files to write, comma-separated (default ${EXPORT_DEFAULTS.formats.join(',')}).`),
  scale: limited(EXPORT_LIMITS.scale, `With --out: enlarge each pixel this many times, nearest-neighbour (default ${EXPORT_DEFAULTS.scale}).`),
  name: text('PATTERN', `With --out: the frame files' name, {i} standing for the frame number (default ${EXPORT_DEFAULTS.name}).`),
  'sheet-name': text('NAME', `With --out: the sprite sheet's file name (default ${EXPORT_DEFAULTS.sheetName}).`),
  delay: limited(EXPORT_LIMITS.delayMs, `With --out: milliseconds per frame of the GIF or WebP (default ${EXPORT_DEFAULTS.delayMs}).`, 'MS'),
  'ping-pong': flag('With --out: play the animation forward then back.'),
  loop: limited(EXPORT_LIMITS.loop, `With --out: how often the animation repeats; 0 forever (default ${EXPORT_DEFAULTS.loop}).`),
  columns: limited(EXPORT_LIMITS.columns, 'With --out: frames per row of the sheet (default: square-ish).'),
  overwrite: flag('With --out: replace files already there.'),
  ...pixelArtFlags,
  ...sheetFlags,
} satisfies FlagTable;

export const encodeFlags = {
  dataset,
  'batch-size': limited(LATENT_LIMITS.encodeBatchSize, `Images per encoding step (default ${LATENT_DEFAULTS.encodeBatchSize}).`),
  force: flag('Encode again even when <run>/latents.bin is up to date.'),
  'other-dataset': flag('Encode a dataset other than the one the model was trained on, deliberately.'),
  json,
  backend,
  ...layoutFlags,
} satisfies FlagTable;

export const interpolateFlags = {
  ...common,
  method: text(INTERPOLATION_METHODS.join('|'), `The path: a straight line, a great circle, or one bent to change the images evenly (default ${LATENT_DEFAULTS.interpolateMethod}).`),
  frames: limited(LATENT_LIMITS.interpolateFrames, `Images along the path, ends included (default ${LATENT_DEFAULTS.interpolateFrames}).`),
  iterations: limited(LATENT_LIMITS.geodesicIterations, `With --method geodesic: optimisation steps at most (default ${LATENT_DEFAULTS.geodesicIterations}).`),
  'learning-rate': limited(LATENT_LIMITS.geodesicLearningRate, `With --method geodesic: the optimiser's step size (default ${LATENT_DEFAULTS.geodesicLearningRate}).`),
  detail: text('endpoints|prior', "A hierarchical model's lower latents: blended from the ends, or drawn from the prior."),
  label: text('NAME', "A conditional model's label for the whole path (default: the images' own, blended)."),
  ...exportFlags,
} satisfies FlagTable;

export const sampleFlags = {
  ...common,
  count: limited(LATENT_LIMITS.sampleCount, `How many images to generate (default ${LATENT_DEFAULTS.sampleCount}).`),
  temperature: limited(LATENT_LIMITS.temperature, `Scale of the prior's spread: below 1 plainer, above 1 stranger images (default ${LATENT_DEFAULTS.temperature}).`),
  detail: limited(LATENT_LIMITS.detail, `A hierarchical model's lower-latent temperature: fine detail (default ${LATENT_DEFAULTS.detail}).`),
  prior: text(SAMPLE_PRIORS.join('|'), `Draw z from a Gaussian fitted to the encoded images, or from N(0, I) (default ${LATENT_DEFAULTS.prior}).`),
  'detail-from': text(
    SAMPLE_DETAIL_SOURCES.join('|'),
    `A hierarchical model's fitted samples: fine detail from the nearest training image (crisp) or the model's own (smoother) (default ${LATENT_DEFAULTS.detailFrom}).`,
  ),
  seed: limited(LATENT_LIMITS.seed, `The seed of the draws, for repeatable images (default ${LATENT_DEFAULTS.seed}).`),
  around: whole(0, Infinity, "Draw around this image's posterior instead of the prior.", 'INDEX'),
  'pixel-noise': pixelNoise,
  'no-memorisation': flag('Skip the check of the nearest training image to each generated one.'),
  label,
  ...exportFlags,
} satisfies FlagTable;

export const traverseFlags = {
  ...common,
  base: text('INDEX|VECTOR', 'The point to sweep around: an image index or a comma-separated latent vector (default: the origin, z = 0).'),
  dims: text('A,B,...', 'The latent dimensions to sweep, comma-separated, one row each (default: all).'),
  steps: limited(LATENT_LIMITS.traverseSteps, `Images per row (default ${LATENT_DEFAULTS.traverseSteps}).`),
  range: limited(LATENT_LIMITS.traverseRange, `Sweep each dimension from -range to +range standard deviations (default ${LATENT_DEFAULTS.traverseRange}).`),
  'pixel-noise': pixelNoise,
  seed: limited(LATENT_LIMITS.seed, `The seed of the pixel noise and lower latents (default ${LATENT_DEFAULTS.seed}).`),
  memorisation: flag('Also check the nearest training image to each generated one.'),
  label,
  ...exportFlags,
} satisfies FlagTable;

type Values = Record<string, unknown>;

const num = (v: unknown) => (v === undefined ? undefined : Number(v));
const list = (v: unknown) =>
  v === undefined
    ? undefined
    : String(v)
        .split(',')
        .map((s) => Number(s.trim()));

export function need(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new CliUsageError(`--${name} is required`);
  return v;
}

/** An image index ("12"), a latent vector ("0.5,-1,2"), or null for anything else (a file name?). */
function indexOrVector(text: string): { index: number } | { z: number[] } | null {
  if (/^\d+$/.test(text)) return { index: Number(text) };
  const z = text.split(',').map((s) => Number(s.trim()));
  return z.length >= 2 && z.every((v) => Number.isFinite(v)) ? { z } : null;
}

/** An image index ("12") or a latent vector ("0.5,-1,2"). */
export function latentPoint(text: string): { index: number } | { z: number[] } {
  const point = indexOrVector(text);
  if (!point) throw new CliUsageError(`"${text}" is neither an image index nor a comma-separated latent vector`);
  return point;
}

/**
 * Waypoints as the user typed them: an index, a vector, or the name of an imported file
 * ("walk/cat.png", or just "cat.png" when only one file has that name).
 */
export async function resolveWaypoints(datasetDir: string, texts: string[]): Promise<Array<{ index: number } | { z: number[] }>> {
  const points = texts.map(indexOrVector);
  if (points.every((p) => p !== null)) return points as Array<{ index: number } | { z: number[] }>;
  const items = (await readDatasetIndex(datasetDir)).items;
  return texts.map((text, k) => {
    const known = points[k];
    if (known) return known;
    const wanted = text.replace(/\\/g, '/');
    let hits = items.flatMap((it, i) => (it.source === wanted ? [i] : []));
    if (hits.length === 0) hits = items.flatMap((it, i) => (it.source.split('/').pop() === wanted ? [i] : []));
    if (hits.length === 1) return { index: hits[0] };
    if (hits.length === 0) throw new CliUsageError(`"${text}" is not an image index, a latent vector or the name of an image in ${datasetDir}`);
    const names = hits.slice(0, 5).map((i) => `${items[i].source} (${i})`);
    throw new CliUsageError(`"${text}" names ${hits.length} images in the dataset: ${names.join(', ')}${hits.length > 5 ? ', …' : ''}; give its folder too, or its index`);
  });
}

export function cliSession(): SessionOptions & { done(): void } {
  const print = createProgressPrinter();
  const controller = new AbortController();
  const started = performance.now();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return {
    signal: controller.signal,
    onProgress: (done, total) => {
      const rate = done / Math.max((performance.now() - started) / 1000, 1e-3);
      print({ phase: 'encoding', done, total, rate, etaSeconds: (total - done) / rate });
    },
    done: () => {
      endProgress();
      process.off('SIGINT', onSigint);
    },
  };
}

function exportOptionsFromFlags(values: Values) {
  const parsed = checked(exportOptionsSchema.omit({ source: true }), {
    outDir: values.out,
    formats: values.format === undefined ? undefined : String(values.format).split(','),
    scale: num(values.scale),
    name: values.name,
    sheetName: values['sheet-name'],
    delayMs: num(values.delay),
    pingPong: values['ping-pong'] || undefined,
    loop: num(values.loop),
    columns: num(values.columns),
    overwrite: values.overwrite || undefined,
    sheet: sheetFromFlags(values),
    indexed: values.indexed || undefined,
  });
  return parsed;
}

/** With --out, write the frames (refusing to overwrite unless --overwrite); returns the files written. */
export async function maybeExport(values: Values, images: DecodedImages, finished: FinishedImages | undefined, rows: TraversalRows | null = null): Promise<string[]> {
  if (values.out === undefined) return [];
  const o = exportOptionsFromFlags(values);
  const extra = { ...(finished ? { palette: finished.palette } : {}), ...(rows ? { rows } : {}) };
  const files = await writeExportFiles(o.outDir, await exportFiles(images, { ...o, columns: o.columns ?? rows?.columns ?? null }, extra), o.overwrite);
  if (!values.json) process.stderr.write(`Wrote ${files.length} files to ${shown(o.outDir)}.\n`);
  return files;
}

const axesOf = (values: Values) => (values.axes === undefined ? undefined : list(values.axes));

export async function runEncode(values: Values, positionals: string[]): Promise<LatentEncodeReport & { layout?: EncodeLayoutReport }> {
  if (positionals.length !== 1) throw new CliUsageError(`encode takes one run folder, got ${positionals.length}`);
  const dataset = need(values, 'dataset');
  // Its range is checked with the flag table (encodeFlags) before the command runs.
  const batchSize = num(values['batch-size']) ?? LATENT_DEFAULTS.encodeBatchSize;
  const layout = layoutRequest(values);
  await cliBackend(values);
  const session = cliSession();
  try {
    const s = await latentSession(positionals[0], dataset, { ...session, batchSize, force: Boolean(values.force), acceptOtherDataset: Boolean(values['other-dataset']) });
    const report = encodeReport(s);
    if (!values.json)
      process.stderr.write(
        `${report.cached ? 'Up to date' : 'Encoded'}: ${report.count} images, latent size ${report.latentDim}, checkpoint step ${report.step}, in ${report.seconds.toFixed(1)}s (mean KL ${report.meanKl.toFixed(2)} nats).\n`,
      );
    if (!layout) return report;
    endProgress();
    return { ...report, layout: await encodeLayout(s, positionals[0], layout, session.signal!, Boolean(values.json)) };
  } finally {
    session.done();
  }
}

export async function runInterpolate(values: Values, positionals: string[]) {
  if (positionals.length < 2) throw new CliUsageError('interpolate needs two or more waypoints');
  const datasetDir = need(values, 'dataset');
  const spec = checked(interpolateSpecSchema, {
    runDir: need(values, 'run'),
    dataset: datasetDir,
    waypoints: await resolveWaypoints(datasetDir, positionals),
    method: values.method,
    frames: num(values.frames),
    lower: values.detail,
    label: values.label,
    geodesic: { ...(values.iterations !== undefined ? { iterations: num(values.iterations) } : {}), ...(values['learning-rate'] !== undefined ? { learningRate: num(values['learning-rate']) } : {}) },
    axes: axesOf(values),
    finish: finishWithIndexed(values),
  });
  if (values.out !== undefined) exportOptionsFromFlags(values);
  await cliBackend(values);
  const session = cliSession();
  try {
    const r = await interpolate(spec, session);
    session.done();
    const files = await maybeExport(values, r.finished?.images ?? r.images, r.finished);
    if (!values.json) process.stderr.write(`${spec.method} path of ${r.z.length} frames: image-space length ${r.length.toFixed(3)} (linear ${r.linearLength.toFixed(3)}).\n`);
    const g = r.geodesic;
    if (!values.json && g)
      process.stderr.write(
        g.improved
          ? `geodesic: energy ${g.energyStart.toFixed(3)} -> ${g.energyEnd.toFixed(3)} in ${g.iterations} steps${g.converged ? ', converged' : ', not converged (step budget reached; try more --iterations)'}.\n`
          : `geodesic: no step lowered the energy (${g.energyStart.toFixed(3)}) in ${g.iterations} steps, so the frames are the linear path's.\n`,
      );
    return { method: spec.method, frames: r.z.length, length: r.length, linearLength: r.linearLength, ...(r.geodesic ? { geodesic: r.geodesic } : {}), z: r.z, files, ...pixelArtReport(r.finished) };
  } finally {
    session.done();
  }
}

function reportNearest(nearest: NearestTraining[] | null, json: unknown): void {
  if (!nearest || json) return;
  const closest = nearest.reduce((a, b) => (b.rms < a.rms ? b : a), nearest[0]);
  process.stderr.write(`Memorisation check: the closest generated image is ${closest.rms.toFixed(4)} RMS from training image ${closest.index}.\n`);
}

export async function runSample(values: Values, positionals: string[]) {
  if (positionals.length) throw new CliUsageError(`sample takes no positional arguments, got "${positionals[0]}"`);
  const spec = checked(sampleSpecSchema, {
    runDir: need(values, 'run'),
    dataset: need(values, 'dataset'),
    count: num(values.count),
    temperature: num(values.temperature),
    detail: num(values.detail),
    prior: values.prior,
    detailFrom: values['detail-from'],
    seed: num(values.seed),
    around: values.around === undefined ? undefined : { index: num(values.around) },
    label: values.label,
    pixelNoise: values['pixel-noise'] || undefined,
    memorisation: values['no-memorisation'] ? false : undefined,
    axes: axesOf(values),
    finish: finishWithIndexed(values),
  });
  if (values.out !== undefined) exportOptionsFromFlags(values);
  await cliBackend(values);
  const session = cliSession();
  try {
    const r = await sample(spec, session);
    session.done();
    reportNearest(r.nearest, values.json);
    return { count: r.z.length, z: r.z, nearest: r.nearest, files: await maybeExport(values, r.finished?.images ?? r.images, r.finished), ...pixelArtReport(r.finished) };
  } finally {
    session.done();
  }
}

export async function runTraverse(values: Values, positionals: string[]) {
  if (positionals.length) throw new CliUsageError(`traverse takes no positional arguments, got "${positionals[0]}"`);
  const spec = checked(traverseSpecSchema, {
    runDir: need(values, 'run'),
    dataset: need(values, 'dataset'),
    base: values.base === undefined ? undefined : latentPoint(String(values.base)),
    dims: list(values.dims),
    steps: num(values.steps),
    range: num(values.range),
    pixelNoise: values['pixel-noise'] || undefined,
    seed: num(values.seed),
    memorisation: values.memorisation || undefined,
    label: values.label,
    axes: axesOf(values),
    finish: finishWithIndexed(values),
  });
  if (values.out !== undefined) exportOptionsFromFlags(values);
  await cliBackend(values);
  const session = cliSession();
  try {
    const r = await traverse(spec, session);
    session.done();
    reportNearest(r.nearest, values.json);
    return {
      dims: r.dims,
      values: r.values,
      z: r.z,
      nearest: r.nearest,
      files: await maybeExport(values, r.finished?.images ?? r.images, r.finished, { dims: r.dims, columns: r.values.length }),
      ...pixelArtReport(r.finished),
    };
  } finally {
    session.done();
  }
}
