/**
 * One training run as the Train panel sees it: status, the newest step numbers, chart series
 * for train and validation, per-dimension KL and the reconstruction previews per epoch.
 */
import type { BackendLabel, EpochReport, TrainPreview, TrainProgress, TrainRunReport, TrainSettingsIn, TrainStatusReport } from '../../src/contract';
import type { AppState } from './app-state.svelte';
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

export interface Training {
  readonly status: TrainingPhase;
  readonly runDir: string | null;
  readonly last: StepEvent | null;
  readonly epochs: EpochReport[];
  readonly series: LossSeries;
  /** Bumped on every change to `series` (charts redraw on it). */
  readonly version: number;
  readonly previews: Preview[];
  /** The run's plan (measured speed, epochs, workers), when it measured one. */
  readonly plan: PlanEvent | null;
  readonly report: TrainRunReport | null;
  readonly error: ShownError | null;
  readonly active: boolean;
  /** The dataset and settings this page started the shown run with (null for a restored or attached run). */
  readonly startedWith: { datasetDir: string; settings: TrainSettingsIn } | null;
  start(datasetDir: string, settings: TrainSettingsIn, options?: StartOptions): Promise<void>;
  /** Show a saved run (charts from its history), or nothing (null). */
  restore(run: SavedRun | null): void;
  /** Show a run the engine is training for an earlier page, polling train.status until it ends. */
  attach(status: TrainStatusReport, backend: BackendLabel | null, onend?: (end: { status: 'completed' | 'stopped' | 'failed'; epochs: EpochReport[] }) => void): void;
  pause(): Promise<void>;
  resume(): Promise<void>;
  togglePause(): Promise<void>;
  stop(): Promise<void>;
  cancel(): void;
}

