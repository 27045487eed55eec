/**
 * One training run as the Train panel sees it: status, the newest step numbers, chart series
 * for train and validation, per-dimension KL and the reconstruction previews per epoch.
 */
import type { BackendLabel, EpochReport, TrainPreview, TrainProgress, TrainRunReport, TrainSettingsIn, TrainStatusReport } from '../../src/contract';
import type { AppState } from './app-state';
import type { Bridge } from './bridge';
import { pngObjectUrl } from './bytes';
import { describeError, isCancelled, type ShownError } from './errors';
import { baseName, formatDuration, joinPath, timestampedName } from './paths';
import type { Tasks } from './tasks.svelte';

/** Where the UI's training is (the engine's own report is the contract's TrainStatusReport). */
export type TrainingPhase = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'completed' | 'stopped' | 'cancelled' | 'failed';

type StepEvent = Extract<TrainProgress, { type: 'step' }>;

/** Columns for uPlot: x = step; train values per step event, validation at epoch ends (null elsewhere). */
export interface LossSeries {
  step: number[];
  trainRecon: (number | null)[];
  valRecon: (number | null)[];
  trainKl: (number | null)[];
  valKl: (number | null)[];
  trainElbo: (number | null)[];
  valElbo: (number | null)[];
  /** Never set (PSNR is measured on validation only); keeps the columns' shape uniform for the charts. */
  trainPsnr: (number | null)[];
  /** Validation PSNR in dB of the posterior-mean reconstructions, at epoch ends. */
  valPsnr: (number | null)[];
}

export interface Preview {
  epoch: number;
  url: string;
}

const emptySeries = (): LossSeries => ({ step: [], trainRecon: [], valRecon: [], trainKl: [], valKl: [], trainElbo: [], valElbo: [], trainPsnr: [], valPsnr: [] });

type PlanEvent = Extract<TrainProgress, { type: 'plan' }>;

/** One point per saved epoch (train means and validation), as a reopened run's charts. */
function seriesFromHistory(history: EpochReport[]): LossSeries {
  const out = emptySeries();
  for (const e of history) {
    out.step.push(e.step);
    out.trainRecon.push(e.train?.recon ?? null);
    out.trainKl.push(e.train?.kl ?? null);
    out.trainElbo.push(e.train?.elbo ?? null);
    out.valRecon.push(e.val?.recon ?? null);
    out.valKl.push(e.val?.kl ?? null);
    out.valElbo.push(e.val?.elbo ?? null);
    out.trainPsnr.push(null);
    out.valPsnr.push(e.val?.psnrDb ?? null);
  }
  return out;
}

/** What a project needs to hear about a run: before it starts, when the engine began it, each epoch, its end. */
export interface RunHooks {
  beforeRun?(): Promise<void>;
  began?(): void;
  epoch?(e: EpochReport): void;
  ended?(outcome: { report: TrainRunReport | null; status: TrainingPhase; error: unknown }): void;
}

export interface StartOptions {
  /** Default: a new timestamped folder under <workspace>/runs. */
  runDir?: string;
  project?: { dir: string; runId: string };
  /** Continue runDir's newest checkpoint; `history` keeps the old epochs on the charts. */
  resume?: boolean;
  history?: EpochReport[];
  hooks?: RunHooks;
  /** Train on these images only (a saved selection); a resumed run keeps its own. */
  selection?: { name: string; indices: number[] };
}

/** A saved run shown again (a reopened project): its epochs on the charts, its outcome. */
export interface SavedRun {
  runDir: string;
  dataset: string;
  status: 'completed' | 'stopped' | 'failed';
  report: TrainRunReport;
  /** Its epoch previews, when the engine still has them (it trained the run since it started). */
  previews?: TrainPreview[];
}

