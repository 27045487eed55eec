/**
 * What an engine handler is: one async function per engine channel of the contract, given
 * the validated payload and a context to report progress, log and notice cancellation.
 */
import type { EngineChannel, LogEvent, Payload, ProgressEvent, Result } from '../contract';

export interface HandlerContext {
  requestId: string;
  /** Fires when the caller cancels; long work checks it between units (throwIfCancelled). */
  signal: AbortSignal;
  progress(update: Omit<ProgressEvent, 'requestId' | 'channel'>): void;
  log(level: LogEvent['level'], message: string): void;
}

export type EngineHandler<C extends EngineChannel> = (payload: Payload<C>, ctx: HandlerContext) => Promise<Result<C>>;

/** Exactly one handler per engine channel: the compiler rejects a missing or extra one. */
export type EngineHandlers = { [C in EngineChannel]: EngineHandler<C> };

import type { ShellChannel } from '../contract';

/** Shell requests: one handler per shell channel, in each host (Electron main, web server). */
export type ShellHandlers = { [C in ShellChannel]: (payload: Payload<C>) => Promise<Result<C>> };
