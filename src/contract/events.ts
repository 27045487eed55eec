/** Events from the engine or host to the UI, with a typed payload per event. Part of the contract (src/contract/index.ts re-exports every file). */
import type { AtlasErrorData } from '../errors';
import type { EngineInfo } from './shared';
import type { RequestChannel } from './requests';

// ---------------------------------------------------------------------------------------
// Events (engine or host -> UI)

export interface ProgressEvent {
  /** The request this progress belongs to. */
  requestId: string;
  channel: RequestChannel;
  /** A short phase name the UI can show ("scanning", "decoding", "training"). */
  phase: string;
  done: number;
  /** null when the total is not known yet. */
  total: number | null;
  /** Items per second, when meaningful. */
  rate?: number;
  /** Estimated seconds left. */
  etaSeconds?: number;
  message?: string;
  /** Channel-specific numbers (losses, skipped counts); see the channel's docs. */
  data?: Record<string, unknown>;
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
