/**
 * One training run as the Train panel sees it: status, the newest step numbers, chart series
 * for train and validation, per-dimension KL and the reconstruction previews per epoch.
 */
import type { EpochReport, TrainProgress, TrainRunReport, TrainSettingsIn } from '../../src/contract';
import type { AppState } from './app-state.svelte';
import type { Bridge } from './bridge';
import { describeError, isCancelled, type ShownError } from './errors';
import { baseName, formatDuration, joinPath, timestampedName } from './paths';
import type { Tasks } from './tasks.svelte';

export type TrainStatus = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'completed' | 'stopped' | 'cancelled' | 'failed';

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
}

export interface Preview {
  epoch: number;
  url: string;
}

const emptySeries = (): LossSeries => ({ step: [], trainRecon: [], valRecon: [], trainKl: [], valKl: [], trainElbo: [], valElbo: [] });

export interface Training {
  readonly status: TrainStatus;
  readonly runDir: string | null;
  readonly last: StepEvent | null;
  readonly epochs: EpochReport[];
  readonly series: LossSeries;
  /** Bumped on every change to `series` (charts redraw on it). */
  readonly version: number;
  readonly previews: Preview[];
  readonly report: TrainRunReport | null;
  readonly error: ShownError | null;
  readonly active: boolean;
  start(datasetDir: string, settings: TrainSettingsIn): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  togglePause(): Promise<void>;
  stop(): Promise<void>;
  cancel(): void;
}

export function createTraining(bridge: Bridge, app: AppState, tasks: Tasks): Training {
  const s = $state({
    status: 'idle' as TrainStatus,
    runDir: null as string | null,
    last: null as StepEvent | null,
    epochs: [] as EpochReport[],
    version: 0,
    previews: [] as Preview[],
    report: null as TrainRunReport | null,
    error: null as ShownError | null,
  });
  // Series are plain arrays (not proxied): uPlot reads them directly and they grow fast.
  let series = emptySeries();
  let controller: AbortController | null = null;

  const active = () => s.status === 'starting' || s.status === 'running' || s.status === 'paused' || s.status === 'stopping';

  function onStep(e: StepEvent) {
    s.last = e;
    if (s.status === 'starting') s.status = 'running';
    series.step.push(e.step);
    series.trainRecon.push(e.recon);
    series.trainKl.push(e.kl);
    series.trainElbo.push(e.elbo);
    series.valRecon.push(null);
    series.valKl.push(null);
    series.valElbo.push(null);
    s.version++;
  }

  function onEpoch(e: Extract<TrainProgress, { type: 'epoch' }>) {
    s.epochs.push({ epoch: e.epoch, step: e.step, train: e.train, val: e.val, seconds: e.seconds });
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
      }
      const i = series.step.length - 1;
      series.valRecon[i] = e.val.recon;
      series.valKl[i] = e.val.kl;
      series.valElbo[i] = e.val.elbo;
      s.version++;
    }
    if (e.previewPng) {
      const bytes = Uint8Array.from(atob(e.previewPng), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: 'image/png' }));
      s.previews.push({ epoch: e.epoch, url });
      // Keep the newest previews only; each is a small PNG but runs can be long.
      while (s.previews.length > 30) URL.revokeObjectURL(s.previews.shift()!.url);
    }
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
    get report() {
      return s.report;
    },
    get error() {
      return s.error;
    },
    get active() {
      return active();
    },
    async start(datasetDir, settings) {
      if (active()) return;
      if (!app.paths) {
        s.error = { message: 'The engine has not told us its workspace folder yet.', advice: 'Wait a moment and try again.' };
        return;
      }
      const runDir = joinPath(app.paths.workspace, 'runs', timestampedName(baseName(datasetDir)));
      controller = new AbortController();
      const { signal } = controller;
      for (const p of s.previews) URL.revokeObjectURL(p.url);
      series = emptySeries();
      Object.assign(s, { status: 'starting', runDir, last: null, epochs: [], previews: [], report: null, error: null, version: s.version + 1 });
      // Esc / Cancel in the status bar stops at a step boundary and keeps a checkpoint.
      const task = tasks.start('Training', () => void stop());
      try {
        const report = await bridge.call('train.run', { dataset: datasetDir, runDir, settings }, {
          signal,
          onProgress: (p) => {
            const data = p.data as TrainProgress | undefined;
            if (!data) return;
            if (data.type === 'step') {
              onStep(data);
              task.update(data.totalSteps ? data.step / data.totalSteps : null, `epoch ${data.epoch + 1}/${data.epochs} · ${data.imagesPerSec.toFixed(0)} img/s · ${formatDuration(data.etaSec)} left`);
            } else if (data.type === 'epoch') onEpoch(data);
            else if (data.type === 'paused') s.status = 'paused';
            else if (data.type === 'resumed') s.status = 'running';
          },
        });
        s.report = report;
        s.status = report.status;
        if (report.checkpoint) app.trainedRun = { runDir, dataset: datasetDir, report };
      } catch (err) {
        if (isCancelled(err) || signal.aborted) s.status = 'cancelled';
        else {
          s.status = 'failed';
          s.error = describeError(err);
        }
      } finally {
        controller = null;
        task.end();
      }
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
