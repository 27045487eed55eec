/**
 * The one training run this engine is doing, if any: what train.control steers, what
 * train.status reports, and what opening a project asks (so a live run is not taken for one
 * cut off by a crash).
 */
import path from 'node:path';
import type { EndedRunReport, TrainPreview } from '../contract';
import { AtlasError } from '../errors';
import type { TrainControl } from './control';

/** The run under way: what its ended report will hold (the newest previews kept so a reloaded page shows them again), and its control. */
export interface ActiveRun extends Omit<EndedRunReport, 'status'> {
  control: TrainControl;
}

/** Previews kept per run (a page shows the newest 30 as well). */
export const KEPT_PREVIEWS = 30;

let active: ActiveRun | null = null;
let ended: EndedRunReport | null = null;

/** How the last run ended (until another begins): what a page that missed the end reads. */
export function endedRun(): EndedRunReport | null {
  return ended;
}

/** Keep an epoch's preview with the run (the newest KEPT_PREVIEWS). */
export function keepPreview(run: ActiveRun, preview: TrainPreview): void {
  run.previews = [...run.previews.filter((p) => p.epoch < preview.epoch), preview].slice(-KEPT_PREVIEWS);
}

export function activeRun(): ActiveRun | null {
  return active;
}

/** Makes `run` the engine's run; one at a time. The returned function ends it, saying how. */
export function beginActiveRun(run: ActiveRun): (status: EndedRunReport['status']) => void {
  if (active) throw new AtlasError('invalid_input', 'A training run is already in progress: stop it before starting another.');
  active = run;
  ended = null;
  return (status: EndedRunReport['status']) => {
    if (active !== run) return;
    active = null;
    ended = { status, dataset: run.dataset, runDir: run.runDir, project: run.project, lastStep: run.lastStep, epochs: [...run.epochs], previews: [...run.previews] };
  };
}

/** Whether this engine is training the given run of the given project right now. */
export function isTrainingProjectRun(projectDir: string, runId: string): boolean {
  return !!active?.project && active.project.dir === path.resolve(projectDir) && active.project.runId === runId;
}
