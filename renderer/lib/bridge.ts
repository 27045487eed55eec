/**
 * The renderer's one way to reach the engine and the shell: the same typed API over the
 * Electron preload (window.atlas) or, in web mode, a WebSocket to the local server.
 */
import type { Envelope, EventName, Events, PayloadIn, PreloadApi, ProgressEvent, RequestChannel, Result } from '../../src/contract';
import type { ClientMessage, ServerMessage } from '../../src/server/wire';
import type { Bridge, CallOptions } from './bridge-api';
import { BridgeError } from './bridge-error';

/** Requests fail with a BridgeError (its own module, so pure helpers need not load the bridge). */
export { BridgeError };

/** The API every store is given (its own module, so stores and their unit tests need not load the bridge). */
export type { Bridge, CallOptions };

let counter = 0;
const newRequestId = () => `r${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Shared by both transports: progress routing, cancellation, event fan-out. */
function createBridge(
  mode: Bridge['mode'],
  transport: {
    send<C extends RequestChannel>(channel: C, payload: PayloadIn<C>, requestId: string): Promise<Envelope<Result<C>>>;
    cancel(requestId: string): void;
    subscribe(listener: (name: EventName, data: Events[EventName]) => void): void;
  },
): Bridge {
  const listeners = new Map<EventName, Set<(data: never) => void>>();
  const progressListeners = new Map<string, (p: ProgressEvent) => void>();

  transport.subscribe((name, data) => {
    if (name === 'progress') progressListeners.get((data as ProgressEvent).requestId)?.(data as ProgressEvent);
    for (const l of listeners.get(name) ?? []) l(data as never);
  });

  return {
    mode,
    async call(channel, payload, options = {}) {
      const requestId = newRequestId();
      // The engine sends progress of this request's channel only, so the listener gets what it was typed for.
      if (options.onProgress) progressListeners.set(requestId, options.onProgress as (p: ProgressEvent) => void);
      const onAbort = () => transport.cancel(requestId);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const envelope = await transport.send(channel, payload, requestId);
        if (!envelope.ok) throw new BridgeError(envelope.error);
        return envelope.result;
      } finally {
        progressListeners.delete(requestId);
        options.signal?.removeEventListener('abort', onAbort);
      }
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (data: never) => void);
      return () => set!.delete(listener as (data: never) => void);
    },
  };
}

function electronBridge(api: PreloadApi): Bridge {
  return createBridge('electron', {
    send: (channel, payload, requestId) => api.requests[channel](payload as never, requestId) as Promise<Envelope<never>>,
    cancel: (requestId) => api.cancel(requestId),
    subscribe: (listener) => void api.onEvent(listener),
  });
}

/** The access token: from the URL on first load (then hidden from the address bar), else from this tab's storage. */
function webToken(): string {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem('latent-atlas-token', fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem('latent-atlas-token') ?? '';
}

function webBridge(): Bridge {
  const token = webToken();
  const pending = new Map<string, (envelope: Envelope<unknown>) => void>();
  const eventListeners = new Set<(name: EventName, data: Events[EventName]) => void>();
  let socket: WebSocket | undefined;
  let opened: Promise<WebSocket> | undefined;
  let retryMs = 250;

  const emitLocal = (name: EventName, data: Events[EventName]) => eventListeners.forEach((l) => l(name, data));

  function connect(): Promise<WebSocket> {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`);
      socket = ws;
      ws.onopen = () => {
        retryMs = 250;
        resolve(ws);
      };
      ws.onmessage = (e) => {
        const message = JSON.parse(String(e.data)) as ServerMessage;
        if (message.type === 'result') {
          const done = pending.get(message.id);
          pending.delete(message.id);
          done?.(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error });
        } else if (message.type === 'event') {
          emitLocal(message.name, message.data);
        } else if (message.type === 'error') {
          emitLocal('error', message.error);
        }
      };
      ws.onclose = (e) => {
        opened = undefined;
        socket = undefined;
        const error = { code: 'engine_died' as const, message: `Lost the connection to the Latent Atlas server (${e.code}${e.reason ? `: ${e.reason}` : ''}). Is it still running?` };
        for (const [id, done] of pending) {
          pending.delete(id);
          done({ ok: false, error });
        }
        reject(new BridgeError(error));
        emitLocal('engine.state', { state: 'restarting', reason: error.message });
        // Reconnect with backoff; the server may have restarted.
        setTimeout(() => void connect().catch(() => {}), retryMs);
        retryMs = Math.min(retryMs * 2, 5000);
      };
    });
    opened.catch(() => {});
    return opened;
  }

  function post(message: ClientMessage, ws: WebSocket): void {
    ws.send(JSON.stringify(message));
  }

  void connect().catch(() => {});
  return createBridge('web', {
    async send(channel, payload, requestId) {
      const ws = await connect();
      return new Promise((resolve) => {
        pending.set(requestId, resolve as (e: Envelope<unknown>) => void);
        post({ type: 'request', id: requestId, channel, payload }, ws);
      });
    },
    cancel(requestId) {
      if (socket?.readyState === WebSocket.OPEN) post({ type: 'cancel', id: requestId }, socket);
    },
    subscribe: (listener) => void eventListeners.add(listener),
  });
}

let bridge: Bridge | undefined;

/** The app's bridge: Electron's preload API when present, else web mode. */
export function getBridge(): Bridge {
  const preload = (window as unknown as { atlas?: PreloadApi }).atlas;
  bridge ??= preload ? electronBridge(preload) : webBridge();
  return bridge;
}
