/** What a request returns on every transport, and what the Electron preload exposes. Part of the contract (src/contract/index.ts re-exports every file). */
import type { AtlasErrorData } from '../errors';
import type { PayloadIn, RequestChannel, Result } from './requests';
import type { EventName, Events } from './events';

// ---------------------------------------------------------------------------------------
// What a request returns across every transport: a value or a plain error, never a throw.

export type Envelope<T> = { ok: true; result: T } | { ok: false; error: AtlasErrorData };

/** Largest message the web transport accepts (uploads are sent in chunks below this). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

// ---------------------------------------------------------------------------------------
// What the Electron preload exposes as window.atlas: one named function per channel (never
// a generic invoke), cancel, and one event subscription. The web bridge offers the same.

export type PreloadRequests = {
  [C in RequestChannel]: (payload: PayloadIn<C>, requestId: string) => Promise<Envelope<Result<C>>>;
};

export interface PreloadApi {
  requests: PreloadRequests;
  cancel(requestId: string): void;
  onEvent(listener: (name: EventName, data: Events[EventName]) => void): () => void;
}

/** IPC channel names used between preload and main. */
export const ipcChannel = {
  request: (channel: RequestChannel) => `atlas:request:${channel}`,
  cancel: 'atlas:cancel',
  event: 'atlas:event',
} as const;
