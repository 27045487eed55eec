/**
 * `latent-atlas export`: write frames, a sprite sheet (in the chosen atlas layout), GIF or
 * WebP from a JSON spec (the export.frames payload of the contract) or from a file of latent
 * vectors; or, with --projector, the dataset's latent map for the TensorFlow Embedding Projector.
 */
import { promises as fs } from 'node:fs';
import { EXPORT_LIMITS, exportOptionsSchema, projectorExportSchema, type ExportReport, type ProjectorExportReport, type SheetOptionsIn } from '../contract';
import { exportFrames } from '../export/export';
import { exportProjector } from '../export/projector';
import { CliUsageError, shown } from './output';
import { cliSession, exportFlags } from './latent';
import { checked, cliBackend } from './args';
import { finishFromFlags } from './pixel-art';
import { sheetFromFlags } from './sheet-flags';
import { flag, limited, text, type FlagTable } from './flag-table';

export const exportCommandFlags = {
  spec: text(
    'FILE',
    'A JSON export spec: {"source": {"interpolate"|"sample"|"traverse"|"attribute": spec}, ...options}; with a conditional model, an attribute spec may name the "label" to decode as.',
  ),
  latents: text('FILE', 'A JSON file of latent vectors, [[z1...], [z2...]], to decode with --run.'),
  run: text('DIR', 'The training run whose newest checkpoint decodes --latents, or whose latent map --projector writes.'),
  dataset: text('DIR', "The run's dataset (needed by --projector, and by --pixel-art for its palette)."),
  projector: flag("Write the dataset's latent map for projector.tensorflow.org (vectors.tsv, metadata.tsv, sprite.png)."),
  thumbnail: limited(EXPORT_LIMITS.projectorThumbnail, "With --projector: the thumbnails' edge in pixels (default: the training size, smaller if needed).", 'PX'),
  ...exportFlags,
  json: flag('Print the export report as one JSON object on stdout.'),
  backend: text('tensorflow|wasm|cpu', 'The TensorFlow.js backend (default: the fastest present).'),
} satisfies FlagTable;

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new CliUsageError(`could not read ${what} ${file}: ${(err as Error).message}`);
  }
}

async function runProjectorExport(values: Record<string, unknown>): Promise<ProjectorExportReport> {
  for (const flag of ['spec', 'latents', 'format', 'layout'] as const) if (values[flag] !== undefined) throw new CliUsageError(`--projector exports the dataset's latent map and takes no --${flag}`);
  const options = checked(projectorExportSchema, {
    runDir: values.run,
    dataset: values.dataset,
    outDir: values.out,
    thumbnail: values.thumbnail === undefined ? undefined : Number(values.thumbnail),
    overwrite: values.overwrite || undefined,
  });
  await cliBackend(values);
  const session = cliSession();
  try {
    const report = await exportProjector(options, session);
    session.done();
    if (!values.json)
      process.stderr.write(
        `Wrote the latent map of ${report.count} images (${report.latentDim} dimensions, ${report.singleImageDim[0]} px thumbnails) for the Embedding Projector in ${shown(report.outDir)}: open projector.tensorflow.org, choose Load and pick vectors.tsv and metadata.tsv.\n`,
      );
    return report;
  } finally {
    session.done();
  }
}

export async function runExport(values: Record<string, unknown>, positionals: string[]): Promise<ExportReport | ProjectorExportReport> {
  if (positionals.length) throw new CliUsageError(`export takes no positional arguments, got "${positionals[0]}"`);
  if (values.projector) return runProjectorExport(values);
  if (values.thumbnail !== undefined) throw new CliUsageError('--thumbnail applies to --projector');
  if ((values.spec === undefined) === (values.latents === undefined)) throw new CliUsageError('export needs exactly one of --spec or --latents (or --projector)');
  let base: Record<string, unknown>;
  if (values.spec !== undefined) {
    const spec = await readJson(String(values.spec), 'the export spec');
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new CliUsageError(`${values.spec} must hold a JSON object with a "source"`);
    base = spec as Record<string, unknown>;
  } else {
    if (values.run === undefined) throw new CliUsageError('--latents needs --run <run-dir>');
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
    finish: finishFromFlags(values),
    sheet: sheetFromFlags(values, (base.sheet ?? {}) as SheetOptionsIn),
    indexed: values.indexed || undefined,
  };
  const options = checked(exportOptionsSchema, { ...base, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) });
  await cliBackend(values);
  const session = cliSession();
  try {
    const report = await exportFrames(options, session);
    session.done();
    if (!values.json)
      process.stderr.write(
        `Exported ${report.frames} frames (${report.width}x${report.height}) as ${report.files.length} files in ${shown(report.outDir)}${report.sheet ? `; sheet ${report.sheet.width}x${report.sheet.height}, atlas ${shown(report.sheet.atlas)} (${report.sheet.layout})` : ''}.\n`,
      );
    return report;
  } finally {
    session.done();
  }
}
