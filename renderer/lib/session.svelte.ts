/**
 * The window's session: the one owner of what is open and what goes with it. The open panel,
 * the engine's folders, the dataset, the trained run on show and the selected image (the
 * AppState every store reads); the open project (`project`, its document) and what opening
 * one brings back (dataset, settings, latest run); the Train form, saved into the project as
 * it changes; the training and the importer, which land their work in the project; and the
 * window's acts on them (new, open, save, import, train, continue, resume after a reload).
 * App creates it once and provides it; components reach it with useSession().
 */
import { createContext, untrack } from 'svelte';
import type { AppPaths, DatasetSummary, OpenedProject, RunRecord, TrainSettingsIn, TrainStatusReport } from '../../src/contract';
import { PANELS, type AppState, type PanelId, type TrainedRun } from './app-state';
import type { Bridge } from './bridge';
import type { ConfirmRequest } from './confirm.svelte';
import { type ImportTarget, Importer } from './dataset-import.svelte';
import type { EngineStatus } from './engine-status.svelte';
import { describeError, type ShownError } from './errors';
import { DEFAULT_IMPORT_FORM, toImportOptions } from './import-options';
import { timestampedName } from './paths';
import { presetForm, toTrainSettings, type PresetId, type TrainForm } from './presets';
import { defaultProjectDir, Project } from './project.svelte';
import { formFromSettings, presetOf, relativePath, sameSettings } from './project-settings';
import { historyOf, importOverModelQuestion, modelToShow, sameDir, savedReport, savedStatus } from './run-records';
import type { Tasks } from './tasks.svelte';
import { type RunHooks, type StartOptions, Training } from './training.svelte';
import { droppedDataset } from './dropped-dataset';
import { filesFromDrop } from './upload';

/** Which project dialog is open. */
export type ProjectDialogMode = 'new' | 'open' | 'saveAs';

export interface SessionDeps {
  bridge: Bridge;
  tasks: Tasks;
  engine: EngineStatus;
  /** Ask the user (the window's confirm dialog); resolves false on Cancel. */
  confirm(request: ConfirmRequest): Promise<boolean>;
  /** "Train on this selection only" (Explore): the images the next run is limited to, if any. */
  trainFilter(): { name: string; indices: number[] } | null;
}

export class Session implements AppState {
  panel = $state<PanelId>('dataset');
  paths = $state<AppPaths | null>(null);
  pathsError = $state<string | null>(null);
  dataset = $state<DatasetSummary | null>(null);
  trainedRun = $state<TrainedRun | null>(null);
  /** Index of the image shown in the inspector. */
  selected = $state<number | null>(null);
  helpOpen = $state(false);
  /** Set to ask the Dataset panel to open its folder chooser (Ctrl/Cmd+O); it clears it. */
  importRequested = $state(false);
  /** True once the first-run card was dismissed or used. */
  firstRunDone = $state(false);

  /** The open project's document (project.json, autosave); panels record their work with `project.markChanged`. */
  readonly project: Project;
  readonly training: Training;
  readonly importer: Importer;

  /** A problem bringing the project's dataset back (e.g. its folder was deleted). */
  restoreError = $state<ShownError | null>(null);
  projectDialog = $state<ProjectDialogMode | null>(null);
  /** The first-run card's project name. */
  projectName = $state('My project');
  trainForm = $state<TrainForm>(presetForm('quick'));
  preset = $state<PresetId | 'custom'>('quick');
  /** The Train form's settings did not parse when a run was asked for. */
  trainFormError = $state<string | null>(null);
  /** A dropped import (or the sample set) that could not start. */
  dropError = $state<ShownError | null>(null);

  openPanel = $derived(PANELS.find((p) => p.id === this.panel)!);
  /** The first-run card: nothing open yet and nothing under way. */
  showFirstRun: boolean;
  /** The stopped run shown can be continued from its checkpoint. */
  canContinue: boolean;

  #bridge: Bridge;
  #engine: EngineStatus;
  #deps: SessionDeps;

