/**
 * Importing images into a dataset: from a folder path (native dialog or path field), or from
 * uploaded / dropped files staged through the engine. Holds progress, the import report
 * and the error, and registers each import as a cancellable task.
 */
import type { DatasetImportReport, DatasetSummary, ImportOptionsIn, ProgressEvent, ProgressPhase, SheetSlicingIn, SheetSource } from '../../src/contract';
import type { AppState } from './app-state';
import type { Bridge } from './bridge';
import { describeError, isCancelled, type ShownError } from './errors';
import { baseName, joinPath, timestampedName } from './paths';
import type { TaskHandle, Tasks } from './tasks.svelte';
import { newStagingId, stageUploads, type UploadFile } from './upload';

/** The import progress as the Dataset panel shows it (the library's own is src/data/import's ImportProgress). */
export interface ShownImportProgress {
  /** The engine's phase, or the window's own steps before it: starting, then uploading dropped files (web mode). */
  phase: ProgressPhase<'dataset.import'> | 'starting' | 'uploading';
  done: number;
  total: number | null;
  rate: number | null;
  etaSeconds: number | null;
  scanned: number;
  imported: number;
  skipped: number;
}

/** Where imports go and who hears of a finished one: the open project, when there is one. */
export interface ImportTarget {
  /** The dataset folder to write, or null for a new one under <workspace>/datasets. */
  output(): string | null;
  imported(report: DatasetImportReport, summary: DatasetSummary, source: { folder: string } | { uploaded: string }, options: ImportOptionsIn): void;
  /** Asked before an import starts (a project with a trained model confirms first); false leaves everything as it was. */
  beforeImport?(): Promise<boolean>;
}

/** The window's importer: the session owns it (imports land in the open project), the Dataset panel drives it. */
export class Importer {
  running = $state(false);
  progress = $state<ShownImportProgress | null>(null);
  report = $state<DatasetImportReport | null>(null);
  /** Uploaded files the browser could not send (over the message limit). */
  notSent = $state<string[]>([]);
  error = $state<ShownError | null>(null);
  cancelledNote = $state<string | null>(null);

  #bridge: Bridge;
  #app: AppState;
  #tasks: Tasks;
  #target: ImportTarget | undefined;
  #controller: AbortController | null = null;

  constructor(bridge: Bridge, app: AppState, tasks: Tasks, target?: ImportTarget) {
    this.#bridge = bridge;
    this.#app = app;
    this.#tasks = tasks;
    this.#target = target;
  }

  #outputFor(name: string): string {
    const own = this.#target?.output();
    if (own) return own;
    const paths = this.#app.paths;
    if (!paths) throw new Error('The engine has not told us its workspace folder yet; wait a moment and try again.');
    return joinPath(paths.workspace, 'datasets', timestampedName(name));
  }

  #onProgress(p: ProgressEvent<'dataset.import'>, task: TaskHandle, unit = 'files') {
    this.progress = {
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

  async #run(label: string, source: { folder: string } | { uploaded: string }, options: ImportOptionsIn, body: (signal: AbortSignal, task: TaskHandle) => Promise<DatasetImportReport>) {
    if (this.running) return;
    const target = this.#target;
    if (target?.beforeImport && !(await target.beforeImport())) return;
    if (this.running) return;
    const controller = new AbortController();
    this.#controller = controller;
    const { signal } = controller;
    const task = this.#tasks.start(`Importing ${label}`, () => controller.abort());
    this.running = true;
    this.error = null;
    this.cancelledNote = null;
    this.report = null;
    this.notSent = [];
    this.progress = { phase: 'starting', done: 0, total: null, rate: null, etaSeconds: null, scanned: 0, imported: 0, skipped: 0 };
    try {
      const report = await body(signal, task);
      this.report = report;
      const summary = await this.#bridge.call('dataset.info', { path: report.dataset });
      this.#app.dataset = summary;
      this.#app.selected = null;
      target?.imported(report, summary, source, options);
    } catch (err) {
      if (isCancelled(err) || signal.aborted) this.cancelledNote = 'Import cancelled; nothing was written.';
      else this.error = describeError(err);
    } finally {
      this.running = false;
      this.#controller = null;
      task.end();
    }
  }

  importFolder(folder: string, options: ImportOptionsIn): Promise<void> {
    return this.#run(baseName(folder), { folder }, options, (signal, task) =>
      this.#bridge.call('dataset.import', { source: { folder }, output: this.#outputFor(baseName(folder)), options }, { signal, onProgress: (p) => this.#onProgress(p, task) }),
    );
  }

  importFiles(files: UploadFile[], label: string, options: ImportOptionsIn): Promise<void> {
    return this.#run(label, { uploaded: label }, options, async (signal, task) => {
      const staged = newStagingId();
      if (this.progress) this.progress.phase = 'uploading';
      const sent = await stageUploads(this.#bridge, staged, files, {
        signal,
        onProgress: (sentBytes, totalBytes) => {
          if (this.progress) this.progress = { ...this.progress, phase: 'uploading', done: sentBytes, total: totalBytes };
          task.update(totalBytes ? sentBytes / totalBytes : null, 'uploading');
        },
      });
      this.notSent = sent.tooBig;
      if (sent.files === 0) throw new Error('None of the chosen files could be sent: each is larger than 9 MB. Import their folder by path instead.');
      return this.#bridge.call('dataset.import', { source: { staged }, output: this.#outputFor(label), options }, { signal, onProgress: (p) => this.#onProgress(p, task) });
    });
  }

  /** A sprite sheet on the engine's disk ({sheet: path}) or uploaded ({staged, sheetName}), cut by `slicing`. */
  importSheet(source: SheetSource, slicing: SheetSlicingIn, options: ImportOptionsIn): Promise<void> {
    const file = 'sheet' in source ? baseName(source.sheet) : source.sheetName;
    const recorded = 'sheet' in source ? { folder: source.sheet } : { uploaded: file };
    return this.#run(file, recorded, options, (signal, task) =>
      this.#bridge.call(
        'dataset.import',
        { source: { ...source, slicing }, output: this.#outputFor(file.replace(/\.[^.]*$/, '')), options },
        { signal, onProgress: (p) => this.#onProgress(p, task, 'frames') },
      ),
    );
  }

  cancel(): void {
    this.#controller?.abort();
  }
}
