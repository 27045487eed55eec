/**
 * The training channels of the contract, as engine handlers over src/train: one run at a
 * time, controlled (pause / resume / stop) through train.control.
 */
import type { BackendLabel, EpochReport, TrainProgress, TrainRunReport } from '../contract';
import { AtlasError } from '../errors';
import type { EngineHandler, HandlerContext } from '../host/handler';
import type { Payload } from '../contract';
import { openDatasetCached } from '../data/engine-api';
import { markDatasetInUse } from '../data/store';
import { imageGridPng } from '../data/thumbnail-atlas';
import { TrainControl } from './control';
import { epochReport, type PreviewImages, type TrainEvent } from './events';
import { train } from './train';
import path from 'node:path';
import type { RunRecord } from '../contract';
import { syncRunWithCheckpoint, updateProject } from '../project/project';
import { readCheckpointState } from './checkpoint';
import { estimateRun } from './plan';
import type { RunEstimate } from '../contract';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import type { TrainSelectionNote } from '../contract';
import type { Dataset } from '../data/store';
import { fromDataset, type ImageSource } from './data';
import { readRunSelection, restrictToSelection, saveRunSelection, SELECTION_FILE } from './selection';

/** The one run in progress: its control and what train.status reports about it. */
interface ActiveRun {
  control: TrainControl;
  dataset: string;
  runDir: string;
  project: { dir: string; runId: string } | null;
  lastStep: Extract<TrainProgress, { type: 'step' }> | null;
  epochs: EpochReport[];
}

let active: ActiveRun | null = null;

export async function runTraining({ dataset: datasetDir, runDir, settings, resume, project, selection }: Payload<'train.run'>, ctx: HandlerContext, backend: BackendLabel): Promise<TrainRunReport> {
  if (active) throw new AtlasError('invalid_input', 'A training run is already in progress: stop it before starting another.');
  const control = new TrainControl();
  const run: ActiveRun = { control, dataset: datasetDir, runDir, project: project ? { dir: path.resolve(project.dir), runId: project.runId } : null, lastStep: null, epochs: [] };
  active = run;
  let releaseDataset = async () => {};
  try {
    const dataset = await openDatasetCached(datasetDir);
    // No import replaces this dataset while the run trains on it.
    releaseDataset = await markDatasetInUse(datasetDir, runDir);
    const { data, note } = await trainingImages(dataset, runDir, selection, resume);
    if (note) ctx.log('info', `Training on the selection “${note.name}” only: ${note.trainImages} training and ${note.valImages} validation images of its ${note.images}.`);
    const record = project ? await projectRunRecorder(project, runDir, settings, backend, resume, note) : null;
    // A resumed run's earlier epochs belong to its history too: a page that re-attaches
    // after a reload (train.status) charts the whole run, not just this session of it.
    if (record) run.epochs.push(...record.earlier);
    let totalSteps: number | null = null;
    // Epoch events encode a PNG first: chain them so events (and the result) keep their order.
    let emitted = Promise.resolve();
    const result = await train(settings, data, {
      signal: ctx.signal,
      control,
      checkpointDir: runDir,
      resume,
      onProgress: (event) => {
        emitted = emitted
          .then(() => toProgress(event))
          .then(async (data) => {
            if (data.type === 'plan') ctx.log('info', `Training plan: ${data.summary}${data.probe ? `; ${data.probe.note}` : ''}.`);
            if (data.type === 'step') {
              totalSteps = data.totalSteps;
              run.lastStep = data;
            }
            if (data.type === 'epoch') {
              run.epochs = [...run.epochs.filter((h) => h.epoch < data.epoch), epochReport(data)];
              // A failed write of the project's run record must not stop the run or its events:
              // the next epoch writes the whole history again, and the checkpoint is on disk.
              await record?.epoch(data).catch((err: unknown) => ctx.log('warn', `Could not record epoch ${data.epoch} in the project: ${(err as Error).message}`));
            }
            ctx.progress({
              phase: data.type === 'step' || data.type === 'epoch' ? 'training' : data.type,
              done: data.step,
              total: totalSteps,
              rate: data.type === 'step' ? data.imagesPerSec : undefined,
              etaSeconds: data.type === 'step' ? data.etaSec : undefined,
              data: data as unknown as Record<string, unknown>,
            });
          })
          .catch((err: unknown) => ctx.log('warn', `Could not report training progress: ${(err as Error).message}`));
        // (One lost event must not break the chain: every later event still goes out.)
      },
    });
    await emitted;
    // The run itself is done and checkpointed; a project that cannot record that is told so in the log.
    await record?.finish(result.status, result.step, result.epoch).catch((err: unknown) => ctx.log('warn', `Could not record the end of the run in the project: ${(err as Error).message}`));
    return { status: result.status, step: result.step, epoch: result.epoch, history: result.history.map(epochReport), checkpoint: result.checkpoint, backend, ...(note ? { selection: note } : {}) };
  } catch (err) {
    if (project) await markRun(project, (run) => (run.status = err instanceof AtlasError && err.code === 'cancelled' ? 'stopped' : 'failed')).catch(() => {});
    throw err;
  } finally {
    active = null;
    await releaseDataset();
  }
}

