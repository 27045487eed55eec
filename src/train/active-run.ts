/**
 * The one training run this engine is doing, if any: what train.control steers, what
 * train.status reports, and what opening a project asks (so a live run is not taken for one
 * cut off by a crash).
 */
import path from 'node:path';
import type { EpochReport, TrainProgress } from '../contract';
import { AtlasError } from '../errors';
import type { TrainControl } from './control';

export interface ActiveRun {
  control: TrainControl;
  dataset: string;
  runDir: string;
  project: { dir: string; runId: string } | null;
  lastStep: Extract<TrainProgress, { type: 'step' }> | null;
  epochs: EpochReport[];
}

let active: ActiveRun | null = null;

export function activeRun(): ActiveRun | null {
  return active;
}

/** Makes `run` the engine's run; one at a time. The returned function ends it. */
export function beginActiveRun(run: ActiveRun): () => void {
  if (active) throw new AtlasError('invalid_input', 'A training run is already in progress: stop it before starting another.');
  active = run;
  return () => {
    if (active === run) active = null;
  };
}

/** Whether this engine is training the given run of the given project right now. */
export function isTrainingProjectRun(projectDir: string, runId: string): boolean {
  return !!active?.project && active.project.dir === path.resolve(projectDir) && active.project.runId === runId;
}
