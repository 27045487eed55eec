/**
 * `latent-atlas export`: write frames, a sprite sheet, GIF or WebP from a JSON spec (the
 * export.frames payload of the contract) or from a file of latent vectors.
 */
import { promises as fs } from 'node:fs';
import { exportOptionsSchema, type ExportReport } from '../contract';
import { exportFrames } from '../export/export';
import { CliUsageError, shown } from './output';
import { cliSession, exportFlags } from './latent';
import { checked, cliBackend } from './args';
import { finishFromFlags, pixelArtUsage } from './pixel-art';

export const exportCommandFlags = { ...exportFlags, spec: { type: 'string' }, latents: { type: 'string' }, run: { type: 'string' }, dataset: { type: 'string' }, json: { type: 'boolean', default: false }, backend: { type: 'string' } } as const;
export const exportCommandUsage =
  `latent-atlas export (--spec export.json | --latents z.json --run <run-dir> [--dataset <dataset-dir>, for --pixel-art]) --out DIR [--format png,sheet,gif,webp] [--scale 1-8] [--name frame-{i}] [--sheet-name sheet] [--delay MS] [--ping-pong] [--loop N] [--columns N] [--overwrite] ${pixelArtUsage} [--json]   ` +
  '(export.json: {"source": {"interpolate"|"sample"|"traverse": spec} , ...options}; z.json: [[z1...], [z2...]])';

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new CliUsageError(`could not read ${what} ${file}: ${(err as Error).message}`);
  }
}

export async function runExport(values: Record<string, unknown>, positionals: string[]): Promise<ExportReport> {
  if (positionals.length) throw new CliUsageError(`export takes no positional arguments; usage: ${exportCommandUsage}`);
  if ((values.spec === undefined) === (values.latents === undefined)) throw new CliUsageError(`export needs exactly one of --spec or --latents; usage: ${exportCommandUsage}`);
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
  };
  const options = checked(exportOptionsSchema, { ...base, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) }, exportCommandUsage);
  await cliBackend(values);
  const session = cliSession();
  try {
    const report = await exportFrames(options, session);
    session.done();
    if (!values.json) process.stderr.write(`Exported ${report.frames} frames (${report.width}x${report.height}) as ${report.files.length} files in ${shown(report.outDir)}.\n`);
    return report;
  } finally {
    session.done();
  }
}
