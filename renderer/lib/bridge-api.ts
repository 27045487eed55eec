/**
 * What the renderer's stores are given to reach the engine: the bridge's typed API. Its own
 * module, free of the DOM (bridge.ts implements it over Electron's preload or a WebSocket), so
 * the stores and their unit tests depend on the API, not on a transport.
 */
import type { EventName, Events, PayloadIn, ProgressEvent, RequestChannel, Result } from '../../src/contract';

/** Options of one call on channel C: its progress arrives typed by channel (the contract's ProgressDataByChannel). */
export interface CallOptions<C extends RequestChannel = RequestChannel> {
  onProgress?: (progress: ProgressEvent<C>) => void;
  signal?: AbortSignal;
}

export interface Bridge {
  readonly mode: 'electron' | 'web';
  call<C extends RequestChannel>(channel: C, payload: PayloadIn<C>, options?: CallOptions<C>): Promise<Result<C>>;
  on<E extends EventName>(event: E, listener: (data: Events[E]) => void): () => void;
}
