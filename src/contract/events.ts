/** Events from the engine or host to the UI, with a typed payload per event. Part of the contract (src/contract/index.ts re-exports every file). */
import type { AtlasErrorData } from '../errors';
import type { EngineInfo } from './shared';
import type { RequestChannel } from './requests';
import type { TrainProgress } from './train';

// ---------------------------------------------------------------------------------------
// Events (engine or host -> UI)

/** dataset.import: the running counts of an import (files for a folder, frames for a sheet). */
export interface ImportProgressData {
  scanned: number;
  decoded: number;
  /** Decodes answered by the decode cache (an unchanged file imported before). */
  fromCache: number;
  imported: number;
  skipped: number;
}

/** latent.layout, latent.place: which part of a UMAP or t-SNE layout is running. */
export interface LayoutProgressData {
  stage: 'neighbours' | 'optimising';
}

/**
 * What a channel's progress events carry in `data`, per channel; a channel not listed sends
 * progress without data. The engine's handlers can only send these (HandlerContext), and the
 * renderer's onProgress receives them typed (bridge.call), so neither side casts.
 */
export interface ProgressDataByChannel {
  'dataset.import': ImportProgressData;
  /** Every training event: the plan, each step and epoch, pause and resume. */
  'train.run': TrainProgress;
  /** latent.interpolate with the geodesic method: the path's energy after each optimisation step. */
  'latent.interpolate': { energy: number };
  'latent.layout': LayoutProgressData;
  'latent.place': LayoutProgressData;
}

/** The progress data of channel C (never for a channel that sends none). */
export type ProgressData<C extends RequestChannel> = C extends keyof ProgressDataByChannel ? ProgressDataByChannel[C] : never;

/**
 * The phases of every request that opens a latent session (src/latent/session.ts): encoding the
 * dataset's posteriors when latents.bin lacks them, decoding many images in batches, and fitting
 * the sampling prior to the encoded images on first use (src/latent/fitted-prior.ts: its detail
 * offsets, their main directions, then the mixture).
 */
export type LatentSessionPhase = 'encoding' | 'decoding' | FittedPriorPhase;
export type FittedPriorPhase = 'fitting prior (details)' | 'fitting prior (directions)' | 'fitting prior (mixture)';

/**
 * The phase names a channel's progress events carry, per channel; a channel not listed sends no
 * progress. The engine's handlers can only send these (HandlerContext) and the renderer reads
 * them typed, so tsc catches a misspelt phase on either side.
 */
export interface ProgressPhaseByChannel {
  'engine.measureSpeed': 'measuring';
  /** importing: scanning and decoding files (or a sheet's frames); writing: the dataset's files; done: written. */
  'dataset.import': 'importing' | 'writing' | 'done';
  /** training: each step and epoch; the others: the TrainProgress event of that type. */
  'train.run': 'training' | Exclude<TrainProgress['type'], 'step' | 'epoch'>;
  'latent.encode': LatentSessionPhase;
  'latent.project': LatentSessionPhase;
  /** layout: the UMAP or t-SNE computation (data.stage says which part). */
  'latent.layout': LatentSessionPhase | 'layout';
  'latent.place': LatentSessionPhase | 'layout';
  'latent.decode': LatentSessionPhase;
  'latent.neighbours': LatentSessionPhase;
  /** geodesic: one optimisation step of the path (data.energy). */
  'latent.interpolate': LatentSessionPhase | 'geodesic';
  'latent.sample': LatentSessionPhase;
  'latent.relabel': LatentSessionPhase;
  'latent.labelPath': LatentSessionPhase;
  'latent.traverse': LatentSessionPhase;
  'latent.attribute': LatentSessionPhase;
  /** decoding the frames, encoding each as PNG/GIF/WebP, then writing (staging) the files. */
  'export.frames': LatentSessionPhase | 'writing';
  'export.projector': LatentSessionPhase;
}

/** The phases of channel C (never for a channel that sends no progress). */
export type ProgressPhase<C extends RequestChannel> = C extends keyof ProgressPhaseByChannel ? ProgressPhaseByChannel[C] : never;

/** The channels whose requests open a latent session, so report its phases. */
export type LatentSessionChannel = { [C in keyof ProgressPhaseByChannel]: LatentSessionPhase extends ProgressPhaseByChannel[C] ? C : never }[keyof ProgressPhaseByChannel];

/** Progress of one request on channel C (any channel when C is left out). */
export interface ProgressEvent<C extends RequestChannel = RequestChannel> {
  /** The request this progress belongs to. */
  requestId: string;
  channel: C;
  /** What the request is doing now: one of its channel's phases (ProgressPhaseByChannel). */
  phase: ProgressPhase<C>;
  done: number;
  /** null when the total is not known yet. */
  total: number | null;
  /** Items per second, when meaningful. */
  rate?: number;
  /** Estimated seconds left. */
  etaSeconds?: number;
  message?: string;
  /** The channel's own numbers (ProgressDataByChannel). */
  data?: ProgressData<C>;
}

/** Whether a progress event (of any request) is one of `channel`'s, so its data is that channel's type. */
export function isProgressOf<C extends RequestChannel>(event: ProgressEvent, channel: C): event is ProgressEvent<C> {
  return event.channel === channel;
}

export interface LogEvent {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  time: string;
}

export type EngineState = 'starting' | 'ready' | 'restarting' | 'stopped';

export interface EngineStateEvent {
  state: EngineState;
  info?: EngineInfo;
  /** Why the state changed (e.g. "engine exited with code 1; starting a fresh one"). */
  reason?: string;
}

/** App-menu commands (Electron's menu bar); the renderer carries them out like its own buttons. */
export type MenuCommand = 'project.new' | 'project.open' | 'project.save' | 'project.saveAs' | 'dataset.import' | 'help.shortcuts';

export interface MenuEvent {
  command: MenuCommand;
  /** For Open Recent: the project folder chosen. */
  dir?: string;
}

export interface Events {
  progress: ProgressEvent;
  /** From the Electron menu (web mode has none: the UI shows the same commands itself). */
  menu: MenuEvent;
  log: LogEvent;
  /** Failures not tied to one request's result (e.g. the engine process died). */
  error: AtlasErrorData;
  'engine.state': EngineStateEvent;
}

export type EventName = keyof Events;
export const eventNames: EventName[] = ['progress', 'menu', 'log', 'error', 'engine.state'];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (eventNames as string[]).includes(name);
}
