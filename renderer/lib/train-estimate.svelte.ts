/**
 * The Train panel's estimate before a run starts: for a time budget (the presets), the engine
 * measures the model on the dataset (train.estimate, a few seconds) and says how long the run
 * should take and on how many images ("about 9 min on 5,713 images"). Asked again, debounced,
 * when the dataset or the settings change; an older request is cancelled.
 */
import type { RunEstimate, TrainSettingsIn } from '../../src/contract';
import type { Bridge } from './bridge';
import { describeError, isCancelled } from './errors';

export interface TrainEstimate {
  readonly status: 'idle' | 'measuring' | 'ready' | 'failed';
  readonly estimate: RunEstimate | null;
  readonly error: string | null;
  /** Estimate these settings on this dataset (null: nothing to estimate; clears it). */
  request(datasetDir: string | null, settings: TrainSettingsIn | null): void;
  /** Cancel a pending or running measurement (a run is starting). */
  cancel(): void;
}

const DEBOUNCE_MS = 700;

export function createTrainEstimate(bridge: Bridge): TrainEstimate {
  const s = $state({ status: 'idle' as TrainEstimate['status'], estimate: null as RunEstimate | null, error: null as string | null });
  let key = '';
  let timer: ReturnType<typeof setTimeout> | null = null;
  let controller: AbortController | null = null;

  function cancel() {
    if (timer) clearTimeout(timer);
    timer = null;
    controller?.abort();
    controller = null;
    key = '';
    if (s.status === 'measuring') s.status = 'idle';
  }

  return {
    get status() {
      return s.status;
    },
    get estimate() {
      return s.estimate;
    },
    get error() {
      return s.error;
    },
    cancel,
    request(datasetDir, settings) {
      const next = datasetDir && settings ? JSON.stringify([datasetDir, settings]) : '';
      if (next === key) return;
      cancel();
      key = next;
      if (!datasetDir || !settings) {
        Object.assign(s, { status: 'idle', estimate: null, error: null });
        return;
      }
      Object.assign(s, { status: 'measuring', error: null });
      timer = setTimeout(() => {
        timer = null;
        const ac = new AbortController();
        controller = ac;
        bridge
          .call('train.estimate', { dataset: datasetDir, settings }, { signal: ac.signal })
          .then((estimate) => {
            if (controller !== ac) return;
            Object.assign(s, { status: 'ready', estimate, error: null });
          })
          .catch((err: unknown) => {
            if (controller !== ac || isCancelled(err) || ac.signal.aborted) return;
            Object.assign(s, { status: 'failed', estimate: null, error: describeError(err).message });
          })
          .finally(() => {
            if (controller === ac) controller = null;
          });
      }, DEBOUNCE_MS);
    },
  };
}