  /** Create it while a component initialises (App): it keeps the window title and the saved settings in step. */
  constructor(deps: SessionDeps) {
    const { bridge, tasks } = deps;
    this.#deps = deps;
    this.#bridge = bridge;
    this.#engine = deps.engine;
    this.project = new Project(bridge);
    this.training = new Training(bridge, this, tasks);
    this.importer = new Importer(bridge, this, tasks, this.#importTarget());
    const training = this.training;
    this.showFirstRun = $derived(!this.firstRunDone && !this.dataset && !this.importer.running && !training.active);
    this.canContinue = $derived(training.status === 'stopped' && training.runDir !== null && (this.runAt(training.runDir) !== null || training.startedWith !== null));
    void this.#loadPaths();

    // The window title (Electron shows it): the project's name, with a dot while unsaved.
    $effect(() => {
      document.title = this.project.title;
    });
    // Settings changed: record them in the project, saved once the typing stops.
    $effect(() => {
      const parsed = toTrainSettings(this.trainForm);
      untrack(() => {
        const file = this.project.file;
        if (!parsed.ok || !file) return;
        const next = { ...file.trainSettings, ...parsed.settings };
        if (!sameSettings(file.trainSettings, next)) this.project.markChanged((p) => (p.trainSettings = next), { debounceMs: 1500 });
      });
    });
  }

  async #loadPaths(attempt = 0): Promise<void> {
    try {
      this.paths = await this.#bridge.call('engine.paths', {});
      this.pathsError = null;
    } catch (err) {
      // The engine may still be starting: retry a few times before showing the error.
      if (attempt < 5) setTimeout(() => void this.#loadPaths(attempt + 1), 1000);
      else this.pathsError = (err as Error).message;
    }
  }

  /** Start-up (App's onMount): what the engine has, the recent projects, the app menu. Returns the cleanup. */
  connect(): () => void {
    void this.resumeSession();
    void this.project.refreshRecent();
    return this.#bridge.on('menu', (e) => {
      if (e.command === 'project.new') this.projectDialog = 'new';
      else if (e.command === 'project.open') {
        if (e.dir) void this.openProject(e.dir);
        else this.projectDialog = 'open';
      } else if (e.command === 'project.save') void this.saveProject();
      else if (e.command === 'project.saveAs') void this.saveProjectAs();
      else if (e.command === 'dataset.import') this.requestImport();
      else if (e.command === 'help.shortcuts') this.helpOpen = true;
    });
  }

  /**
   * A reloaded (or reopened) page shows what the engine has: the training it is running (an
   * earlier page started it) and the project open before, or the one that training belongs to.
   */
  async resumeSession(): Promise<void> {
    let status: TrainStatusReport | null = null;
    for (let attempt = 0; attempt < 5 && !status; attempt++) {
      try {
        status = await this.#bridge.call('train.status', {});
      } catch {
        // The engine may still be starting.
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    if (status?.running) {
      const runDir = status.runDir ?? '';
      this.training.attach(status, this.#engine.info?.backend ?? null, () => this.#attachedRunEnded(runDir));
      this.firstRunDone = true;
      this.panel = 'train';
    }
    const opened = await this.project.reopenLast(status?.running ? (status.project?.dir ?? null) : null);
    if (opened) await this.restore(opened, status);
    else if (status?.running && status.dataset && !this.dataset) this.dataset = await this.#bridge.call('dataset.info', { path: status.dataset }).catch(() => null);
  }

  // --- The project: new, open, save, and what opening one brings into the window ---

  /** The open project's record of a run, by id. */
  runOf(id: string): RunRecord | null {
    return this.project.file?.runs.find((r) => r.id === id) ?? null;
  }

  /** The open project's record of the run in this folder, if it is one of its runs. */
  runAt(runDir: string): RunRecord | null {
    const project = this.project;
    if (!project.dir || !project.file) return null;
    return project.file.runs.find((r) => sameDir(project.resolve(r.dir), runDir)) ?? null;
  }

  #report(run: RunRecord) {
    return savedReport(run, this.#engine.info?.backend ?? 'cpu');
  }

  /**
   * Bring an opened project's dataset, settings and latest run into the window. A run the
   * engine is training (the page attached to it) stays on the Train panel; the newest other
   * run with a checkpoint is the model shown. `engineStatus` (train.status) brings back the
   * previews of a run the engine finished since it started.
   */
  async restore(opened: OpenedProject, engineStatus: TrainStatusReport | null = null): Promise<void> {
    const { project, training } = this;
    const file = opened.project;
    this.restoreError = null;
    this.firstRunDone = true;
    this.selected = null;
    this.trainedRun = null;
    if (Object.keys(file.trainSettings).length) this.#applySettings(file.trainSettings);
    let datasetDir: string | null = null;
    this.dataset = null;
    if (file.dataset) {
      datasetDir = project.resolve(file.dataset.dir);
      try {
        this.dataset = await this.#bridge.call('dataset.info', { path: datasetDir });
      } catch (err) {
        this.restoreError = describeError(err);
        datasetDir = null;
      }
    }
    // The run this page follows while the engine trains it is shown by the Train panel already.
    const live = training.active && training.runDir ? this.runAt(training.runDir) : null;
    const others = file.runs.filter((r) => r.id !== live?.id);
    if (!datasetDir) {
      if (!live) training.restore(null);
      return;
    }
    const latest = others.at(-1);
    if (!live && latest) {
      const runDir = project.resolve(latest.dir);
      const ended = engineStatus?.ended && !engineStatus.running && sameDir(engineStatus.ended.runDir, runDir) ? engineStatus.ended : null;
      training.restore({ runDir, dataset: datasetDir, status: savedStatus(latest), report: this.#report(latest), previews: ended?.previews ?? [] });
    } else if (!live) training.restore(null);
    const model = modelToShow(others, this.dataset?.createdAt ?? null);
    if (model) this.trainedRun = { runDir: project.resolve(model.dir), dataset: datasetDir, report: this.#report(model) };
  }

  #applySettings(settings: TrainSettingsIn) {
    this.trainForm = formFromSettings(settings);
    this.preset = presetOf(this.trainForm);
  }

  #currentSettings(): TrainSettingsIn {
    const parsed = toTrainSettings(this.trainForm);
    return parsed.ok ? parsed.settings : {};
  }

  #datasetRef(dir: string, count: number, hash: string | null, source: string | null, options: Record<string, unknown>) {
    return { dir: relativePath(this.project.dir!, dir), sourceFolder: source, importOptions: options, datasetHash: hash, count };
  }

  /** Record the current dataset and settings in a project that was just created. */
  #adoptCurrent() {
    const settings = this.#currentSettings();
    const current = this.dataset;
    this.project.markChanged((p) => {
      p.trainSettings = settings;
      if (current && !p.dataset) p.dataset = this.#datasetRef(current.dir, current.count, current.datasetHash, null, {});
    });
  }

  /** The first-run choices start a project, so the user's work is saved from the start. */
  async ensureProject(): Promise<boolean> {
    const { project } = this;
    if (project.dir) return true;
    if (!this.paths) return false;
    const name = this.projectName.trim() || 'My project';
    let dir = defaultProjectDir(this.paths.workspace, name);
    const taken = new Set(project.recent.map((r) => r.dir));
    for (let n = 2; taken.has(dir); n++) dir = defaultProjectDir(this.paths.workspace, `${name} ${n}`);
    if (!(await project.create(dir, name))) return false;
    this.#adoptCurrent();
    return true;
  }

  async createProject(dir: string, name: string): Promise<void> {
    const hadProject = this.project.dir !== null;
    this.projectDialog = null;
    if (!(await this.project.create(dir, name))) return;
    this.firstRunDone = true;
    if (hadProject && !this.training.active) {
      // A new project starts empty; unsaved work without a project is kept in it instead.
      this.dataset = null;
      this.trainedRun = null;
      this.selected = null;
      this.training.restore(null);
    }
    this.#adoptCurrent();
  }

  async openProject(dir: string): Promise<void> {
    this.projectDialog = null;
    const opened = await this.project.open(dir);
    if (opened) await this.restore(opened);
  }

  async restoreBackup(backup: number): Promise<void> {
    const opened = await this.project.restoreBackup(backup);
    if (opened) await this.restore(opened);
  }

  /** Save As: without a folder it opens the dialog (or New, without a project). */
  async saveProjectAs(to?: string): Promise<void> {
    if (!this.project.dir) {
      this.projectDialog = 'new';
      return;
    }
    if (to === undefined) {
      this.projectDialog = 'saveAs';
      return;
    }
    this.projectDialog = null;
    const opened = await this.project.saveAs(to);
    if (opened) await this.restore(opened);
  }

  async saveProject(): Promise<void> {
    // Without a project, Save asks for one: the current dataset and settings go into it.
    if (!this.project.dir) this.projectDialog = 'new';
    else await this.project.save();
  }

  // --- Importing ---

  /** Imports land in <project>/dataset and are recorded in the project; a trained model is confirmed away first. */
  #importTarget(): ImportTarget {
    return {
      output: () => (this.project.dir ? this.project.resolve('dataset') : null),
      beforeImport: () => {
        const file = this.project.file;
        const question = importOverModelQuestion(file?.name ?? null, file?.runs ?? [], this.trainedRun !== null);
        return question ? this.#deps.confirm(question) : Promise.resolve(true);
      },
      imported: (report, summary, source, options) => {
        if (!this.project.dir) return;
        this.project.markChanged((p) => {
          p.dataset = this.#datasetRef(report.dataset, summary.count, summary.datasetHash, 'folder' in source ? source.folder : null, options as Record<string, unknown>);
        });
      },
    };
  }

  /** Open the Dataset panel's folder chooser (Ctrl/Cmd+O, the menu, the first-run card). */
  requestImport(): void {
    this.firstRunDone = true;
    this.panel = 'dataset';
    this.importRequested = true;
  }

  /** Import what was dropped on the window. Reads the drop at once (the browser empties it after the event). */
  async importDropped(transfer: DataTransfer): Promise<void> {
    this.dropError = null;
    if (this.importer.running) return;
    const dropped = await filesFromDrop(transfer);
    if (dropped.length === 0) return;
    const { label, files } = droppedDataset(dropped);
    const parsed = toImportOptions(DEFAULT_IMPORT_FORM);
    this.firstRunDone = true;
    this.panel = 'dataset';
    if (parsed.ok) await this.importer.importFiles(files, label, parsed.options);
  }

  /** The first-run sample: a project with its own copy of the sample set, and a quick run on it. */
  async useSample(): Promise<void> {
    const sample = this.paths?.sampleDataset;
    if (!sample) return;
    if (!(await this.ensureProject())) return;
    this.firstRunDone = true;
    let dataset: DatasetSummary;
    try {
      // A project gets its own copy (2 MB), so it keeps working if the app moves or updates.
      const projectDir = this.project.dir;
      dataset = projectDir ? await this.#bridge.call('dataset.copy', { from: sample, to: `${projectDir}/dataset` }) : await this.#bridge.call('dataset.info', { path: sample });
      this.dataset = dataset;
      this.#adoptCurrent();
    } catch (err) {
      this.dropError = describeError(err);
      return;
    }
    this.preset = 'quick';
    this.trainForm = presetForm('quick');
    this.startTraining(dataset.dir);
  }

  // --- Training ---

  /** The engine records the run in project.json as it goes; the page reads the records back. */
  #hooksFor(runId: string): RunHooks {
    const project = this.project;
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

  /** train.run options for a new run in the open project (none without a project). */
  #newRun(): StartOptions {
    const project = this.project;
    if (!project.dir) return {};
    const runId = timestampedName('run');
    return { runDir: project.resolve(`runs/${runId}`), project: { dir: project.dir, runId }, hooks: this.#hooksFor(runId) };
  }

  /** Train with the form's settings (Train button, Ctrl/Cmd+Enter, the sample set). */
  startTraining(datasetDir = this.dataset?.dir): void {
    if (!datasetDir || this.training.active) return;
    const parsed = toTrainSettings(this.trainForm);
    this.panel = 'train';
    if (!parsed.ok) {
      this.trainFormError = parsed.error;
      return;
    }
    this.trainFormError = null;
    // "Train on this selection only" (Explore) limits the run to the selection's images.
    const filter = this.#deps.trainFilter();
    void this.training.start(datasetDir, parsed.settings, { ...this.#newRun(), ...(filter ? { selection: filter } : {}) });
  }

  /** Resume a project's interrupted (or stopped) run from its checkpoint, with its record, settings and history. */
  async resumeRun(runId: string): Promise<void> {
    const { project } = this;
    const run = this.runOf(runId);
    const dataset = project.file?.dataset;
    if (!run || !dataset || !project.dir) return;
    this.panel = 'train';
    await this.training.start(project.resolve(dataset.dir), run.settings, {
      runDir: project.resolve(run.dir),
      project: { dir: project.dir, runId },
      resume: true,
      history: historyOf(run),
      hooks: this.#hooksFor(runId),
    });
  }

  /**
   * Continue a stopped run from its checkpoint: a project's run by the same exact resume as an
   * interrupted one (its record, settings and history); a run outside a project with the
   * dataset and settings it was started with.
   */
  continueRun(): void {
    const training = this.training;
    const runDir = training.runDir;
    if (!runDir || training.active || training.status !== 'stopped') return;
    const record = this.runAt(runDir);
    if (record) {
      void this.resumeRun(record.id);
      return;
    }
    const from = training.startedWith;
    if (from) void training.start(from.datasetDir, from.settings, { runDir, resume: true, history: [...training.epochs] });
  }

  /** A run this page re-attached to (after a reload) ended: read back how the engine recorded it. */
  #attachedRunEnded(runDir: string) {
    const run = this.runAt(runDir);
    if (!run) return;
    // Opening the project while the engine trained marked this run interrupted: it was not.
    this.project.dropResumable(run.id);
    // The engine recorded how the run ended: read it back, and show the model it left.
    void this.project.reloadRuns().then(() => {
      const ended = this.runAt(runDir);
      const datasetDir = this.dataset?.dir;
      if (!ended || !datasetDir || ended.history.length === 0 || this.training.active) return;
      if (this.trainedRun && sameDir(this.trainedRun.runDir, runDir)) return;
      this.trainedRun = { runDir: this.project.resolve(ended.dir), dataset: datasetDir, report: this.#report(ended) };
    });
  }
}

/** The window's session: App provides it, every component below reaches it with useSession(). */
export const [useSession, provideSession] = createContext<Session>();

/** The open project's document, for panels that record their work in it: `useProject().markChanged(p => ...)`. */
export function useProject(): Project {
  return useSession().project;
}
