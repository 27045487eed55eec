import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { AtlasError } from '../errors';
import { fsyncDir, writeFileAtomic } from '../util/atomic-write';
import { fileWeightsHandler, loadNamedTensors, saveNamedTensors } from '../model/io';
import { LATEST_FILE, loadModel, resolveModelDir, saveModel, type LoadedModel } from '../model/load';
import type { RngState } from '../model/rng';
import type { Vae } from '../model/vae';
import type { Adam } from './adam';
import type { ResolvedTrainConfig } from './config';
import type { EpochSummary } from './events';

export const CHECKPOINT_SCHEMA_VERSION = 1;
export const STATE_FILE = 'state.json';
export const OPTIMIZER_FILES = { json: 'optimizer.json', bin: 'optimizer.bin' };

/** Where the loop is, exactly enough to continue as if it never stopped. */
export interface LoopPosition {
  /** Optimizer steps taken. */
  step: number;
  /** Completed epochs. */
  epoch: number;
  /** Images of the current epoch's permutation already used. */
  offset: number;
  /** Shuffle PRNG state before the current epoch's permutation was drawn. */
  shuffleState: RngState;
  /** Noise PRNG state now. */
  noiseState: RngState;
}

export interface CheckpointState extends LoopPosition {
  schemaVersion: number;
  config: ResolvedTrainConfig;
  datasetHash: string;
  adamIterations: number;
  backend: string;
  /** Data-parallel replicas the run used when it saved this (absent before workers existed). */
  workers?: number;
  savedAt: string;
  history: EpochSummary[];
}

/**
 * Layout of a checkpoint folder:
 *   latest.json                 { schemaVersion, dir, step, epoch }: written last, atomically
 *   ckpt-<step>/model.json      weightsManifest + model config (tfjs format)
 *   ckpt-<step>/weights.bin
 *   ckpt-<step>/optimizer.json  Adam moments (m/<name>, v/<name>) manifest + iteration count
 *                               and each parameter's own count (parameterSteps)
 *   ckpt-<step>/optimizer.bin
 *   ckpt-<step>/state.json      step, epoch, shuffle position, RNG states, config, dataset hash
 * A crash mid-save leaves latest.json naming the previous complete checkpoint. The previous
 * checkpoint is kept, older ones are removed.
 */
export async function saveCheckpoint(dir: string, vae: Vae, adam: Adam, state: Omit<CheckpointState, 'schemaVersion' | 'savedAt' | 'adamIterations'>): Promise<string> {
  const name = `ckpt-${String(state.step).padStart(9, '0')}`;
  const target = path.join(dir, name);
  await fs.mkdir(dir, { recursive: true });
  await fs.rm(target, { recursive: true, force: true });
  await fs.mkdir(target);
  await saveModel(vae, target, { step: state.step, epoch: state.epoch, datasetHash: state.datasetHash });
  await saveNamedTensors(
    fileWeightsHandler(target, OPTIMIZER_FILES),
    adam.state(),
    { iterations: adam.iterations, parameterSteps: adam.parameterSteps(), learningRate: adam.learningRate, beta1: adam.beta1, beta2: adam.beta2, epsilon: adam.epsilon },
    'latent-atlas-adam',
  );
  const full: CheckpointState = { ...state, schemaVersion: CHECKPOINT_SCHEMA_VERSION, savedAt: new Date().toISOString(), adamIterations: adam.iterations };
  await writeFileAtomic(path.join(target, STATE_FILE), JSON.stringify(full, null, 1));
  await fsyncDir(target);
  let previous: string | null = null;
  try {
    previous = (JSON.parse(await fs.readFile(path.join(dir, LATEST_FILE), 'utf8')) as { dir: string }).dir;
  } catch {
    previous = null;
  }
  await writeFileAtomic(path.join(dir, LATEST_FILE), JSON.stringify({ schemaVersion: CHECKPOINT_SCHEMA_VERSION, dir: name, step: state.step, epoch: state.epoch }));
  for (const entry of await fs.readdir(dir)) {
    if (entry.startsWith('ckpt-') && entry !== name && entry !== previous) await fs.rm(path.join(dir, entry), { recursive: true, force: true });
  }
  return target;
}

export interface LoadedCheckpoint {
  dir: string;
  state: CheckpointState;
  model: LoadedModel;
  /**
   * Adam moments and counts; the caller hands them to Adam.setState and disposes the tensors.
   * parameterSteps is absent in checkpoints written before per-parameter counts existed.
   */
  optimizer: { iterations: number; parameterSteps?: Record<string, number>; tensors: tf.NamedTensorMap };
}

export async function hasCheckpoint(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, LATEST_FILE));
    return true;
  } catch {
    return false;
  }
}

/**
 * The newest checkpoint's state (position and loss history) without loading any tensors, or
 * null when there is no readable checkpoint: what a resume would start from.
 */
export async function readCheckpointState(dir: string): Promise<CheckpointState | null> {
  if (!(await hasCheckpoint(dir))) return null;
  try {
    const ckptDir = await resolveModelDir(dir);
    const state = JSON.parse(await fs.readFile(path.join(ckptDir, STATE_FILE), 'utf8')) as CheckpointState;
    return typeof state.epoch === 'number' && Array.isArray(state.history) ? state : null;
  } catch {
    return null;
  }
}

export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  if (!(await hasCheckpoint(dir))) throw new AtlasError('not_found', `No checkpoint to resume from in ${dir} (no ${LATEST_FILE}). Start a new training run instead.`, { path: dir });
  const ckptDir = await resolveModelDir(dir);
  let state: CheckpointState;
  try {
    state = JSON.parse(await fs.readFile(path.join(ckptDir, STATE_FILE), 'utf8')) as CheckpointState;
  } catch (err) {
    throw new AtlasError('invalid_input', `The checkpoint in ${ckptDir} has no readable ${STATE_FILE} (${(err as Error).message}); it is damaged.`, { path: ckptDir });
  }
  if (state.schemaVersion > CHECKPOINT_SCHEMA_VERSION)
    throw new AtlasError('invalid_input', `The checkpoint in ${ckptDir} was written by a newer Latent Atlas (schema ${state.schemaVersion}); update the app to resume it.`);
  const model = await loadModel(ckptDir);
  try {
    const opt = await loadNamedTensors(fileWeightsHandler(ckptDir, OPTIMIZER_FILES));
    // Absent in checkpoints written before per-parameter counts: Adam then uses the global count.
    const steps = opt.metadata.parameterSteps;
    const parameterSteps = steps && typeof steps === 'object' ? Object.fromEntries(Object.entries(steps).filter((e): e is [string, number] => Number.isInteger(e[1]) && e[1] >= 0)) : undefined;
    return { dir: ckptDir, state, model, optimizer: { iterations: Number(opt.metadata.iterations), parameterSteps, tensors: opt.tensors } };
  } catch (err) {
    model.dispose();
    throw err;
  }
}
