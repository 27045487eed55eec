/**
 * The conditional model's commands: relabel ("same z, other label": images re-drawn as every
 * label, one row per label) and label-path (a fixed z from one label to another). The same code
 * as the latent.relabel and latent.labelPath channels; --out writes the grid through src/export.
 */
import { labelPathSpecSchema, relabelSpecSchema } from '../contract';
import { labelPath, relabel } from '../latent/conditional-operations';
import { checked, cliBackend } from './args';
import { CliUsageError } from './output';
import { cliSession, exportFlags, latentPoint, maybeExport, need, resolveWaypoints } from './latent';
import { decimal, flag, text, whole, type FlagTable } from './flag-table';

type Values = Record<string, unknown>;
const num = (v: unknown) => (v === undefined ? undefined : Number(v));

const run = text('DIR', 'The training run of a model trained with --conditional (required).');
const dataset = text('DIR', 'The dataset the run was trained on (required).');
const backend = text('tensorflow|wasm|cpu', 'The TensorFlow.js backend (default: the fastest present).');
const json = flag('Print the result as one JSON object on stdout.');
const detail = decimal(0, 2, "A hierarchical model's lower-latent temperature; 0 uses their means (default 0).");
const seed = whole(0, Infinity, "The seed of the lower latents' draws (default 0).");

export const relabelFlags = {
  run,
  dataset,
  json,
  backend,
  labels: text('A,B,...', 'The labels to draw the images as, comma-separated (default: every label).'),
  detail,
  seed,
  ...exportFlags,
} satisfies FlagTable;

export const labelPathFlags = {
  run,
  dataset,
  json,
  backend,
  from: text('LABEL', 'The label the path starts at (required).'),
  to: text('LABEL', 'The label the path ends at (required).'),
  frames: whole(2, 64, 'Images along the path, ends included (default 8).'),
  detail,
  seed,
  ...exportFlags,
} satisfies FlagTable;

export async function runRelabel(values: Values, positionals: string[]) {
  if (positionals.length < 1) throw new CliUsageError('relabel needs one or more images');
  const datasetDir = need(values, 'dataset');
  const points = await resolveWaypoints(datasetDir, positionals);
  const images = points.map((p, i) => {
    if (!('index' in p)) throw new CliUsageError(`"${positionals[i]}" is a latent vector; relabel takes images (it infers z with each image's own label)`);
    return p;
  });
  const spec = checked(relabelSpecSchema, {
    runDir: need(values, 'run'),
    dataset: datasetDir,
    images,
    labels: values.labels === undefined ? undefined : String(values.labels).split(','),
    detail: num(values.detail),
    seed: num(values.seed),
  });
  await cliBackend(values);
  const session = cliSession();
  try {
    const r = await relabel(spec, session);
    session.done();
    if (!values.json) process.stderr.write(`${r.z.length} image${r.z.length === 1 ? '' : 's'} (labels ${r.ownLabels.join(', ')}) redrawn as ${r.labels.join(', ')}: one row per label.\n`);
    const files = await maybeExport(values, r.images, undefined, { dims: r.labels.map((_, i) => i), columns: r.z.length });
    return { labels: r.labels, ownLabels: r.ownLabels, z: r.z, files };
  } finally {
    session.done();
  }
}

export async function runLabelPath(values: Values, positionals: string[]) {
  if (positionals.length !== 1) throw new CliUsageError(`label-path takes one image or latent vector, got ${positionals.length}`);
  const datasetDir = need(values, 'dataset');
  const at = /^\d+$/.test(positionals[0]) || positionals[0].includes(',') ? latentPoint(positionals[0]) : (await resolveWaypoints(datasetDir, positionals))[0];
  const spec = checked(labelPathSpecSchema, {
    runDir: need(values, 'run'),
    dataset: datasetDir,
    at,
    from: need(values, 'from'),
    to: need(values, 'to'),
    frames: num(values.frames),
    detail: num(values.detail),
    seed: num(values.seed),
  });
  await cliBackend(values);
  const session = cliSession();
  try {
    const r = await labelPath(spec, session);
    session.done();
    if (!values.json) process.stderr.write(`${r.t.length} frames from "${spec.from}" to "${spec.to}" at one z.\n`);
    return { from: spec.from, to: spec.to, t: r.t, z: r.z, files: await maybeExport(values, r.images, undefined) };
  } finally {
    session.done();
  }
}
