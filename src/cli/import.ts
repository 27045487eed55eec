import path from 'node:path';
import { importOptionsSchema, sheetSlicingSchema, type DatasetImportReport, type ImportOptionsIn, type SheetSlicing } from '../contract';
import { importImages, type ImportProgress } from '../data/import';
import { importSheets } from '../data/sheet-import';
import { datasetUsers, inspectDatasetTarget } from '../data/store';
import { projectsUsingDataset } from '../project/dataset-users';
import { appPaths } from '../util/app-paths';
import { CliUsageError, createProgressPrinter, endProgress, shown } from './output';

export const importUsage =
  'latent-atlas import <folder> --out <dataset-dir> [--size 16|24|32|48|64] [--channels auto|gray|rgb|rgba] [--fit contain|cover|stretch] ' +
  '[--resampling nearest|lanczos] [--frames first|all] [--labels folder|none] [--include GLOB]... [--exclude GLOB]... [--max-images N] ' +
  '[--keep-duplicates] [--val-fraction 0.1] [--seed N] [--include-hidden] [--no-cache] [--overwrite] [--json]   ' +
  'or, for sprite sheets: latent-atlas import <sheet.png>... --sheet grid|auto|atlas --out <dataset-dir> [sheet flags, see import --help] [the options above]';

/** What `latent-atlas import --help` adds to the usage line: the sprite-sheet flags. */
export const importHelp = `Sprite sheets: with --sheet, each positional is one sheet image (PNG, GIF or WebP) whose frames
become the dataset's images. Every frame is named <sheet>#<cell> in the dataset and the report;
its label is the atlas tag that covers it, else the sheet's file name (--labels none: no labels).
  --sheet grid       cut into cells of --cell WxH (required), as Tiled and Unity's "Grid by cell size":
                     --margin N    pixels around the whole sheet (default 0)
                     --spacing N   pixels between cells (default 0)
                     --keep-empty  import fully transparent cells too (default: skipped, reported empty_cell)
                     The grid must divide the sheet exactly, or the import stops and names the sizes that fit.
  --sheet auto       find the sprites as islands of opaque pixels:
                     --gap N             merge islands fewer than N empty pixels apart (default 1; 0: only overlapping)
                     --min-area N        drop islands with fewer than N opaque pixels (default 16)
                     --alpha-threshold N a pixel is opaque when its alpha is above N (default 0)
                     --split WxH         cut islands larger than WxH along their emptiest lines, for packed
                                         sheets whose sprites touch (default: never cut)
  --sheet atlas      cut by the JSON atlas beside the sheet (sheet.png -> sheet.json), or --atlas FILE:
                     TexturePacker JSON Hash or Array, Aseprite JSON (hash or array, frameTags become labels).
                     A positional may also be the atlas JSON; its meta.image names the sheet.
Nothing is written unless every sheet can be read and cut: a sheet over the pixel limit, a grid that
does not divide it, an atlas naming frames outside it or an atlas whose image is missing stop the import.
`;

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
  sheet: { type: 'string' },
  cell: { type: 'string' },
  margin: { type: 'string' },
  spacing: { type: 'string' },
  'keep-empty': { type: 'boolean', default: false },
  gap: { type: 'string' },
  'min-area': { type: 'string' },
  'alpha-threshold': { type: 'string' },
  split: { type: 'string' },
  atlas: { type: 'string' },
} as const;