/** The window's training: the session owns it, the Train panel, its charts and the 3D view read it. */
export class Training {
  status = $state<TrainingPhase>('idle');
  runDir = $state<string | null>(null);
  last = $state<StepEvent | null>(null);
  epochs = $state<EpochReport[]>([]);
  /**
   * Chart columns: plain arrays (not proxied), as uPlot reads them directly and they grow
   * fast; `version` is bumped on every change to them (charts redraw on it).
   */
  series: LossSeries = emptySeries();
  version = $state(0);
  previews = $state<Preview[]>([]);
  /** The run's plan (measured speed, epochs, workers), when it measured one. */
  plan = $state<PlanEvent | null>(null);
  report = $state<TrainRunReport | null>(null);
  error = $state<ShownError | null>(null);
  active = $derived(this.status === 'starting' || this.status === 'running' || this.status === 'paused' || this.status === 'stopping');
  #startedWith = $state.raw<{ runDir: string; datasetDir: string; settings: TrainSettingsIn } | null>(null);
  /** The dataset and settings this page started the shown run with (null for a restored or attached run). */
  startedWith = $derived(this.#startedWith && this.#startedWith.runDir === this.runDir ? { datasetDir: this.#startedWith.datasetDir, settings: this.#startedWith.settings } : null);

  #bridge: Bridge;
  #app: AppState;
  #tasks: Tasks;
  #controller: AbortController | null = null;
  #polling: ReturnType<typeof setTimeout> | null = null;
  #endPolling: (() => void) | null = null;

  constructor(bridge: Bridge, app: AppState, tasks: Tasks) {
    this.#bridge = bridge;
    this.#app = app;
    this.#tasks = tasks;
  }

  #stopPolling() {
    if (this.#polling) clearTimeout(this.#polling);
    this.#polling = null;
    this.#endPolling?.();
    this.#endPolling = null;
  }

  #onStep(e: StepEvent) {
    const series = this.series;
    if (series.step.length && series.step[series.step.length - 1] > e.step) this.#dropFrom(e.step);
    this.last = e;
    if (this.status === 'starting') this.status = 'running';
    series.step.push(e.step);
    series.trainRecon.push(e.recon);
    series.trainKl.push(e.kl);
    series.trainElbo.push(e.elbo);
    series.valRecon.push(null);
    series.valKl.push(null);
    series.valElbo.push(null);
    series.trainPsnr.push(null);
    series.valPsnr.push(null);
    this.version++;
  }

