import { importOptionsSchema, type DatasetImportReport, type ImportOptionsIn } from '../contract';
import { importImages } from '../data/import';
import { CliUsageError, createProgressPrinter, endProgress } from './output';

export const importUsage =
  'latent-atlas import <folder> --out <dataset-dir> [--size 16|24|32|48|64] [--channels auto|gray|rgb|rgba] [--fit contain|cover|stretch] ' +
  '[--resampling nearest|lanczos] [--frames first|all] [--labels folder|none] [--include GLOB]... [--exclude GLOB]... [--max-images N] ' +
  '[--keep-duplicates] [--val-fraction 0.1] [--seed N] [--include-hidden] [--no-cache] [--json]';

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
  const printProgress = createProgressPrinter();
  const controller = new AbortController();
  // Ctrl+C cancels cleanly: the import leaves no half-written dataset behind.
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const { options: _resolved, ...report } = await importImages({
      source: { folder: positionals[0] },
      output: values.out,
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
      process.stderr.write(`Imported ${report.imported} images (${report.size}x${report.size}, ${report.channels} channels; ${report.train} train, ${report.val} validation) into ${report.dataset} in ${(report.durationMs / 1000).toFixed(1)}s.\n`);
      for (const s of report.skipped) process.stderr.write(`  skipped ${s.path}: ${s.reason}\n`);
    }
    return report;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
