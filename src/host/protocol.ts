/**
 * Messages between a host (Electron main, the web server, the CLI, tests) and the engine
 * process. Plain JSON-compatible objects so they cross utilityProcess ports and
 * child_process IPC alike.
 */
import type { AtlasErrorData } from '../errors';
import type { EngineChannel, EngineInfo, EventName, Events } from '../contract';

export type ToEngine = { type: 'request'; id: string; channel: EngineChannel; payload: unknown } | { type: 'cancel'; id: string };

export type FromEngine =
  | { type: 'ready'; info: EngineInfo }
  | { type: 'result'; id: string; ok: true; result: unknown }
  | { type: 'result'; id: string; ok: false; error: AtlasErrorData }
  | { type: 'event'; name: EventName; data: Events[EventName] };

/** The part of a child process the client needs; one adapter per way of starting it. */
export interface EngineProcess {
  readonly pid: number | undefined;
  send(message: ToEngine): void;
  onMessage(listener: (message: FromEngine) => void): void;
  /** Called once when the process ends, however it ends. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type SpawnEngine = () => EngineProcess;
