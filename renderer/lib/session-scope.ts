/**
 * The one place that decides what the window's derived state belongs to: the dataset (its
 * folder and identity; a re-import into a project reuses the folder) and the model on show
 * (the trained run, at its step). Whatever path changes either one (a new or opened project,
 * an import, a finished or continued run, a reload), everything derived from the old one is
 * reset here, in `apply`: the scatter and its legend, ellipsoids, hover and neighbours,
 * samples, paths, the A/B ends, selections and the export source.
 */
import { untrack } from 'svelte';
import type { DatasetSummary, TrainRunReport } from '../../src/contract';

// The parts of the window's stores this file touches, named here so that it (and its unit
// test) does not pull the 3D scene's modules in.
interface ShownRun {
  runDir: string;
  dataset: string;
  report: TrainRunReport;
}
interface WindowState<R extends ShownRun> {
  dataset: DatasetSummary | null;
  trainedRun: R | null;
  selected: number | null;
}
interface ResettableView<R, S> {
  clear(): void;
  show(run: R, scene: S): Promise<void>;
}
interface ResettableExplorer {
  reset(scope: 'model' | 'dataset'): void;
}

/** Which images: a re-import into the same folder is another dataset (new hash, new time). */
export function datasetIdentity(d: Pick<DatasetSummary, 'dir' | 'datasetHash' | 'createdAt'> | null): string | null {
  return d ? `${d.dir}|${d.datasetHash}|${d.createdAt}` : null;
}

/** Which weights: a continued run is the same folder at a later step, so another model. */
export function modelIdentity(run: { runDir: string; report: { step: number } } | null): string | null {
  return run ? `${run.runDir}|${run.report.step}` : null;
}

export interface ScopeKeys {
  dataset: string | null;
  model: string | null;
}

export interface ScopeChange {
  /** The images changed: everything indexed by image (selection, A/B, names) goes. */
  dataset: boolean;
  /** The model changed: everything it computed goes, and the new one (if any) is shown. */
  model: boolean;
  /**
   * The images changed under a model that did not: the model was trained on the old images,
   * so its map is taken off (the run stays in the project; training again maps the new ones).
   */
  dropModel: boolean;
}

/** What changed between two states of the window (pure; unit-tested). */
export function scopeChange(before: ScopeKeys, after: ScopeKeys): ScopeChange {
  const dataset = before.dataset !== after.dataset;
  const model = before.model !== after.model;
  return { dataset, model, dropModel: dataset && !model && after.model !== null };
}

interface ScopeDeps<R extends ShownRun, S> {
  app: WindowState<R>;
  view: ResettableView<R, S>;
  explorer: ResettableExplorer;
  scene: () => S | undefined;
}

/** Reads the current dataset and model and resets what they left behind (App calls `sync` inside an effect). */
export class SessionScope<R extends ShownRun, S> {
  #deps: ScopeDeps<R, S>;
  #keys: ScopeKeys = { dataset: null, model: null };

  constructor(deps: ScopeDeps<R, S>) {
    this.#deps = deps;
  }

  #apply(change: ScopeChange, run: R | null) {
    const { app, view, explorer } = this.#deps;
    if (change.dataset) {
      app.selected = null;
      explorer.reset('dataset');
      // The points, ellipsoids and legend stand for the old images: off before anything new is drawn.
      view.clear();
      if (change.dropModel) {
        // The next sync sees the model gone and resets what it computed.
        app.trainedRun = null;
        return;
      }
    }
    if (change.model) {
      if (!change.dataset) explorer.reset('model');
      const scene = this.#deps.scene();
      if (!run) view.clear();
      // A new model of the same images animates the points to their new places.
      else if (scene) void view.show(run, scene);
    }
  }

  /** Read the current dataset and model (call it inside an effect) and reset what they left behind. */
  sync(): void {
    const { app } = this.#deps;
    const run = app.trainedRun;
    const next: ScopeKeys = { dataset: datasetIdentity(app.dataset), model: modelIdentity(run) };
    const change = scopeChange(this.#keys, next);
    this.#keys = change.dropModel ? { ...next, model: null } : next;
    if (change.dataset || change.model) untrack(() => this.#apply(change, run));
  }
}
