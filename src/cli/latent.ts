/**
 * The latent-space commands: encode, interpolate, sample, traverse. They run the same code as
 * the engine channels, in this process, and with --out write frames through src/export.
 */
import { exportOptionsSchema, interpolateSpecSchema, sampleSpecSchema, traverseSpecSchema, type LatentEncodeReport, type NearestTraining } from '../contract';
import { exportFiles, type TraversalRows } from '../export/export';
import type { FinishedImages } from '../export/pixel-art';
import { finishWithIndexed, sheetFlags, sheetFromFlags, sheetUsage } from './sheet-flags';
import { writeExportFiles } from '../export/write';
import type { DecodedImages } from '../latent/images';
import { interpolate, sample, traverse } from '../latent/operations';
import { latentSession, type SessionOptions } from '../latent/session';
import { CliUsageError, createProgressPrinter, endProgress, shown } from './output';
import { checked, cliBackend } from './args';
import { pixelArtFlags, pixelArtReport, pixelArtUsage } from './pixel-art';
import { readDatasetIndex } from '../data/store';
import { encodeLayout, layoutFlags, layoutRequest, layoutUsage, type EncodeLayoutReport } from './layout';

const str = { type: 'string' } as const;
const bool = { type: 'boolean', default: false } as const;

const common = { run: str, dataset: str, json: bool, backend: str, axes: str } as const;
export const exportFlags = { out: str, format: str, scale: str, name: str, 'sheet-name': str, delay: str, 'ping-pong': bool, loop: str, columns: str, overwrite: bool, ...pixelArtFlags, ...sheetFlags } as const;
export const exportUsage = `[--out DIR [--format png,sheet,gif,webp] [--scale 1-8] [--name frame-{i}] [--sheet-name sheet] [--delay MS] [--ping-pong] [--loop N] [--columns N] ${sheetUsage} [--overwrite] ${pixelArtUsage}]`;

export const encodeFlags = { dataset: str, 'batch-size': str, force: bool, 'other-dataset': bool, json: bool, backend: str, ...layoutFlags } as const;
export const encodeUsage = `latent-atlas encode <run-dir> --dataset <dataset-dir> [--batch-size 256] [--force] [--other-dataset] ${layoutUsage} [--json]`;
export const interpolateFlags = { ...common, ...exportFlags, method: str, frames: str, iterations: str, 'learning-rate': str, detail: str, label: str } as const;
export const interpolateUsage = `latent-atlas interpolate <A> <B> [more waypoints] --run <run-dir> --dataset <dataset-dir> [--method linear|slerp|geodesic] [--frames 16] [--iterations 200] [--detail endpoints|prior] [--label NAME] ${exportUsage} [--json]   (--label: a conditional model's label for the whole path; default the images' own, blended) (a waypoint is an image index, an imported file name such as cat.png, or a comma-separated latent vector)`;
export const sampleFlags = { ...common, ...exportFlags, count: str, temperature: str, detail: str, prior: str, seed: str, around: str, 'pixel-noise': bool, 'no-memorisation': bool, label: str } as const;
export const sampleUsage = `latent-atlas sample --run <run-dir> --dataset <dataset-dir> [--count 16] [--temperature 1] [--detail 0.8] [--prior fitted|standard] [--seed 0] [--around INDEX] [--label NAME] [--pixel-noise] ${exportUsage} [--json]   (--label: the label to generate, for a model trained with --conditional)`;
export const traverseFlags = { ...common, ...exportFlags, base: str, dims: str, steps: str, range: str, 'pixel-noise': bool, seed: str, memorisation: bool, label: str } as const;
export const traverseUsage = `latent-atlas traverse --run <run-dir> --dataset <dataset-dir> [--base INDEX|vector] [--dims 0,1,2] [--steps 7] [--range 3] [--label NAME] [--memorisation] ${exportUsage} [--json]`;

type Values = Record<string, unknown>;

const num = (v: unknown) => (v === undefined ? undefined : Number(v));
const list = (v: unknown) => (v === undefined ? undefined : String(v).split(',').map((s) => Number(s.trim())));

