/**
 * The conditional model's commands: relabel ("same z, other label": images re-drawn as every
 * label, one row per label) and label-path (a fixed z from one label to another). The same code
 * as the latent.relabel and latent.labelPath channels; --out writes the grid through src/export.
 */
import { labelPathSpecSchema, relabelSpecSchema } from '../contract';
import { labelPath, relabel } from '../latent/conditional-operations';
import { checked, cliBackend } from './args';
import { CliUsageError } from './output';
import { cliSession, exportFlags, exportUsage, latentPoint, maybeExport, need, resolveWaypoints } from './latent';

const str = { type: 'string' } as const;
const bool = { type: 'boolean', default: false } as const;
type Values = Record<string, unknown>;
const num = (v: unknown) => (v === undefined ? undefined : Number(v));

export const relabelFlags = { run: str, dataset: str, json: bool, backend: str, labels: str, detail: str, seed: str, ...exportFlags } as const;
export const relabelUsage = `latent-atlas relabel <image> [more images] --run <run-dir> --dataset <dataset-dir> [--labels a,b,c] [--detail 0] ${exportUsage} [--json]   (a model trained with --conditional; an image is an index or an imported file name)`;
export const labelPathFlags = { run: str, dataset: str, json: bool, backend: str, from: str, to: str, frames: str, detail: str, seed: str, ...exportFlags } as const;
export const labelPathUsage = `latent-atlas label-path <image|vector> --from LABEL --to LABEL --run <run-dir> --dataset <dataset-dir> [--frames 8] [--detail 0] ${exportUsage} [--json]`;

export async function runRelabel(values: Values, positionals: string[]) {
  if (positionals.length < 1) throw new CliUsageError(`relabel needs one or more images; usage: ${relabelUsage}`);
  const datasetDir = need(values, 'dataset', relabelUsage);
  const points = await resolveWaypoints(datasetDir, positionals);
  const images = points.map((p, i) => {
    if (!('index' in p)) throw new CliUsageError(`"${positionals[i]}" is a latent vector; relabel takes images (it infers z with each image's own label)`);
    return p;
  });
  const spec = checked(
    relabelSpecSchema,
    { runDir: need(values, 'run', relabelUsage), dataset: datasetDir, images, labels: values.labels === undefined ? undefined : String(values.labels).split(','), detail: num(values.detail), seed: num(values.seed) },
    relabelUsage,
  );
  await cliBackend(values);
  const session = cliSession();
  try {
    const r = await relabel(spec, session);
    session.done();
    if (!values.json) process.stderr.write(`${r.z.length} image${r.z.length === 1 ? '' : 's'} (labels ${r.ownLabels.join(', ')}) redrawn as ${r.labels.join(', ')}: one row per label.\n`);
    const files = await maybeExport(values, r.images, relabelUsage, undefined, { dims: r.labels.map((_, i) => i), columns: r.z.length });
    return { labels: r.labels, ownLabels: r.ownLabels, z: r.z, files };
  } finally {
    session.done();
  }
}

export async function runLabelPath(values: Values, positionals: string[]) {
  if (positionals.length !== 1) throw new CliUsageError(`label-path takes one image or latent vector; usage: ${labelPathUsage}`);
  const datasetDir = need(values, 'dataset', labelPathUsage);
  const at = /^\d+$/.test(positionals[0]) || positionals[0].includes(',') ? latentPoint(positionals[0]) : (await resolveWaypoints(datasetDir, positionals))[0];
  const spec = checked(
    labelPathSpecSchema,
    { runDir: need(values, 'run', labelPathUsage), dataset: datasetDir, at, from: need(values, 'from', labelPathUsage), to: need(values, 'to', labelPathUsage), frames: num(values.frames), detail: num(values.detail), seed: num(values.seed) },
    labelPathUsage,
  );
  await cliBackend(values);
  const session = cliSession();
  try {
    const r = await labelPath(spec, session);
    session.done();
    if (!values.json) process.stderr.write(`${r.t.length} frames from "${spec.from}" to "${spec.to}" at one z.\n`);
    return { from: spec.from, to: spec.to, t: r.t, z: r.z, files: await maybeExport(values, r.images, labelPathUsage, undefined) };
  } finally {
    session.done();
  }
}
