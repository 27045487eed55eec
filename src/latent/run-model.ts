/**
 * The model the latent tools use: the newest checkpoint of a run folder (latest.json names
 * it), or a model folder itself. The engine keeps the last one loaded, so a string of UI
 * requests (project, decode, interpolate) loads weights once.
 */
import type { Stats } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AtlasError } from '../errors';
import { loadModel, resolveModelDir, type LoadedModel } from '../model/load';

export interface RunModel {
  model: LoadedModel;
  /** The checkpoint (or model) folder the weights came from. */
  modelDir: string;
  /** Names these exact weights: folder, step, file size and time. Changes when training saves a new checkpoint. */
  modelKey: string;
}

let cached: RunModel | null = null;
let retired: RunModel | null = null;

export async function modelKeyOf(runDir: string): Promise<{ modelDir: string; modelKey: string }> {
  const modelDir = await resolveModelDir(path.resolve(runDir));
  const weights = path.join(modelDir, 'weights.bin');
  let stat: Stats;
  try {
    stat = await fs.stat(weights);
  } catch {
    throw new AtlasError('not_found', `No trained model in ${runDir}: ${weights} does not exist. Train a model first (or pick the run folder).`, { path: runDir });
  }
  return { modelDir, modelKey: `${modelDir}|${stat.size}|${Math.round(stat.mtimeMs)}` };
}

/** Load (or reuse) the newest model of a run folder. Do not dispose it: the cache owns it. */
export async function runModel(runDir: string): Promise<RunModel> {
  const { modelDir, modelKey } = await modelKeyOf(runDir);
  if (cached && cached.modelKey === modelKey) return cached;
  const model = await loadModel(modelDir);
  // A request that started on the previous weights may still be decoding with them (training
  // saves checkpoints while the UI explores): free them one swap later, not now.
  retired?.model.dispose();
  retired = cached;
  cached = { model, modelDir, modelKey };
  return cached;
}

/** Drop the cached model (tests, and before the engine switches backends). */
export function releaseRunModel(): void {
  cached?.model.dispose();
  retired?.model.dispose();
  cached = null;
  retired = null;
}