export function need(values: Values, name: string, usage: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new CliUsageError(`needs --${name}; usage: ${usage}`);
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

function exportOptionsFromFlags(values: Values, usage: string) {
  const parsed = checked(
    exportOptionsSchema.omit({ source: true }),
    {
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
      sheet: sheetFromFlags(values, usage),
      indexed: values.indexed || undefined,
    },
    usage,
  );
  return parsed;
}

/** With --out, write the frames (refusing to overwrite unless --overwrite); returns the files written. */
export async function maybeExport(values: Values, images: DecodedImages, usage: string, finished: FinishedImages | undefined, rows: TraversalRows | null = null): Promise<string[]> {
  if (values.out === undefined) return [];
  const o = exportOptionsFromFlags(values, usage);
  const extra = { ...(finished ? { palette: finished.palette } : {}), ...(rows ? { rows } : {}) };
  const files = await writeExportFiles(o.outDir, await exportFiles(images, { ...o, columns: o.columns ?? rows?.columns ?? null }, extra), o.overwrite);
  if (!values.json) process.stderr.write(`Wrote ${files.length} files to ${shown(o.outDir)}.\n`);
  return files;
}

const axesOf = (values: Values) => (values.axes === undefined ? undefined : list(values.axes));

export async function runEncode(values: Values, positionals: string[]): Promise<LatentEncodeReport & { layout?: EncodeLayoutReport }> {
  if (positionals.length !== 1) throw new CliUsageError(`encode takes one run folder; usage: ${encodeUsage}`);
  const dataset = need(values, 'dataset', encodeUsage);
  const batchSize = num(values['batch-size']) ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 4096) throw new CliUsageError(`--batch-size must be a whole number from 1 to 4096; usage: ${encodeUsage}`);
  const layout = layoutRequest(values, encodeUsage);
  await cliBackend(values);
  const session = cliSession();
  try {
    const s = await latentSession(positionals[0], dataset, { ...session, batchSize, force: Boolean(values.force), acceptOtherDataset: Boolean(values['other-dataset']) });
    let kl = 0;
    let err = 0;
    for (let i = 0; i < s.latents.count; i++) {
      kl += s.latents.kl[i];
      err += s.latents.reconError[i];
    }
    const n = Math.max(s.latents.count, 1);
    const report: LatentEncodeReport = { count: s.latents.count, latentDim: s.latents.latentDim, lowerDim: s.run.model.vae.lowerDim, step: s.run.model.metadata.step, checkpoint: s.run.modelDir, datasetHash: s.dataset.index.datasetHash, cached: s.cached, seconds: s.seconds, meanKl: kl / n, meanReconError: err / n, modelLabels: [...s.run.model.config.labels] };
    if (!values.json) process.stderr.write(`${report.cached ? 'Up to date' : 'Encoded'}: ${report.count} images, latent size ${report.latentDim}, checkpoint step ${report.step}, in ${report.seconds.toFixed(1)}s (mean KL ${report.meanKl.toFixed(2)} nats).\n`);
    if (!layout) return report;
    endProgress();
    return { ...report, layout: await encodeLayout(s, positionals[0], layout, session.signal!, Boolean(values.json)) };
  } finally {
    session.done();
  }
}

export async function runInterpolate(values: Values, positionals: string[]) {
  if (positionals.length < 2) throw new CliUsageError(`interpolate needs two or more waypoints; usage: ${interpolateUsage}`);
  const datasetDir = need(values, 'dataset', interpolateUsage);
  const spec = checked(
    interpolateSpecSchema,
    {
      runDir: need(values, 'run', interpolateUsage),
      dataset: datasetDir,
      waypoints: await resolveWaypoints(datasetDir, positionals),
      method: values.method,
      frames: num(values.frames),
      lower: values.detail,
      label: values.label,
      geodesic: { ...(values.iterations !== undefined ? { iterations: num(values.iterations) } : {}), ...(values['learning-rate'] !== undefined ? { learningRate: num(values['learning-rate']) } : {}) },
      axes: axesOf(values),
      finish: finishWithIndexed(values, interpolateUsage),
    },
    interpolateUsage,
  );
  if (values.out !== undefined) exportOptionsFromFlags(values, interpolateUsage);
  await cliBackend(values);
  const session = cliSession();
  try {
    const r = await interpolate(spec, session);
    session.done();
    const files = await maybeExport(values, r.finished?.images ?? r.images, interpolateUsage, r.finished);
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
  if (positionals.length) throw new CliUsageError(`sample takes no positional arguments; usage: ${sampleUsage}`);
  const spec = checked(
    sampleSpecSchema,
    {
      runDir: need(values, 'run', sampleUsage),
      dataset: need(values, 'dataset', sampleUsage),
      count: num(values.count),
      temperature: num(values.temperature),
      detail: num(values.detail),
      prior: values.prior,
      seed: num(values.seed),
      around: values.around === undefined ? undefined : { index: num(values.around) },
      label: values.label,
      pixelNoise: values['pixel-noise'] || undefined,
      memorisation: values['no-memorisation'] ? false : undefined,
      axes: axesOf(values),
      finish: finishWithIndexed(values, sampleUsage),
    },
    sampleUsage,
  );
  if (values.out !== undefined) exportOptionsFromFlags(values, sampleUsage);
  await cliBackend(values);
  const session = cliSession();
  try {
    const r = await sample(spec, session);
    session.done();
    reportNearest(r.nearest, values.json);
    return { count: r.z.length, z: r.z, nearest: r.nearest, files: await maybeExport(values, r.finished?.images ?? r.images, sampleUsage, r.finished), ...pixelArtReport(r.finished) };
  } finally {
    session.done();
  }
}

export async function runTraverse(values: Values, positionals: string[]) {
  if (positionals.length) throw new CliUsageError(`traverse takes no positional arguments; usage: ${traverseUsage}`);
  const spec = checked(
    traverseSpecSchema,
    {
      runDir: need(values, 'run', traverseUsage),
      dataset: need(values, 'dataset', traverseUsage),
      base: values.base === undefined ? undefined : latentPoint(String(values.base)),
      dims: list(values.dims),
      steps: num(values.steps),
      range: num(values.range),
      pixelNoise: values['pixel-noise'] || undefined,
      seed: num(values.seed),
      memorisation: values.memorisation || undefined,
      label: values.label,
      axes: axesOf(values),
      finish: finishWithIndexed(values, traverseUsage),
    },
    traverseUsage,
  );
  if (values.out !== undefined) exportOptionsFromFlags(values, traverseUsage);
  await cliBackend(values);
  const session = cliSession();
  try {
    const r = await traverse(spec, session);
    session.done();
    reportNearest(r.nearest, values.json);
    return { dims: r.dims, values: r.values, z: r.z, nearest: r.nearest, files: await maybeExport(values, r.finished?.images ?? r.images, traverseUsage, r.finished, { dims: r.dims, columns: r.values.length }), ...pixelArtReport(r.finished) };
  } finally {
    session.done();
  }
}
