/**
 * Reading a project's run records (the engine writes them): which run folder a record is,
 * the report the Train panel and the 3D view show for one, which run's model a reopened
 * project shows, and what to ask before an import replaces images a model was trained on.
 */
import type { BackendLabel, EpochReport, RunRecord, TrainRunReport } from '../../src/contract';
import type { ConfirmRequest } from './confirm.svelte';

/** Two spellings of one folder (separators, a trailing slash). */
export function sameDir(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/[\\/]+/g, '/').replace(/\/$/, '');
  return norm(a) === norm(b);
}

/** The engine writes each run's history as EpochReports (the schema only pins epoch and step). */
export function historyOf(run: RunRecord): EpochReport[] {
  return run.history as unknown as EpochReport[];
}

/** A run record as the report the Train panel and the 3D view show; `backend` when the record has none. */
export function savedReport(run: RunRecord, backend: BackendLabel): TrainRunReport {
  return {
    status: run.status === 'completed' ? 'completed' : 'stopped',
    step: run.step,
    epoch: run.epoch,
    history: historyOf(run),
    checkpoint: null,
    backend: (run.backend ?? backend) as BackendLabel,
  };
}

/** How a saved run is shown on the Train panel: a run with no finished epoch left nothing but its failure. */
export function savedStatus(run: RunRecord): 'completed' | 'stopped' | 'failed' {
  return run.status === 'completed' ? 'completed' : run.history.length ? 'stopped' : 'failed';
}

/**
 * The model a reopened project shows: the newest run with a finished epoch (it has a
 * checkpoint) that trained on these images. A run started before the dataset was imported
 * again trained on the old ones: its map would not be of these images (the engine refuses
 * it), so none is shown. `datasetCreatedAt` null: no dataset time known, any run counts.
 */
export function modelToShow(runs: readonly RunRecord[], datasetCreatedAt: string | null): RunRecord | null {
  const importedAt = datasetCreatedAt ? Date.parse(datasetCreatedAt) : Number.NaN;
  const onTheseImages = (r: RunRecord) => !(Date.parse(r.startedAt) < importedAt);
  return [...runs].reverse().find((r) => r.history.length > 0 && onTheseImages(r)) ?? null;
}

/**
 * What to ask before an import replaces the images of a window that has a trained model
 * (shown, or a run in the project with a finished epoch); null when there is none to lose.
 */
export function importOverModelQuestion(projectName: string | null, runs: readonly RunRecord[], modelShown: boolean): ConfirmRequest | null {
  const trained = runs.filter((r) => r.history.length > 0);
  if (!modelShown && trained.length === 0) return null;
  const latest = trained.at(-1);
  const model = latest ? `a trained model (run ${latest.id}, ${latest.epoch} epoch${latest.epoch === 1 ? '' : 's'})` : 'a trained model';
  return {
    title: projectName ? `Import new images into “${projectName}”?` : 'Import new images?',
    message:
      `${projectName ? 'This project' : 'The window'} has ${model}. The new images replace ${projectName ? "the project's" : 'the current'} dataset. ` +
      'The model stays in the project, but its map, neighbours, samples and paths belong to the old images, so they are cleared from view. ' +
      'Train again to explore the new images.',
    confirmLabel: 'Import and replace',
  };
}
