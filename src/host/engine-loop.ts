/**
 * The engine side of the host protocol: receive requests, run their handlers with a
 * cancellation signal, send back results, progress and logs. Works over an Electron
 * utilityProcess parent port or a child_process IPC channel.
 */
import { isEngineChannel, parsePayload, type EngineChannel, type EngineInfo } from '../contract';
import { toErrorData } from '../errors';
import type { EngineHandlers, HandlerContext } from './handler';
import type { FromEngine, ToEngine } from './protocol';

interface ParentPortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

interface Transport {
  send(message: FromEngine): void;
  onMessage(listener: (message: ToEngine) => void): void;
}

/** The transport this process was started with, or undefined when it was not forked. */
export function parentTransport(): Transport | undefined {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return {
      send: (m) => parentPort.postMessage(m),
      onMessage: (l) => parentPort.on('message', (e) => l(e.data as ToEngine)),
    };
  }
  if (process.send) {
    // The host went away: nobody can receive results any more.
    process.on('disconnect', () => process.exit(0));
    return {
      send: (m) => {
        if (process.connected) process.send!(m);
      },
      onMessage: (l) => process.on('message', (m) => l(m as ToEngine)),
    };
  }
  return undefined;
}

export async function runEngineLoop(handlers: EngineHandlers, transport: Transport, startup: () => Promise<EngineInfo>): Promise<void> {
  const running = new Map<string, AbortController>();

  transport.onMessage((message) => {
    if (message?.type === 'cancel') {
      running.get(message.id)?.abort();
      return;
    }
    if (message?.type === 'request') void handleRequest(message.id, message.channel, message.payload);
  });

  async function handleRequest(id: string, channel: unknown, payload: unknown): Promise<void> {
    if (!isEngineChannel(channel)) {
      transport.send({ type: 'result', id, ok: false, error: { code: 'unknown_channel', message: `The engine has no channel named ${String(channel)}.` } });
      return;
    }
    const parsed = parsePayload(channel, payload);
    if (!parsed.ok) {
      transport.send({ type: 'result', id, ok: false, error: parsed.error });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    const ctx: HandlerContext = {
      requestId: id,
      signal: controller.signal,
      progress: (update) => transport.send({ type: 'event', name: 'progress', data: { ...update, requestId: id, channel } }),
      log: (level, message) => transport.send({ type: 'event', name: 'log', data: { level, message, time: new Date().toISOString() } }),
    };
    try {
      const handler = handlers[channel] as (p: unknown, c: HandlerContext) => Promise<unknown>;
      const result = await handler(parsed.value, ctx);
      transport.send({ type: 'result', id, ok: true, result });
    } catch (err) {
      transport.send({ type: 'result', id, ok: false, error: toErrorData(err) });
    } finally {
      running.delete(id);
    }
  }

  const info = await startup();
  transport.send({ type: 'ready', info });
}

export type { EngineChannel };