export function createTraining(bridge: Bridge, app: AppState, tasks: Tasks): Training {
  const s = $state({
    status: 'idle' as TrainingPhase,
    runDir: null as string | null,
    last: null as StepEvent | null,
    epochs: [] as EpochReport[],
    version: 0,
    previews: [] as Preview[],
    plan: null as PlanEvent | null,
    report: null as TrainRunReport | null,
    error: null as ShownError | null,
  });
  // Series are plain arrays (not proxied): uPlot reads them directly and they grow fast.
  let series = emptySeries();
  let startedWith = $state.raw<{ runDir: string; datasetDir: string; settings: TrainSettingsIn } | null>(null);
  let controller: AbortController | null = null;
  let polling: ReturnType<typeof setTimeout> | null = null;
  let endPolling: (() => void) | null = null;
  function stopPolling() {
    if (polling) clearTimeout(polling);
    polling = null;
    endPolling?.();
    endPolling = null;
  }

  const active = () => s.status === 'starting' || s.status === 'running' || s.status === 'paused' || s.status === 'stopping';

  function onStep(e: StepEvent) {
    if (series.step.length && series.step[series.step.length - 1] > e.step) dropFrom(e.step);
    s.last = e;
    if (s.status === 'starting') s.status = 'running';
    series.step.push(e.step);
    series.trainRecon.push(e.recon);
    series.trainKl.push(e.kl);
    series.trainElbo.push(e.elbo);
    series.valRecon.push(null);
    series.valKl.push(null);
    series.valElbo.push(null);
    series.trainPsnr.push(null);
    series.valPsnr.push(null);
    s.version++;
  }

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

  /** A resumed run restarts at its checkpoint, which may be before the newest saved epoch. */
  function dropFrom(step: number) {
    const keep = series.step.findIndex((x) => x >= step);
    if (keep >= 0) for (const column of Object.values(series)) column.length = keep;
    s.epochs = s.epochs.filter((e) => e.step < step);
  }

  function onEpoch(e: Extract<TrainProgress, { type: 'epoch' }> | (EpochReport & { previewPng?: null })) {
    s.epochs.push({ epoch: e.epoch, step: e.step, train: e.train, val: e.val, seconds: e.seconds, ...(e.warnings?.length ? { warnings: e.warnings } : {}) });
    if (e.val) {
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
      s.version++;
    }
    if (e.previewPng) addPreview({ epoch: e.epoch, png: e.previewPng });
  }

  function addPreview(p: TrainPreview) {
    const url = pngObjectUrl(p.png);
    // A resumed run reports an epoch again: its newer preview replaces the old one.
    for (const old of s.previews.filter((q) => q.epoch >= p.epoch)) URL.revokeObjectURL(old.url);
    s.previews = [...s.previews.filter((q) => q.epoch < p.epoch), { epoch: p.epoch, url }];
    // Keep the newest previews only; each is a small PNG but runs can be long.
    while (s.previews.length > 30) URL.revokeObjectURL(s.previews.shift()!.url);
  }

  async function stop() {
    if (!active()) return;
    s.status = 'stopping';
    await control('stop');
  }

  async function control(action: 'pause' | 'resume' | 'stop') {
    try {
      await bridge.call('train.control', { action });
    } catch (err) {
      s.error = describeError(err);
    }
  }

  return {
    get status() {
      return s.status;
    },
    get runDir() {
      return s.runDir;
    },
    get last() {
      return s.last;
    },
    get epochs() {
      return s.epochs;
    },
    get series() {
      return series;
    },
    get version() {
      return s.version;
    },
    get previews() {
      return s.previews;
    },
    get plan() {
      return s.plan;
    },
    get report() {
      return s.report;
    },
    get error() {
      return s.error;
    },
    get active() {
      return active();
    },
    get startedWith() {
      return startedWith && startedWith.runDir === s.runDir ? { datasetDir: startedWith.datasetDir, settings: startedWith.settings } : null;
    },
    async start(datasetDir, settings, options = {}) {
      if (active()) return;
      if (!app.paths && !options.runDir) {
        s.error = { message: 'The engine has not told us its workspace folder yet.', advice: 'Wait a moment and try again.' };
        return;
      }
      const runDir = options.runDir ?? joinPath(app.paths!.workspace, 'runs', timestampedName(baseName(datasetDir)));
      const hooks = options.hooks ?? {};
      stopPolling();
      controller = new AbortController();
      const { signal } = controller;
      for (const p of s.previews) URL.revokeObjectURL(p.url);
      const history = options.resume ? (options.history ?? []) : [];
      series = seriesFromHistory(history);
      startedWith = { runDir, datasetDir, settings };
      Object.assign(s, { status: 'starting', runDir, last: null, epochs: [...history], previews: [], plan: null, report: null, error: null, version: s.version + 1 });
      // Esc / Cancel in the status bar stops at a step boundary and keeps a checkpoint.
      const task = tasks.start('Training', () => void stop());
      let began = false;
      const begin = () => {
        if (!began) hooks.began?.();
        began = true;
      };
      let report: TrainRunReport | null = null;
      let failure: unknown = null;
      try {
        await hooks.beforeRun?.();
        report = await bridge.call(
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
                onStep(data);
                task.update(data.totalSteps ? data.step / data.totalSteps : null, `epoch ${data.epoch}/${data.epochs} · ${data.imagesPerSec.toFixed(0)} img/s · ${formatDuration(data.etaSec)} left`);
              } else if (data.type === 'epoch') onEpoch(data);
              else if (data.type === 'plan') s.plan = data;
              else if (data.type === 'paused') s.status = 'paused';
              else if (data.type === 'resumed') s.status = 'running';
            },
          },
        );
        s.report = report;
        s.status = report.status;
        if (report.checkpoint) app.trainedRun = { runDir, dataset: datasetDir, report };
      } catch (err) {
        failure = err;
        if (isCancelled(err) || signal.aborted) s.status = 'cancelled';
        else {
          s.status = 'failed';
          s.error = describeError(err);
        }
      } finally {
        controller = null;
        task.end();
        hooks.ended?.({ report, status: s.status, error: failure });
      }
    },
    restore(run) {
      if (active()) return;
      stopPolling();
      for (const p of s.previews) URL.revokeObjectURL(p.url);
      series = seriesFromHistory(run?.report.history ?? []);
      Object.assign(s, {
        status: run ? run.status : 'idle',
        runDir: run?.runDir ?? null,
        last: null,
        epochs: [...(run?.report.history ?? [])],
        previews: [],
        plan: null,
        report: run && run.status !== 'failed' ? run.report : null,
        error: null,
        version: s.version + 1,
      });
      for (const p of run?.previews ?? []) addPreview(p);
    },
    attach(status, backend, onend) {
      if (active() || !status.running) return;
      series = seriesFromHistory(status.epochs);
      Object.assign(s, {
        status: status.paused ? 'paused' : 'running',
        runDir: status.runDir,
        last: null,
        epochs: [...status.epochs],
        previews: [],
        plan: null,
        report: null,
        error: null,
        version: s.version + 1,
      });
      if (status.lastStep) onStep(status.lastStep);
      for (const p of status.previews) addPreview(p);
      const task = tasks.start('Training', () => void stop());
      // Its progress events went to the page that started it: poll instead, once a second.
      const poll = async () => {
        let now: TrainStatusReport;
        try {
          const seen = s.previews.at(-1)?.epoch;
          now = await bridge.call('train.status', seen === undefined ? {} : { previewsAfter: seen });
        } catch {
          polling = setTimeout(() => void poll(), 1000);
          return;
        }
        if (polling === null) return;
        // The run ended between two polls: the engine kept how, with every epoch and preview.
        const ended = !now.running && now.ended && now.ended.runDir === s.runDir ? now.ended : null;
        const seen = ended ?? now;
        if (seen.lastStep && seen.lastStep.step > (s.last?.step ?? -1)) onStep(seen.lastStep);
        for (const e of seen.epochs.slice(s.epochs.length)) onEpoch(e);
        for (const p of seen.previews) addPreview(p);
        if (now.running) {
          if (s.status !== 'stopping') s.status = now.paused ? 'paused' : 'running';
          if (now.lastStep) task.update(now.lastStep.totalSteps ? now.lastStep.step / now.lastStep.totalSteps : null, `epoch ${now.lastStep.epoch}/${now.lastStep.epochs}`);
          polling = setTimeout(() => void poll(), 1000);
          return;
        }
        polling = null;
        task.end();
        const last = s.epochs.at(-1);
        const target = s.last?.epochs ?? 0;
        // (An engine that restarted meanwhile has no record of the end: judged by the epochs.)
        const outcome = ended ? ended.status : last && target && last.epoch >= target ? 'completed' : 'stopped';
        s.status = outcome;
        onend?.({ status: outcome, epochs: [...s.epochs] });
        if (outcome !== 'failed' && last && backend && s.runDir && status.dataset) {
          const report: TrainRunReport = { status: outcome, step: last.step, epoch: last.epoch, history: [...s.epochs], checkpoint: null, backend };
          s.report = report;
          app.trainedRun = { runDir: s.runDir, dataset: status.dataset, report };
        }
      };
      endPolling = () => task.end();
      polling = setTimeout(() => void poll(), 1000);
    },
    async pause() {
      if (s.status !== 'running') return;
      await control('pause');
      if (active()) s.status = 'paused';
    },
    async resume() {
      if (s.status !== 'paused') return;
      await control('resume');
      if (active()) s.status = 'running';
    },
    async togglePause() {
      if (s.status === 'running') await this.pause();
      else if (s.status === 'paused') await this.resume();
    },
    stop,
    cancel() {
      controller?.abort();
    },
  };
}