/** "32x32" (or "32") to [32, 32]; names the flag when it is not a size. */
function size(flag: string, v: unknown): [number, number] {
  const m = /^(\d+)(?:[x×](\d+))?$/i.exec(String(v).trim());
  if (!m) throw new CliUsageError(`--${flag} must be a size in pixels, WIDTHxHEIGHT (e.g. 32x32) or one number for a square; got "${String(v)}"`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

const SHEET_ONLY_FLAGS: Record<SheetSlicing['mode'], string[]> = {
  grid: ['cell', 'margin', 'spacing', 'keep-empty'],
  auto: ['gap', 'min-area', 'alpha-threshold', 'split'],
  atlas: ['atlas'],
};

/** The --sheet flags as the contract's slicing, checked by its schema like the UI's; null without --sheet. */
export function sheetSlicingFromFlags(values: Record<string, unknown>): SheetSlicing | null {
  const mode = values.sheet;
  const given = (f: string) => values[f] !== undefined && values[f] !== false;
  if (mode === undefined) {
    const stray = Object.values(SHEET_ONLY_FLAGS).flat().find(given);
    if (stray) throw new CliUsageError(`--${stray} slices sprite sheets; add --sheet grid, auto or atlas (see import --help)`);
    return null;
  }
  if (mode !== 'grid' && mode !== 'auto' && mode !== 'atlas') throw new CliUsageError(`--sheet must be grid, auto or atlas; got "${String(mode)}"`);
  for (const [other, flags] of Object.entries(SHEET_ONLY_FLAGS)) {
    const stray = other !== mode && flags.find(given);
    if (stray) throw new CliUsageError(`--${stray} belongs to --sheet ${other}, not --sheet ${mode}`);
  }
  let raw: Record<string, unknown>;
  if (mode === 'grid') {
    if (values.cell === undefined) throw new CliUsageError('--sheet grid needs --cell WIDTHxHEIGHT (e.g. --cell 32x32)');
    const [cellWidth, cellHeight] = size('cell', values.cell);
    raw = { mode, cellWidth, cellHeight, margin: num(values.margin), spacing: num(values.spacing), skipEmpty: values['keep-empty'] ? false : undefined };
  } else if (mode === 'auto') {
    const split = values.split === undefined ? undefined : size('split', values.split);
    raw = { mode, gap: num(values.gap), minArea: num(values['min-area']), alphaThreshold: num(values['alpha-threshold']), splitWidth: split?.[0], splitHeight: split?.[1] };
  } else {
    raw = { mode, atlas: values.atlas === undefined ? undefined : path.resolve(String(values.atlas)) };
  }
  const parsed = sheetSlicingSchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? '');
    const flag = ({ cellWidth: 'cell', cellHeight: 'cell', minArea: 'min-area', alphaThreshold: 'alpha-threshold', splitWidth: 'split', splitHeight: 'split' } as Record<string, string>)[key] ?? key;
    throw new CliUsageError(`--${flag}: ${issue.message}`);
  }
  return parsed.data;
}

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
  const slicing = sheetSlicingFromFlags(values);
  if (slicing && positionals.length === 0) throw new CliUsageError(`import --sheet takes one or more sheet images; usage: ${importUsage}`);
  if (!slicing && positionals.length !== 1) throw new CliUsageError(`import takes one folder, got ${positionals.length}; usage: ${importUsage}`);
  if (typeof values.out !== 'string' || values.out === '') throw new CliUsageError(`import needs --out <dataset-dir>; usage: ${importUsage}`);
  const out = path.resolve(values.out);
  await checkOutput(out, Boolean(values.overwrite));
  const printProgress = createProgressPrinter();
  const controller = new AbortController();
  // Ctrl+C cancels cleanly: the import leaves no half-written dataset behind.
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const common = {
      output: out,
      replace: Boolean(values.overwrite),
      options: importOptionsFromFlags(values),
      cacheDir: values['no-cache'] ? null : undefined,
      signal: controller.signal,
      onProgress: (p: ImportProgress) =>
        printProgress({
          phase: p.phase,
          done: p.imported + p.skipped,
          total: p.total,
          rate: p.rate,
          etaSeconds: p.etaMs === null ? undefined : p.etaMs / 1000,
          message: p.skipped ? `${p.skipped} skipped` : undefined,
        }),
    };
    const { options: _resolved, ...report } = slicing ? await importSheets({ ...common, sheets: positionals, slicing }) : await importImages({ ...common, source: { folder: positionals[0] } });
    endProgress();
    if (!values.json) {
      process.stderr.write(`Imported ${report.imported} images (${report.size}x${report.size}, ${report.channels} channels; ${report.train} train, ${report.val} validation) into ${shown(report.dataset)} in ${(report.durationMs / 1000).toFixed(1)}s.\n`);
      for (const sheet of report.sheets ?? []) {
        const cut = sheet.frames.length;
        process.stderr.write(`Sheet ${shown(sheet.sheet)} (${sheet.width}x${sheet.height}, ${sheet.mode}${sheet.atlas ? ` ${shown(sheet.atlas.layout)}` : ''}): ${cut} frames cut${sheet.dust ? `, ${sheet.dust} specks under the minimum area left out` : ''}.\n`);
      }
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