  /** A resumed run restarts at its checkpoint, which may be before the newest saved epoch. */
  #dropFrom(step: number) {
    const keep = this.series.step.findIndex((x) => x >= step);
    if (keep >= 0) for (const column of Object.values(this.series)) column.length = keep;
    this.epochs = this.epochs.filter((e) => e.step < step);
  }

  #onEpoch(e: Extract<TrainProgress, { type: 'epoch' }> | (EpochReport & { previewPng?: null })) {
    this.epochs.push({ epoch: e.epoch, step: e.step, train: e.train, val: e.val, seconds: e.seconds, ...(e.warnings?.length ? { warnings: e.warnings } : {}) });
    if (e.val) {
      const series = this.series;
      const n = series.step.length;
      // Put the validation point on the last step's x if it is the same step, else add one.
      if (n === 0 || series.step[n - 1] !== e.step) {
        series.step.push(e.step);
        series.trainRecon.push(null);
        series.trainKl.push(null);
        series.trainElbo.push(null);
        series.valRecon.push(null);
        series.valKl.push(null);
        series.valElbo.push(null);
        series.trainPsnr.push(null);
        series.valPsnr.push(null);
      }
      const i = series.step.length - 1;
      series.valRecon[i] = e.val.recon;
      series.valKl[i] = e.val.kl;
      series.valElbo[i] = e.val.elbo;
      series.valPsnr[i] = e.val.psnrDb ?? null;
      this.version++;
    }
    if (e.previewPng) this.#addPreview({ epoch: e.epoch, png: e.previewPng });
  }

  #addPreview(p: TrainPreview) {
    const url = pngObjectUrl(p.png);
    // A resumed run reports an epoch again: its newer preview replaces the old one.
    for (const old of this.previews.filter((q) => q.epoch >= p.epoch)) URL.revokeObjectURL(old.url);
    this.previews = [...this.previews.filter((q) => q.epoch < p.epoch), { epoch: p.epoch, url }];
    // Keep the newest previews only; each is a small PNG but runs can be long.
    while (this.previews.length > 30) URL.revokeObjectURL(this.previews.shift()!.url);
  }

  /** A new run, a restored or an attached one: its status, folder and epochs, nothing else of the old one. */
  #show(status: TrainingPhase, runDir: string | null, history: EpochReport[], report: TrainRunReport | null) {
    for (const p of this.previews) URL.revokeObjectURL(p.url);
    this.series = seriesFromHistory(history);
    this.status = status;
    this.runDir = runDir;
    this.last = null;
    this.epochs = [...history];
    this.previews = [];
    this.plan = null;
    this.report = report;
    this.error = null;
    this.version++;
  }

  async #control(action: 'pause' | 'resume' | 'stop') {
    try {
      await this.#bridge.call('train.control', { action });
    } catch (err) {
      this.error = describeError(err);
    }
  }

  async start(datasetDir: string, settings: TrainSettingsIn, options: StartOptions = {}): Promise<void> {
    if (this.active) return;
    const paths = this.#app.paths;
    if (!paths && !options.runDir) {
      this.error = { message: 'The engine has not told us its workspace folder yet.', advice: 'Wait a moment and try again.' };
      return;
    }
    const runDir = options.runDir ?? joinPath(paths!.workspace, 'runs', timestampedName(baseName(datasetDir)));
    const hooks = options.hooks ?? {};
    this.#stopPolling();
    const controller = new AbortController();
    this.#controller = controller;
    const { signal } = controller;
    this.#startedWith = { runDir, datasetDir, settings };
    this.#show('starting', runDir, options.resume ? (options.history ?? []) : [], null);
    // Esc / Cancel in the status bar stops at a step boundary and keeps a checkpoint.
    const task = this.#tasks.start('Training', () => void this.stop());
    let began = false;
    const begin = () => {
      if (!began) hooks.began?.();
      began = true;
    };
    let report: TrainRunReport | null = null;
    let failure: unknown = null;
    try {
      await hooks.beforeRun?.();
      report = await this.#bridge.call(
        'train.run',
        {
          dataset: datasetDir,
          runDir,
          settings,
          resume: options.resume ?? false,
          ...(options.project ? { project: options.project } : {}),
          ...(options.selection ? { selection: options.selection } : {}),
        },
        {
          signal,
          onProgress: (p) => {
            const data = p.data;
            if (!data) return;
            begin();
            if (data.type === 'epoch') hooks.epoch?.({ epoch: data.epoch, step: data.step, train: data.train, val: data.val, seconds: data.seconds });
            if (data.type === 'step') {
              this.#onStep(data);
              task.update(data.totalSteps ? data.step / data.totalSteps : null, `epoch ${data.epoch}/${data.epochs} · ${data.imagesPerSec.toFixed(0)} img/s · ${formatDuration(data.etaSec)} left`);
            } else if (data.type === 'epoch') this.#onEpoch(data);
            else if (data.type === 'plan') this.plan = data;
            else if (data.type === 'paused') this.status = 'paused';
            else if (data.type === 'resumed') this.status = 'running';
          },
        },
      );
      this.report = report;
      this.status = report.status;
      if (report.checkpoint) this.#app.trainedRun = { runDir, dataset: datasetDir, report };
    } catch (err) {
      failure = err;
      if (isCancelled(err) || signal.aborted) this.status = 'cancelled';
      else {
        this.status = 'failed';
        this.error = describeError(err);
      }
    } finally {
      this.#controller = null;
      task.end();
      hooks.ended?.({ report, status: this.status, error: failure });
    }
  }

  /** Show a saved run (charts from its history), or nothing (null). */
  restore(run: SavedRun | null): void {
    if (this.active) return;
    this.#stopPolling();
    this.#show(run ? run.status : 'idle', run?.runDir ?? null, run?.report.history ?? [], run && run.status !== 'failed' ? run.report : null);
    for (const p of run?.previews ?? []) this.#addPreview(p);
  }

  /** Show a run the engine is training for an earlier page, polling train.status until it ends. */
  attach(status: TrainStatusReport, backend: BackendLabel | null, onend?: (end: { status: 'completed' | 'stopped' | 'failed'; epochs: EpochReport[] }) => void): void {
    if (this.active || !status.running) return;
    this.#show(status.paused ? 'paused' : 'running', status.runDir, status.epochs, null);
    if (status.lastStep) this.#onStep(status.lastStep);
    for (const p of status.previews) this.#addPreview(p);
    const task = this.#tasks.start('Training', () => void this.stop());
    // Its progress events went to the page that started it: poll instead, once a second.
    const poll = async () => {
      let now: TrainStatusReport;
      try {
        const seen = this.previews.at(-1)?.epoch;
        now = await this.#bridge.call('train.status', seen === undefined ? {} : { previewsAfter: seen });
      } catch {
        this.#polling = setTimeout(() => void poll(), 1000);
        return;
      }
      if (this.#polling === null) return;
      // The run ended between two polls: the engine kept how, with every epoch and preview.
      const ended = !now.running && now.ended && now.ended.runDir === this.runDir ? now.ended : null;
      const seen = ended ?? now;
      if (seen.lastStep && seen.lastStep.step > (this.last?.step ?? -1)) this.#onStep(seen.lastStep);
      for (const e of seen.epochs.slice(this.epochs.length)) this.#onEpoch(e);
      for (const p of seen.previews) this.#addPreview(p);
      if (now.running) {
        if (this.status !== 'stopping') this.status = now.paused ? 'paused' : 'running';
        if (now.lastStep) task.update(now.lastStep.totalSteps ? now.lastStep.step / now.lastStep.totalSteps : null, `epoch ${now.lastStep.epoch}/${now.lastStep.epochs}`);
        this.#polling = setTimeout(() => void poll(), 1000);
        return;
      }
      this.#polling = null;
      task.end();
      const last = this.epochs.at(-1);
      const target = this.last?.epochs ?? 0;
      // (An engine that restarted meanwhile has no record of the end: judged by the epochs.)
      const outcome = ended ? ended.status : last && target && last.epoch >= target ? 'completed' : 'stopped';
      this.status = outcome;
      onend?.({ status: outcome, epochs: [...this.epochs] });
      if (outcome !== 'failed' && last && backend && this.runDir && status.dataset) {
        const report: TrainRunReport = { status: outcome, step: last.step, epoch: last.epoch, history: [...this.epochs], checkpoint: null, backend };
        this.report = report;
        this.#app.trainedRun = { runDir: this.runDir, dataset: status.dataset, report };
      }
    };
    this.#endPolling = () => task.end();
    this.#polling = setTimeout(() => void poll(), 1000);
  }

  async pause(): Promise<void> {
    if (this.status !== 'running') return;
    await this.#control('pause');
    if (this.active) this.status = 'paused';
  }

  async resume(): Promise<void> {
    if (this.status !== 'paused') return;
    await this.#control('resume');
    if (this.active) this.status = 'running';
  }

  async togglePause(): Promise<void> {
    if (this.status === 'running') await this.pause();
    else if (this.status === 'paused') await this.resume();
  }

  async stop(): Promise<void> {
    if (!this.active) return;
    this.status = 'stopping';
    await this.#control('stop');
  }

  cancel(): void {
    this.#controller?.abort();
  }
}
