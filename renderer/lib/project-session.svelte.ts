/**
 * What ties the open project to the rest of the window: imports land in <project>/dataset,
 * runs in <project>/runs/<id> with their records kept by the engine, and opening a project
 * brings back its dataset, settings and latest run (charts, scatter).
 */
import type { BackendLabel, EpochReport, OpenedProject, RunRecord, TrainRunReport, TrainSettingsIn, TrainStatusReport } from '../../src/contract';
import type { AppState } from './app-state.svelte';
import type { Bridge } from './bridge';
import type { ConfirmRequest } from './confirm.svelte';
import type { ImportTarget } from './dataset-import.svelte';
import type { EngineStatus } from './engine-status.svelte';
import { describeError, type ShownError } from './errors';
import { timestampedName } from './paths';
import type { Project } from './project.svelte';
import { relativePath } from './project-settings';
import type { RunHooks, StartOptions, Training } from './training.svelte';

export interface ProjectSession {
  /** A problem bringing the project's dataset back (e.g. its folder was deleted). */
  readonly restoreError: ShownError | null;
  readonly importTarget: ImportTarget;
  /** train.run options for a new run in the open project (none without a project). */
  newRun(settings: TrainSettingsIn): StartOptions;
  resume(runId: string): Promise<void>;
  /**
   * Bring an opened project's dataset, settings and latest run into the window. A run the
   * engine is training (the page attached to it) stays on the Train panel; the newest other
   * run with a checkpoint is the model shown. `engine` (train.status) brings back the previews
   * of a run the engine finished since it started.
   */
  restore(opened: OpenedProject, engine?: TrainStatusReport | null): Promise<void>;
  /** Record the current dataset and settings in a project that was just created. */
  adoptCurrent(settings: TrainSettingsIn): void;
  runOf(id: string): RunRecord | null;
  /** The open project's record of the run in this folder, if it is one of its runs. */
  runAt(runDir: string): RunRecord | null;
  /** A run this page re-attached to (after a reload) ended: read back how the engine recorded it. */
  attachedRunEnded(runDir: string): void;
}

/** Two spellings of one folder (separators, a trailing slash). */
const sameDir = (a: string, b: string) => {
  const norm = (p: string) => p.replace(/[\\/]+/g, '/').replace(/\/$/, '');
  return norm(a) === norm(b);
};

/** The engine writes each run's history as EpochReports (the schema only pins epoch and step). */
const historyOf = (run: RunRecord) => run.history as unknown as EpochReport[];

