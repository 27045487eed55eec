/**
 * `latent-atlas export`: write frames, a sprite sheet (in the chosen atlas layout), GIF or
 * WebP from a JSON spec (the export.frames payload of the contract) or from a file of latent
 * vectors; or, with --projector, the dataset's latent map for the TensorFlow Embedding Projector.
 */
import { promises as fs } from 'node:fs';
import { exportOptionsSchema, projectorExportSchema, type ExportReport, type ProjectorExportReport, type SheetOptionsIn } from '../contract';
import { exportFrames } from '../export/export';
import { exportProjector } from '../export/projector';
import { CliUsageError, shown } from './output';
import { cliSession, exportFlags } from './latent';
import { checked, cliBackend } from './args';
import { finishFromFlags, pixelArtUsage } from './pixel-art';
import { sheetFromFlags, sheetUsage } from './sheet-flags';

export const exportCommandFlags = { ...exportFlags, spec: { type: 'string' }, latents: { type: 'string' }, run: { type: 'string' }, dataset: { type: 'string' }, projector: { type: 'boolean', default: false }, thumbnail: { type: 'string' }, json: { type: 'boolean', default: false }, backend: { type: 'string' } } as const;
export const exportCommandUsage =
  `latent-atlas export (--spec export.json | --latents z.json --run <run-dir> [--dataset <dataset-dir>, for --pixel-art]) --out DIR [--format png,sheet,gif,webp] [--scale 1-8] [--name frame-{i}] [--sheet-name sheet] [--delay MS] [--ping-pong] [--loop N] [--columns N] ${sheetUsage} [--overwrite] ${pixelArtUsage} [--json]   ` +
  '(export.json: {"source": {"interpolate"|"sample"|"traverse": spec} , ...options}; z.json: [[z1...], [z2...]])   ' +
  '| latent-atlas export --projector --run <run-dir> --dataset <dataset-dir> --out DIR [--thumbnail PX] [--overwrite] [--json]   (vectors.tsv, metadata.tsv, sprite.png, projector_config.json for projector.tensorflow.org)';

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new CliUsageError(`could not read ${what} ${file}: ${(err as Error).message}`);
  }
}

async function runProjectorExport(values: Record<string, unknown>): Promise<ProjectorExportReport> {
  for (const flag of ['spec', 'latents', 'format', 'layout'] as const)
    if (values[flag] !== undefined) throw new CliUsageError(`--projector exports the dataset's latent map and takes no --${flag}; usage: ${exportCommandUsage}`);
  const options = checked(projectorExportSchema, { runDir: values.run, dataset: values.dataset, outDir: values.out, thumbnail: values.thumbnail === undefined ? undefined : Number(values.thumbnail), overwrite: values.overwrite || undefined }, exportCommandUsage);
  await cliBackend(values);
  const session = cliSession();
  try {
    const report = await exportProjector(options, session);
    session.done();
    if (!values.json)
      process.stderr.write(`Wrote the latent map of ${report.count} images (${report.latentDim} dimensions, ${report.singleImageDim[0]} px thumbnails) for the Embedding Projector in ${shown(report.outDir)}: open projector.tensorflow.org, choose Load and pick vectors.tsv and metadata.tsv.\n`);
    return report;
  } finally {
    session.done();
  }
}

export async function runExport(values: Record<string, unknown>, positionals: string[]): Promise<ExportReport | ProjectorExportReport> {
  if (positionals.length) throw new CliUsageError(`export takes no positional arguments; usage: ${exportCommandUsage}`);
  if (values.projector) return runProjectorExport(values);
  if (values.thumbnail !== undefined) throw new CliUsageError(`--thumbnail applies to --projector; usage: ${exportCommandUsage}`);
  if ((values.spec === undefined) === (values.latents === undefined)) throw new CliUsageError(`export needs exactly one of --spec or --latents (or --projector); usage: ${exportCommandUsage}`);
  let base: Record<string, unknown>;
  if (values.spec !== undefined) {
    const spec = await readJson(String(values.spec), 'the export spec');
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new CliUsageError(`${values.spec} must hold a JSON object with a "source"`);
    base = spec as Record<string, unknown>;
  } else {
    if (values.run === undefined) throw new CliUsageError(`--latents needs --run <run-dir>; usage: ${exportCommandUsage}`);
    base = { source: { latents: { runDir: values.run, z: await readJson(String(values.latents), 'the latent vectors'), ...(values.dataset === undefined ? {} : { dataset: values.dataset }) } } };
  }
  const flags = {
    outDir: values.out,
    formats: values.format === undefined ? undefined : String(values.format).split(','),
    scale: values.scale === undefined ? undefined : Number(values.scale),
    name: values.name,
    sheetName: values['sheet-name'],
    delayMs: values.delay === undefined ? undefined : Number(values.delay),
    pingPong: values['ping-pong'] || undefined,
    loop: values.loop === undefined ? undefined : Number(values.loop),
    columns: values.columns === undefined ? undefined : Number(values.columns),
    overwrite: values.overwrite || undefined,
    finish: finishFromFlags(values, exportCommandUsage),
    sheet: sheetFromFlags(values, exportCommandUsage, (base.sheet ?? {}) as SheetOptionsIn),
    indexed: values.indexed || undefined,
  };
  const options = checked(exportOptionsSchema, { ...base, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) }, exportCommandUsage);
  await cliBackend(values);
  const session = cliSession();
  try {
    const report = await exportFrames(options, session);
    session.done();
    if (!values.json) process.stderr.write(`Exported ${report.frames} frames (${report.width}x${report.height}) as ${report.files.length} files in ${shown(report.outDir)}${report.sheet ? `; sheet ${report.sheet.width}x${report.sheet.height}, atlas ${shown(report.sheet.atlas)} (${report.sheet.layout})` : ''}.\n`);
    return report;
  } finally {
    session.done();
  }
}
