/**
 * The training channels of the contract, as engine handlers over src/train: one run at a
 * time, controlled (pause / resume / stop) through train.control.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendLabel, Payload, RunEstimate, TrainPreview, TrainProgress, TrainRunReport, TrainSelectionNote } from '../contract';
import { AtlasError } from '../errors';
import type { EngineHandler, HandlerContext } from '../host/handler';
import { openDatasetCached } from '../data/dataset-cache';
import { markDatasetInUse, type Dataset } from '../data/store';
import { imageGridPng } from '../data/thumbnail-atlas';
import { markRun, projectRunRecorder } from '../project/run-recorder';
import { activeRun, beginActiveRun, endedRun, keepPreview, type ActiveRun } from '../train/active-run';
import { TrainControl } from '../train/control';
import { fromDataset, type ImageSource } from '../train/data';
import { epochReport, type PreviewImages, type TrainEvent } from '../train/events';
import { estimateRun } from '../train/plan';
import { readRunSelection, restrictToSelection, saveRunSelection, SELECTION_FILE } from '../train/selection';
import { train } from '../train/train';

export async function runTraining(
  { dataset: datasetDir, runDir, settings, resume, project, selection }: Payload<'train.run'>,
  ctx: HandlerContext<'train.run'>,
  backend: BackendLabel,
): Promise<TrainRunReport> {
  const control = new TrainControl();
  const run: ActiveRun = { control, dataset: datasetDir, runDir, project: project ? { dir: path.resolve(project.dir), runId: project.runId } : null, lastStep: null, epochs: [], previews: [] };
  const endRun = beginActiveRun(run);
  // How the run ended, for train.status (a cancel keeps the newest checkpoint: 'stopped').
  let outcome: 'completed' | 'stopped' | 'failed' = 'failed';
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
            if (data.type === 'plan') ctx.log('info', `Training plan${data.revised ? ' revised' : ''}: ${data.summary}${data.probe ? `; ${data.probe.note}` : ''}.`);
            if (data.type === 'step') {
              totalSteps = data.totalSteps;
              run.lastStep = data;
            }
            if (data.type === 'epoch') {
              run.epochs = [...run.epochs.filter((h) => h.epoch < data.epoch), epochReport(data)];
              if (data.previewPng) keepPreview(run, { epoch: data.epoch, png: data.previewPng });
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
              data,
            });
          })
          .catch((err: unknown) => ctx.log('warn', `Could not report training progress: ${(err as Error).message}`));
        // (One lost event must not break the chain: every later event still goes out.)
      },
    });
    await emitted;
    // The run itself is done and checkpointed; a project that cannot record that is told so in the log.
    await record?.finish(result.status, result.step, result.epoch).catch((err: unknown) => ctx.log('warn', `Could not record the end of the run in the project: ${(err as Error).message}`));
    outcome = result.status;
    return { status: result.status, step: result.step, epoch: result.epoch, history: result.history.map(epochReport), checkpoint: result.checkpoint, backend, ...(note ? { selection: note } : {}) };
  } catch (err) {
    if (err instanceof AtlasError && err.code === 'cancelled') outcome = 'stopped';
    if (project) await markRun(project, (run) => (run.status = outcome)).catch(() => {});
    throw err;
  } finally {
    endRun(outcome);
    await releaseDataset();
  }
}

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

// Estimates by dataset, settings and backend: switching presets back and forth measures once.
const estimates = new Map<string, RunEstimate>();
let estimating: Promise<unknown> = Promise.resolve();

/** train.estimate: a short probe of the model on the dataset (one at a time; never during a run). */
export const estimateTraining: EngineHandler<'train.estimate'> = async ({ dataset: datasetDir, settings }, ctx) => {
  const run = async (): Promise<RunEstimate> => {
    if (activeRun()) throw new AtlasError('invalid_input', 'A training run is in progress: estimate before starting one (measuring now would slow the run down).');
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
  const active = activeRun();
  if (!active) return { running: false, paused: false };
  const { control } = active;
  if (action === 'pause') control.pause();
  else if (action === 'resume') control.resume();
  else control.stop();
  return { running: true, paused: control.isPaused };
};

export const trainingStatus: EngineHandler<'train.status'> = async ({ previewsAfter }) => {
  const active = activeRun();
  const newer = (previews: TrainPreview[]) => previews.filter((p) => p.epoch > (previewsAfter ?? -1));
  const last = endedRun();
  const ended = last ? { ...last, previews: newer(last.previews) } : null;
  return active
    ? {
        running: true,
        paused: active.control.isPaused,
        dataset: active.dataset,
        runDir: active.runDir,
        project: active.project,
        lastStep: active.lastStep,
        epochs: [...active.epochs],
        previews: newer(active.previews),
        ended: null,
      }
    : { running: false, paused: false, dataset: null, runDir: null, project: null, lastStep: null, epochs: [], previews: [], ended };
};

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
