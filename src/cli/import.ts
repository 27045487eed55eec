import path from 'node:path';
import { importOptionsSchema, type DatasetImportReport, type ImportOptionsIn } from '../contract';
import { importImages } from '../data/import';
import { datasetUsers, inspectDatasetTarget } from '../data/store';
import { projectsUsingDataset } from '../project/dataset-users';
import { appPaths } from '../util/app-paths';
import { CliUsageError, createProgressPrinter, endProgress, shown } from './output';

export const importUsage =
  'latent-atlas import <folder> --out <dataset-dir> [--size 16|24|32|48|64] [--channels auto|gray|rgb|rgba] [--fit contain|cover|stretch] ' +
  '[--resampling nearest|lanczos] [--frames first|all] [--labels folder|none] [--include GLOB]... [--exclude GLOB]... [--max-images N] ' +
  '[--keep-duplicates] [--val-fraction 0.1] [--seed N] [--include-hidden] [--no-cache] [--overwrite] [--json]';

export const importFlags = {
  out: { type: 'string' },
  size: { type: 'string' },
  channels: { type: 'string' },
  fit: { type: 'string' },
  resampling: { type: 'string' },
  frames: { type: 'string' },
  labels: { type: 'string' },
  include: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  'max-images': { type: 'string' },
  'keep-duplicates': { type: 'boolean', default: false },
  'val-fraction': { type: 'string' },
  seed: { type: 'string' },
  'include-hidden': { type: 'boolean', default: false },
  'no-cache': { type: 'boolean', default: false },
  overwrite: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

const num = (v: unknown) => (v === undefined ? undefined : Number(v));

/** Flags to import options, checked by the contract's schema so CLI and UI accept the same values. */
export function importOptionsFromFlags(values: Record<string, unknown>): ImportOptionsIn {
  const raw = {
    size: num(values.size),
    channels: values.channels,
    fit: values.fit,
    resampling: values.resampling,
    frames: values.frames,
    labels: values.labels,
    include: values.include,
    exclude: values.exclude,
    maxImages: num(values['max-images']),
    dedupe: values['keep-duplicates'] ? false : undefined,
    valFraction: num(values['val-fraction']),
    seed: num(values.seed),
    includeHidden: values['include-hidden'] ? true : undefined,
  };
  const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  const parsed = importOptionsSchema.safeParse(defined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new CliUsageError(`--${flag}: ${issue.message}`);
  }
  return parsed.data;
}

export async function runImport(values: Record<string, unknown>, positionals: string[]): Promise<DatasetImportReport> {
  if (positionals.length !== 1) throw new CliUsageError(`import takes one folder, got ${positionals.length}; usage: ${importUsage}`);
  if (typeof values.out !== 'string' || values.out === '') throw new CliUsageError(`import needs --out <dataset-dir>; usage: ${importUsage}`);
  const out = path.resolve(values.out);
  await checkOutput(out, Boolean(values.overwrite));
  const printProgress = createProgressPrinter();
  const controller = new AbortController();
  // Ctrl+C cancels cleanly: the import leaves no half-written dataset behind.
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const { options: _resolved, ...report } = await importImages({
      source: { folder: positionals[0] },
      output: out,
      replace: Boolean(values.overwrite),
      options: importOptionsFromFlags(values),
      cacheDir: values['no-cache'] ? null : undefined,
      signal: controller.signal,
      onProgress: (p) =>
        printProgress({
          phase: p.phase,
          done: p.imported + p.skipped,
          total: p.total,
          rate: p.rate,
          etaSeconds: p.etaMs === null ? undefined : p.etaMs / 1000,
          message: p.skipped ? `${p.skipped} skipped` : undefined,
        }),
    });
    endProgress();
    if (!values.json) {
      process.stderr.write(`Imported ${report.imported} images (${report.size}x${report.size}, ${report.channels} channels; ${report.train} train, ${report.val} validation) into ${shown(report.dataset)} in ${(report.durationMs / 1000).toFixed(1)}s.\n`);
      for (const s of report.skipped) process.stderr.write(`  skipped ${shown(s.path)}: ${shown(s.reason)}\n`);
    }
    return report;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * Refuse (exit 2, nothing changed) an --out that is not ours to write: a folder of other
 * files, a dataset without --overwrite, or, even with it, a dataset a live training run or a
 * project in the workspace uses.
 */
async function checkOutput(out: string, overwrite: boolean): Promise<void> {
  const target = await inspectDatasetTarget(out);
  if (target.kind === 'other') {
    throw new CliUsageError(`--out ${out} is not empty and is not a Latent Atlas dataset (it holds ${target.entries.slice(0, 3).join(', ')}${target.entries.length > 3 ? ', ...' : ''}); nothing was changed. Choose an empty or new folder`);
  }
  if (target.kind !== 'dataset') return;
  if (!overwrite) {
    throw new CliUsageError(`--out ${out} already holds a dataset of ${target.count} images; nothing was changed. Pass --overwrite to replace it, or choose a new --out folder`);
  }
  if (target.foreign.length) {
    throw new CliUsageError(`--out ${out} holds a dataset and also files it did not write (${target.foreign.slice(0, 3).join(', ')}); nothing was changed. Move them out, or choose a new --out folder`);
  }
  const users = [...(await datasetUsers(out)).map((u) => `training run ${u}`), ...(await projectsUsingDataset(out, appPaths().workspace)).map((p) => `project ${p}`)];
  if (users.length) {
    throw new CliUsageError(`the dataset at ${out} is in use by ${users.join(', ')}; it was not replaced, even with --overwrite. Import into a new --out folder instead`);
  }
}
