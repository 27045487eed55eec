/**
 * Importing images into a dataset: from a folder path (native dialog or path field), or from
 * uploaded / dropped files staged through the engine. Holds progress, the import report
 * and the error, and registers each import as a cancellable task.
 */
import type { DatasetImportReport, DatasetSummary, ImportOptionsIn, ProgressEvent, SheetSlicingIn, SheetSource } from '../../src/contract';
import type { AppState } from './app-state.svelte';
import type { Bridge } from './bridge';
import { describeError, isCancelled, type ShownError } from './errors';
import { baseName, joinPath, timestampedName } from './paths';
import type { Tasks } from './tasks.svelte';
import { newStagingId, stageUploads, type UploadFile } from './upload';

/** The import progress as the Dataset panel shows it (the library's own is src/data/import's ImportProgress). */
export interface ShownImportProgress {
  phase: string;
  done: number;
  total: number | null;
  rate: number | null;
  etaSeconds: number | null;
  scanned: number;
  imported: number;
  skipped: number;
}

export interface Importer {
  readonly running: boolean;
  readonly progress: ShownImportProgress | null;
  readonly report: DatasetImportReport | null;
  /** Uploaded files the browser could not send (over the message limit). */
  readonly notSent: string[];
  readonly error: ShownError | null;
  readonly cancelledNote: string | null;
  importFolder(folder: string, options: ImportOptionsIn): Promise<void>;
  importFiles(files: UploadFile[], label: string, options: ImportOptionsIn): Promise<void>;
  /** A sprite sheet on the engine's disk ({sheet: path}) or uploaded ({staged, sheetName}), cut by `slicing`. */
  importSheet(source: SheetSource, slicing: SheetSlicingIn, options: ImportOptionsIn): Promise<void>;
  cancel(): void;
}

/** Where imports go and who hears of a finished one: the open project, when there is one. */
export interface ImportTarget {
  /** The dataset folder to write, or null for a new one under <workspace>/datasets. */
  output(): string | null;
  imported(report: DatasetImportReport, summary: DatasetSummary, source: { folder: string } | { uploaded: string }, options: ImportOptionsIn): void;
  /** Asked before an import starts (a project with a trained model confirms first); false leaves everything as it was. */
  beforeImport?(): Promise<boolean>;
}

export function createImporter(bridge: Bridge, app: AppState, tasks: Tasks, target?: ImportTarget): Importer {
  const s = $state({
    running: false,
    progress: null as ShownImportProgress | null,
    report: null as DatasetImportReport | null,
    notSent: [] as string[],
    error: null as ShownError | null,
    cancelledNote: null as string | null,
  });
  let controller: AbortController | null = null;

  function outputFor(name: string): string {
    const own = target?.output();
    if (own) return own;
    if (!app.paths) throw new Error('The engine has not told us its workspace folder yet; wait a moment and try again.');
    return joinPath(app.paths.workspace, 'datasets', timestampedName(name));
  }

  function onProgress(p: ProgressEvent<'dataset.import'>, task: { update(f: number | null, d?: string): void }, unit = 'files') {
    s.progress = {
      phase: p.phase,
      done: p.done,
      total: p.total,
      rate: p.rate ?? null,
      etaSeconds: p.etaSeconds ?? null,
      scanned: p.data?.scanned ?? 0,
      imported: p.data?.imported ?? 0,
      skipped: p.data?.skipped ?? 0,
    };
    task.update(p.total ? p.done / p.total : null, `${p.done}${p.total ? ` / ${p.total}` : ''} ${unit}`);
  }

  async function run(
    label: string,
    source: { folder: string } | { uploaded: string },
    options: ImportOptionsIn,
    body: (signal: AbortSignal, task: ReturnType<Tasks['start']>) => Promise<DatasetImportReport>,
  ) {
    if (s.running) return;
    if (target?.beforeImport && !(await target.beforeImport())) return;
    if (s.running) return;
    controller = new AbortController();
    const { signal } = controller;
    const task = tasks.start(`Importing ${label}`, () => controller?.abort());
    s.running = true;
    s.error = null;
    s.cancelledNote = null;
    s.report = null;
    s.notSent = [];
    s.progress = { phase: 'starting', done: 0, total: null, rate: null, etaSeconds: null, scanned: 0, imported: 0, skipped: 0 };
    try {
      const report = await body(signal, task);
      s.report = report;
      const summary = await bridge.call('dataset.info', { path: report.dataset });
      app.dataset = summary;
      app.selected = null;
      target?.imported(report, summary, source, options);
    } catch (err) {
      if (isCancelled(err) || signal.aborted) s.cancelledNote = 'Import cancelled; nothing was written.';
      else s.error = describeError(err);
    } finally {
      s.running = false;
      controller = null;
      task.end();
    }
  }

  return {
    get running() {
      return s.running;
    },
    get progress() {
      return s.progress;
    },
    get report() {
      return s.report;
    },
    get notSent() {
      return s.notSent;
    },
    get error() {
      return s.error;
    },
    get cancelledNote() {
      return s.cancelledNote;
    },
    importFolder(folder, options) {
      return run(baseName(folder), { folder }, options, (signal, task) =>
        bridge.call('dataset.import', { source: { folder }, output: outputFor(baseName(folder)), options }, { signal, onProgress: (p) => onProgress(p, task) }),
      );
    },
    importFiles(files, label, options) {
      return run(label, { uploaded: label }, options, async (signal, task) => {
        const staged = newStagingId();
        if (s.progress) s.progress.phase = 'uploading';
        const sent = await stageUploads(bridge, staged, files, {
          signal,
          onProgress: (sentBytes, totalBytes) => {
            if (s.progress) s.progress = { ...s.progress, phase: 'uploading', done: sentBytes, total: totalBytes };
            task.update(totalBytes ? sentBytes / totalBytes : null, 'uploading');
          },
        });
        s.notSent = sent.tooBig;
        if (sent.files === 0) throw new Error('None of the chosen files could be sent: each is larger than 9 MB. Import their folder by path instead.');
        return bridge.call('dataset.import', { source: { staged }, output: outputFor(label), options }, { signal, onProgress: (p) => onProgress(p, task) });
      });
    },
    importSheet(source, slicing, options) {
      const file = 'sheet' in source ? baseName(source.sheet) : source.sheetName;
      const recorded = 'sheet' in source ? { folder: source.sheet } : { uploaded: file };
      return run(file, recorded, options, (signal, task) =>
        bridge.call('dataset.import', { source: { ...source, slicing }, output: outputFor(file.replace(/\.[^.]*$/, '')), options }, { signal, onProgress: (p) => onProgress(p, task, 'frames') }),
      );
    },
    cancel() {
      controller?.abort();
    },
  };
}
