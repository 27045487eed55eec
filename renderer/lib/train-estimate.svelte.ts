/**
 * The Train panel's estimate before a run starts: for a time budget (the presets), the engine
 * measures the model on the dataset (train.estimate, a few seconds) and says how long the run
 * should take and on how many images ("about 9 min on 5,713 images"). Asked again, debounced,
 * when the dataset or the settings change; an older request is cancelled.
 */
import { createContext } from 'svelte';
import type { RunEstimate, TrainSettingsIn } from '../../src/contract';
import type { Bridge } from './bridge-api';
import { describeError, isCancelled } from './errors';

const DEBOUNCE_MS = 700;

export class TrainEstimate {
  status = $state<'idle' | 'measuring' | 'ready' | 'failed'>('idle');
  estimate = $state.raw<RunEstimate | null>(null);
  error = $state<string | null>(null);
  #bridge: Bridge;
  /** What was asked last (dataset and settings); the same question is not asked twice. */
  #key = '';
  #timer: ReturnType<typeof setTimeout> | null = null;
  #controller: AbortController | null = null;

  constructor(bridge: Bridge) {
    this.#bridge = bridge;
  }

  /** Cancel a pending or running measurement (a run is starting). */
  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#controller?.abort();
    this.#controller = null;
    this.#key = '';
    if (this.status === 'measuring') this.status = 'idle';
  }

  /** Estimate these settings on this dataset (null: nothing to estimate; clears it). */
  request(datasetDir: string | null, settings: TrainSettingsIn | null): void {
    const next = datasetDir && settings ? JSON.stringify([datasetDir, settings]) : '';
    if (next === this.#key) return;
    this.cancel();
    this.#key = next;
    if (!datasetDir || !settings) {
      this.#show('idle', null, null);
      return;
    }
    this.status = 'measuring';
    this.error = null;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const ac = new AbortController();
      this.#controller = ac;
      this.#bridge
        .call('train.estimate', { dataset: datasetDir, settings }, { signal: ac.signal })
        .then((estimate) => {
          if (this.#controller === ac) this.#show('ready', estimate, null);
        })
        .catch((err: unknown) => {
          if (this.#controller !== ac || isCancelled(err) || ac.signal.aborted) return;
          this.#show('failed', null, describeError(err).message);
        })
        .finally(() => {
          if (this.#controller === ac) this.#controller = null;
        });
    }, DEBOUNCE_MS);
  }

  #show(status: TrainEstimate['status'], estimate: RunEstimate | null, error: string | null): void {
    this.status = status;
    this.estimate = estimate;
    this.error = error;
  }
}

/** The Train panel's estimate: App provides it (a run's start cancels it), the panel asks it. */
export const [useTrainEstimate, provideTrainEstimate] = createContext<TrainEstimate>();
