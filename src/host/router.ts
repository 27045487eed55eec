/**
 * The one request router both hosts use (Electron's IPC in electron/ipc.ts, web mode's socket
 * in src/server/server.ts): a contract request becomes an Envelope, never a throw. Each host
 * first checks who sent it (sender frame / token and origin); the router then validates the
 * payload against the contract, lets the host adjust it (web mode confines its paths), and
 * sends it to the engine or to the host's shell handlers.
 */
import { isEngineChannel, isRequestChannel, parsePayload, type EngineChannel, type Envelope, type RequestChannel, type ShellChannel } from '../contract';
import { toErrorData, type AtlasErrorData } from '../errors';
import type { EngineClient } from './client';
import type { ShellHandlers } from './handler';

export interface RouteOptions {
  engine: Pick<EngineClient, 'request'>;
  shell: ShellHandlers;
  /** The engine-side request id (scoped to the window or page by the host). */
  requestId: string;
  /** A last look at the validated payload; throw an AtlasError to refuse (web mode's path check). */
  adjust?: (channel: RequestChannel, payload: unknown) => unknown;
  /** After an engine request succeeded (Electron refreshes its menu on project changes). */
  onEngineResult?: (channel: EngineChannel) => void;
}

export async function routeRequest(channel: unknown, payload: unknown, options: RouteOptions): Promise<Envelope<unknown>> {
  if (!isRequestChannel(channel)) return { ok: false, error: { code: 'unknown_channel', message: `There is no channel named ${JSON.stringify(channel)}.` } };
  const parsed = parsePayload(channel, payload);
  if (!parsed.ok) return parsed;
  try {
    const value = options.adjust ? options.adjust(channel, parsed.value) : parsed.value;
    if (isEngineChannel(channel)) {
      const result = await options.engine.request(channel, value as never, { requestId: options.requestId });
      options.onEngineResult?.(channel);
      return { ok: true, result };
    }
    const handler = options.shell[channel as ShellChannel] as (p: unknown) => Promise<unknown>;
    return { ok: true, result: await handler(value) };
  } catch (err) {
    return { ok: false, error: shownError(toErrorData(err)) };
  }
}

/** An internal error (a bug) may carry a stack trace in its detail: a window or page gets its code and message only. */
export function shownError(error: AtlasErrorData): AtlasErrorData {
  return error.code === 'internal' ? { code: error.code, message: error.message } : error;
}