export function createProjectSession(deps: {
  bridge: Bridge;
  app: AppState;
  project: Project;
  training: Training;
  engine: EngineStatus;
  applySettings(settings: TrainSettingsIn): void;
  /** Ask the user (the window's confirm dialog); resolves false on Cancel. */
  confirm(request: ConfirmRequest): Promise<boolean>;
}): ProjectSession {
  const { bridge, app, project, training, engine } = deps;
  let restoreError = $state<ShownError | null>(null);

  function datasetRef(dir: string, summaryCount: number, hash: string | null, source: string | null, options: Record<string, unknown>) {
    return { dir: relativePath(project.dir!, dir), sourceFolder: source, importOptions: options, datasetHash: hash, count: summaryCount };
  }

  /** The engine records the run in project.json as it goes; the page reads the records back. */
  function hooksFor(runId: string): RunHooks {
    return {
      // The engine reads project.json to add its run record: the user's changes go in first.
      beforeRun: () => project.flush(),
      began() {
        project.dropResumable(runId);
        void project.reloadRuns();
      },
      // The engine wrote the epoch's record before it reported the epoch.
      epoch: () => void project.reloadRuns(),
      // Finished, stopped or failed, the engine recorded how; an engine that died left the
      // run "running", which the fresh engine reports as interrupted (and resumable).
      ended: () => void project.reloadRuns(),
    };
  }

  /** A run record as the report the Train panel and the 3D view show. */
  function savedReport(run: RunRecord): TrainRunReport {
    return {
      status: run.status === 'completed' ? 'completed' : 'stopped',
      step: run.step,
      epoch: run.epoch,
      history: historyOf(run),
      checkpoint: null,
      backend: (run.backend ?? engine.info?.backend ?? 'cpu') as BackendLabel,
    };
  }

  function runAt(runDir: string): RunRecord | null {
    if (!project.dir || !project.file) return null;
    return project.file.runs.find((r) => sameDir(project.resolve(r.dir), runDir)) ?? null;
  }

  return {
    get restoreError() {
      return restoreError;
    },
    importTarget: {
      output: () => (project.dir ? project.resolve('dataset') : null),
      beforeImport() {
        const trained = (project.file?.runs ?? []).filter((r) => r.history.length > 0);
        if (!app.trainedRun && trained.length === 0) return Promise.resolve(true);
        const name = project.file?.name;
        const latest = trained.at(-1);
        const model = latest ? `a trained model (run ${latest.id}, ${latest.epoch} epoch${latest.epoch === 1 ? '' : 's'})` : 'a trained model';
        return deps.confirm({
          title: name ? `Import new images into “${name}”?` : 'Import new images?',
          message:
            `${name ? 'This project' : 'The window'} has ${model}. The new images replace ${name ? "the project's" : 'the current'} dataset. ` +
            'The model stays in the project, but its map, neighbours, samples and paths belong to the old images, so they are cleared from view. ' +
            'Train again to explore the new images.',
          confirmLabel: 'Import and replace',
        });
      },
      imported(report, summary, source, options) {
        if (!project.dir) return;
        project.markChanged((p) => {
          p.dataset = datasetRef(report.dataset, summary.count, summary.datasetHash, 'folder' in source ? source.folder : null, options as Record<string, unknown>);
        });
      },
    },
    newRun() {
      if (!project.dir) return {};
      const runId = timestampedName('run');
      return { runDir: project.resolve(`runs/${runId}`), project: { dir: project.dir, runId }, hooks: hooksFor(runId) };
    },
    async resume(runId) {
      const run = project.file?.runs.find((r) => r.id === runId);
      const dataset = project.file?.dataset;
      if (!run || !dataset || !project.dir) return;
      app.panel = 'train';
      await training.start(project.resolve(dataset.dir), run.settings, {
        runDir: project.resolve(run.dir),
        project: { dir: project.dir, runId },
        resume: true,
        history: historyOf(run),
        hooks: hooksFor(runId),
      });
    },
    async restore(opened, engineStatus = null) {
      const file = opened.project;
      restoreError = null;
      app.firstRunDone = true;
      app.selected = null;
      app.trainedRun = null;
      if (Object.keys(file.trainSettings).length) deps.applySettings(file.trainSettings);
      let datasetDir: string | null = null;
      app.dataset = null;
      if (file.dataset) {
        datasetDir = project.resolve(file.dataset.dir);
        try {
          app.dataset = await bridge.call('dataset.info', { path: datasetDir });
        } catch (err) {
          restoreError = describeError(err);
          datasetDir = null;
        }
      }
      // The run this page follows while the engine trains it is shown by the Train panel already.
      const live = training.active && training.runDir ? runAt(training.runDir) : null;
      const others = file.runs.filter((r) => r.id !== live?.id);
      if (!datasetDir) {
        if (!live) training.restore(null);
        return;
      }
      const latest = others.at(-1);
      if (!live && latest) {
        const runDir = project.resolve(latest.dir);
        const report = savedReport(latest);
        const ended = engineStatus?.ended && !engineStatus.running && sameDir(engineStatus.ended.runDir, runDir) ? engineStatus.ended : null;
        training.restore({ runDir, dataset: datasetDir, status: latest.status === 'completed' ? 'completed' : report.history.length ? 'stopped' : 'failed', report, previews: ended?.previews ?? [] });
      } else if (!live) training.restore(null);
      // The model shown: the newest run with a finished epoch (it has a checkpoint) that trained on
      // these images. A run started before the dataset was imported again trained on the old
      // ones: its map would not be of these images (the engine refuses it), so none is shown.
      const importedAt = app.dataset ? Date.parse(app.dataset.createdAt) : Number.NaN;
      const onTheseImages = (r: RunRecord) => !(Date.parse(r.startedAt) < importedAt);
      const model = [...others].reverse().find((r) => r.history.length > 0 && onTheseImages(r));
      if (model) app.trainedRun = { runDir: project.resolve(model.dir), dataset: datasetDir, report: savedReport(model) };
    },
    adoptCurrent(settings) {
      const current = app.dataset;
      project.markChanged((p) => {
        p.trainSettings = settings;
        if (current && !p.dataset) p.dataset = datasetRef(current.dir, current.count, current.datasetHash, null, {});
      });
    },
    runOf(id) {
      return project.file?.runs.find((r) => r.id === id) ?? null;
    },
    runAt,
    attachedRunEnded(runDir) {
      const run = runAt(runDir);
      if (!run) return;
      // Opening the project while the engine trained marked this run interrupted: it was not.
      project.dropResumable(run.id);
      // The engine recorded how the run ended: read it back, and show the model it left.
      void project.reloadRuns().then(() => {
        const ended = runAt(runDir);
        const datasetDir = app.dataset?.dir;
        if (!ended || !datasetDir || ended.history.length === 0 || training.active) return;
        if (app.trainedRun && sameDir(app.trainedRun.runDir, runDir)) return;
        app.trainedRun = { runDir: project.resolve(ended.dir), dataset: datasetDir, report: savedReport(ended) };
      });
    },
  };
}
