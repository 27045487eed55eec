import path from 'node:path';
import {
  IMAGE_SIZES,
  IMPORT_CHOICES as C,
  IMPORT_DEFAULTS as D,
  IMPORT_LIMITS,
  importOptionsSchema,
  sheetSlicingSchema,
  type DatasetImportReport,
  type ImportOptionsIn,
  type SheetSlicing,
} from '../contract';
import { importImages, type ImportProgress } from '../data/import';
import { importSheets } from '../data/sheet-import';
import { datasetUsers, inspectDatasetTarget } from '../data/store';
import { projectsUsingDataset } from '../project/dataset-users';
import { appPaths } from '../util/app-paths';
import { CliUsageError, createProgressPrinter, endProgress, shown } from './output';
import { flag, limited, text, texts, whole, type FlagTable } from './flag-table';

/** What `latent-atlas import --help` adds after the flags: how sprite sheets become images. */
export const importNotes = `Sprite sheets: with --sheet, each input is one sheet image (PNG, GIF or WebP) whose frames become
the dataset's images, named <sheet>#<cell>; a frame's label is the atlas tag that covers it, else the
sheet's file name. --sheet grid cuts cells of --cell WxH (the grid must divide the sheet exactly);
--sheet auto finds sprites as islands of opaque pixels; --sheet atlas reads the JSON atlas beside the
sheet (TexturePacker hash or array, Aseprite; frameTags become labels), and an input may be the atlas
JSON itself. Nothing is written unless every sheet can be read and cut.`;

export const importFlags = {
  out: text('DIR', 'The dataset folder to create (required); an existing dataset needs --overwrite.'),
  size: text(IMAGE_SIZES.join('|'), `The side in pixels every image is resized to (default ${D.size}).`),
  channels: text(C.channels.join('|'), `The colour channels to keep; auto picks the fewest that lose nothing (default ${D.channels}).`),
  fit: text(C.fit.join('|'), `How an image that is not square fits the square: letterboxed, cropped or stretched (default ${D.fit}).`),
  resampling: text(C.resampling.join('|'), `The resizing filter: nearest keeps pixel art crisp, lanczos suits photos (default ${D.resampling}).`),
  frames: text(C.frames.join('|'), `Of an animated GIF or WebP, import the first frame or every frame (default ${D.frames}).`),
  labels: text(C.labels.join('|'), `Label each image by its subfolder, or not at all (default ${D.labels}).`),
  include: texts('GLOB', 'Import only files matching this pattern, e.g. "**/*.png" (may be repeated).'),
  exclude: texts('GLOB', 'Skip files matching this pattern (may be repeated).'),
  'max-images': limited(IMPORT_LIMITS.maxImages, 'Import at most this many images (default: all).'),
  'keep-duplicates': flag('Keep files whose bytes repeat an earlier file (default: skipped, reported duplicate).'),
  'val-fraction': limited(IMPORT_LIMITS.valFraction, `The share of images held out for validation (default ${D.valFraction}).`),
  seed: limited(IMPORT_LIMITS.seed, `The seed of the train/validation split, so a re-import splits the same way (default ${D.seed}).`),
  'include-hidden': flag('Also import hidden files and folders (names starting with a dot).'),
  'no-cache': flag('Decode every file again instead of reusing the decode cache.'),
  overwrite: flag('Replace the dataset already in --out (refused while a run or project uses it).'),
  json: flag('Print the import report as one JSON object on stdout.'),
  sheet: text('grid|auto|atlas', 'Treat each input as a sprite sheet and cut it into frames this way.'),
  cell: text('WxH', 'With --sheet grid: the cell size in pixels, e.g. 32x32 (required).'),
  margin: whole(0, 16_384, 'With --sheet grid: pixels around the whole sheet (default 0).', 'PX'),
  spacing: whole(0, 16_384, 'With --sheet grid: pixels between cells (default 0).', 'PX'),
  'keep-empty': flag('With --sheet grid: import fully transparent cells too (default: skipped).'),
  gap: whole(0, 256, 'With --sheet auto: merge islands fewer than this many empty pixels apart (default 1).', 'PX'),
  'min-area': whole(1, 1_000_000, 'With --sheet auto: drop islands with fewer opaque pixels than this (default 16).', 'PX'),
  'alpha-threshold': whole(0, 254, 'With --sheet auto: a pixel is opaque when its alpha is above this (default 0).'),
  split: text('WxH', 'With --sheet auto: cut islands larger than this along their emptiest lines (default: never).'),
  atlas: text('FILE', "With --sheet atlas: the atlas JSON, when it is not the sheet's name with .json."),
} satisfies FlagTable;

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
  if (slicing && positionals.length === 0) throw new CliUsageError('import --sheet takes one or more sheet images');
  if (!slicing && positionals.length !== 1) throw new CliUsageError(`import takes one folder, got ${positionals.length}`);
  if (typeof values.out !== 'string' || values.out === '') throw new CliUsageError('import needs --out <dataset-dir>');
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
      process.stderr.write(
        `Imported ${report.imported} images (${report.size}x${report.size}, ${report.channels} channels; ${report.train} train, ${report.val} validation) into ${shown(report.dataset)} in ${(report.durationMs / 1000).toFixed(1)}s.\n`,
      );
      for (const sheet of report.sheets ?? []) {
        const cut = sheet.frames.length;
        process.stderr.write(
          `Sheet ${shown(sheet.sheet)} (${sheet.width}x${sheet.height}, ${sheet.mode}${sheet.atlas ? ` ${shown(sheet.atlas.layout)}` : ''}): ${cut} frames cut${sheet.dust ? `, ${sheet.dust} specks under the minimum area left out` : ''}.\n`,
        );
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
    throw new CliUsageError(
      `--out ${out} is not empty and is not a Latent Atlas dataset (it holds ${target.entries.slice(0, 3).join(', ')}${target.entries.length > 3 ? ', ...' : ''}); nothing was changed. Choose an empty or new folder`,
    );
  }
  if (target.kind !== 'dataset') return;
  if (!overwrite) {
    throw new CliUsageError(`--out ${out} already holds a dataset of ${target.count} images; nothing was changed. Pass --overwrite to replace it, or choose a new --out folder`);
  }
  if (target.foreign.length) {
    throw new CliUsageError(
      `--out ${out} holds a dataset and also files it did not write (${target.foreign.slice(0, 3).join(', ')}); nothing was changed. Move them out, or choose a new --out folder`,
    );
  }
  const users = [...(await datasetUsers(out)).map((u) => `training run ${u}`), ...(await projectsUsingDataset(out, appPaths().workspace)).map((p) => `project ${p}`)];
  if (users.length) {
    throw new CliUsageError(`the dataset at ${out} is in use by ${users.join(', ')}; it was not replaced, even with --overwrite. Import into a new --out folder instead`);
  }
}