type ProjectRef = NonNullable<Payload<'train.run'>['project']>;

/**
 * The images a run trains on: the whole dataset, or a selection's. A new run with a selection
 * keeps it in the run folder; resuming goes on with the selection kept there.
 */
async function trainingImages(dataset: Dataset, runDir: string, selection: Payload<'train.run'>['selection'], resume: boolean): Promise<{ data: ImageSource; note: TrainSelectionNote | null }> {
  const whole = fromDataset(dataset);
  const kept = resume ? await readRunSelection(runDir) : null;
  const chosen = kept ?? selection ?? null;
  if (!chosen) {
    if (!resume) await fs.rm(path.join(runDir, SELECTION_FILE), { force: true });
    return { data: whole, note: null };
  }
  const { source, note } = restrictToSelection(whole, chosen);
  if (!kept) await saveRunSelection(runDir, chosen);
  return { data: source, note };
}

function markRun(project: ProjectRef, change: (run: RunRecord) => void) {
  return updateProject(project.dir, (p) => {
    const run = p.runs.find((r) => r.id === project.runId);
    if (run) change(run);
  });
}

/** Keeps the project's record of this run current: created (or reopened) now, updated every epoch. */
async function projectRunRecorder(project: ProjectRef, runDir: string, settings: Payload<'train.run'>['settings'], backend: BackendLabel, resume: boolean, selection: TrainSelectionNote | null) {
  const now = () => new Date().toISOString();
  let earlier: EpochReport[] = [];
  // Resuming continues from the checkpoint, whatever epoch the record last heard of.
  const saved = resume ? await readCheckpointState(runDir) : null;
  await updateProject(project.dir, (p) => {
    const existing = p.runs.find((r) => r.id === project.runId);
    if (existing && resume) {
      if (saved) syncRunWithCheckpoint(existing, saved);
      earlier = (existing.history as unknown as EpochReport[]).map(epochReport);
      Object.assign(existing, { status: 'running', updatedAt: now(), backend, settings });
    } else {
      if (existing) throw new AtlasError('invalid_input', `The project already has a run named ${project.runId}; resume it or pick another name.`);
      const dir = path.relative(project.dir, path.resolve(runDir)) || '.';
      // A project's runs live inside its folder (project.json holds them relative, never "..").
      if (dir === '.' || dir.split(/[\\/]/).includes('..') || path.isAbsolute(dir))
        throw new AtlasError(
          'invalid_input',
          `The run folder ${runDir} is not inside the project ${project.dir}: a project's runs live in its own folder (for example ${path.join(project.dir, 'runs', project.runId)}).`,
        );
      p.runs.push({ id: project.runId, dir, startedAt: now(), updatedAt: now(), status: 'running', settings, epoch: 0, step: 0, backend, history: [], ...(selection ? { selection } : {}) });
    }
  });
  // The record follows the checkpoint, which train() writes before it reports an epoch or
  // returns; the reported numbers stand in only where no checkpoint could be read.
  const follow = async (run: { epoch: number; step: number; history?: EpochReport }, status?: RunRecord['status']) => {
    const state = await readCheckpointState(runDir);
    return markRun(project, (record) => {
      if (state) syncRunWithCheckpoint(record, state);
      else {
        Object.assign(record, { epoch: run.epoch, step: run.step });
        if (run.history) record.history = [...record.history.filter((h) => h.epoch < run.epoch), { ...epochReport(run.history) }];
      }
      Object.assign(record, { updatedAt: now() }, status ? { status } : {});
    });
  };
  return {
    earlier,
    epoch: (e: EpochReport) => follow({ epoch: e.epoch, step: e.step, history: e }),
    finish: (status: 'completed' | 'stopped', step: number, epoch: number) => follow({ epoch, step }, status),
  };
}

