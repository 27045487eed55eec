/**
 * What an engine handler is: one async function per engine channel of the contract, given
 * the validated payload and a context to report progress, log and notice cancellation.
 */
import type { EngineChannel, LogEvent, Payload, ProgressEvent, Result } from '../contract';

/** What a handler of channel C is given besides its payload (C left out: any channel, for helpers several handlers share). */
export interface HandlerContext<C extends EngineChannel = EngineChannel> {
  requestId: string;
  /** Fires when the caller cancels; long work checks it between units (throwIfCancelled). */
  signal: AbortSignal;
  /** Reports progress; `data` is the channel's own (ProgressDataByChannel in the contract). */
  progress(update: Omit<ProgressEvent<C>, 'requestId' | 'channel'>): void;
  log(level: LogEvent['level'], message: string): void;
}

export type EngineHandler<C extends EngineChannel> = (payload: Payload<C>, ctx: HandlerContext<C>) => Promise<Result<C>>;

/** Exactly one handler per engine channel: the compiler rejects a missing or extra one. */
export type EngineHandlers = { [C in EngineChannel]: EngineHandler<C> };

import type { ShellChannel } from '../contract';

/** Shell requests: one handler per shell channel, in each host (Electron main, web server). */
export type ShellHandlers = { [C in ShellChannel]: (payload: Payload<C>) => Promise<Result<C>> };
