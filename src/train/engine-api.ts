/**
 * The training channels of the contract, as engine handlers over src/train: one run at a
 * time, controlled (pause / resume / stop) through train.control.
 */
import type { BackendLabel, EpochReport, TrainProgress, TrainRunReport } from '../contract';
import { AtlasError } from '../errors';
import type { EngineHandler, HandlerContext } from '../host/handler';
import type { Payload } from '../contract';
import { openDatasetCached } from '../data/engine-api';
import { imageGridPng } from '../data/thumbnail-atlas';
import { TrainControl } from './control';
import type { EpochSummary, PreviewImages, TrainEvent } from './events';
import { train } from './train';

let active: TrainControl | null = null;

export async function runTraining(
  { dataset: datasetDir, runDir, settings, resume }: Payload<'train.run'>,
  ctx: HandlerContext,
  backend: BackendLabel,
): Promise<TrainRunReport> {
  if (active) throw new AtlasError('invalid_input', 'A training run is already in progress: stop it before starting another.');
  const control = new TrainControl();
  active = control;
  try {
    const dataset = await openDatasetCached(datasetDir);
    let totalSteps: number | null = null;
    // Epoch events encode a PNG first: chain them so events (and the result) keep their order.
    let emitted = Promise.resolve();
    const result = await train(settings, dataset, {
      signal: ctx.signal,
      control,
      checkpointDir: runDir,
      resume,
      onProgress: (event) => {
        emitted = emitted.then(() => toProgress(event)).then((data) => {
          if (data.type === 'step') totalSteps = data.totalSteps;
          ctx.progress({
            phase: data.type === 'step' || data.type === 'epoch' ? 'training' : data.type,
            done: data.step,
            total: totalSteps,
            rate: data.type === 'step' ? data.imagesPerSec : undefined,
            etaSeconds: data.type === 'step' ? data.etaSec : undefined,
            data: data as unknown as Record<string, unknown>,
          });
        });
      },
    });
    await emitted;
    return { status: result.status, step: result.step, epoch: result.epoch, history: result.history.map(epochReport), checkpoint: result.checkpoint, backend };
  } finally {
    active = null;
  }
}

export const controlTraining: EngineHandler<'train.control'> = async ({ action }) => {
  if (!active) return { running: false, paused: false };
  if (action === 'pause') active.pause();
  else if (action === 'resume') active.resume();
  else active.stop();
  return { running: true, paused: active.isPaused };
};

function epochReport(e: EpochSummary): EpochReport {
  return { epoch: e.epoch, step: e.step, train: e.train, val: e.val, seconds: e.seconds };
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