// Estimates by dataset, settings and backend: switching presets back and forth measures once.
const estimates = new Map<string, RunEstimate>();
let estimating: Promise<unknown> = Promise.resolve();

/** train.estimate: a short probe of the model on the dataset (one at a time; never during a run). */
export const estimateTraining: EngineHandler<'train.estimate'> = async ({ dataset: datasetDir, settings }, ctx) => {
  const run = async (): Promise<RunEstimate> => {
    if (active) throw new AtlasError('invalid_input', 'A training run is in progress: estimate before starting one (measuring now would slow the run down).');
    const dataset = await openDatasetCached(datasetDir);
    const key = JSON.stringify([path.resolve(datasetDir), dataset.index.datasetHash, tf.getBackend(), Object.entries(settings).sort(([a], [b]) => a.localeCompare(b))]);
    const cached = estimates.get(key);
    if (cached) return cached;
    const estimate = await estimateRun(settings, dataset, { signal: ctx.signal });
    if (estimates.size > 64) estimates.clear();
    estimates.set(key, estimate);
    return estimate;
  };
  const result = estimating.then(run, run);
  estimating = result.catch(() => {});
  return result;
};

export const controlTraining: EngineHandler<'train.control'> = async ({ action }) => {
  if (!active) return { running: false, paused: false };
  const { control } = active;
  if (action === 'pause') control.pause();
  else if (action === 'resume') control.resume();
  else control.stop();
  return { running: true, paused: control.isPaused };
};

export const trainingStatus: EngineHandler<'train.status'> = async () =>
  active
    ? { running: true, paused: active.control.isPaused, dataset: active.dataset, runDir: active.runDir, project: active.project, lastStep: active.lastStep, epochs: [...active.epochs] }
    : { running: false, paused: false, dataset: null, runDir: null, project: null, lastStep: null, epochs: [] };

/** Whether this engine is training the given run of the given project right now. */
export function isTrainingProjectRun(projectDir: string, runId: string): boolean {
  return !!active?.project && active.project.dir === path.resolve(projectDir) && active.project.runId === runId;
}

async function toProgress(event: TrainEvent): Promise<TrainProgress> {
  if (event.type !== 'epoch') return event;
  const { preview, ...summary } = event;
  return { ...summary, ...epochReport(summary), type: 'epoch', epochs: event.epochs, previewPng: preview ? await previewPng(preview) : null };
}

/** Originals in the top row, their reconstructions below: what the Train panel shows per epoch. */
async function previewPng(p: PreviewImages): Promise<string> {
  const stride = p.width * p.height * p.channels;
  const image = (k: number) => (k < p.count ? p.originals : p.reconstructions).subarray((k % p.count) * stride, ((k % p.count) + 1) * stride);
  const png = await imageGridPng(image, p.count * 2, p.width, p.channels, p.count);
  return Buffer.from(png).toString('base64');
}
