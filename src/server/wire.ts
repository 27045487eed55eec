/**
 * The web transport's messages (JSON text frames). The renderer's web bridge and the server
 * share these types; the channels and payloads themselves come from the contract.
 */
import type { AtlasErrorData } from '../errors';
import type { EventName, Events } from '../contract';

export type ClientMessage = { type: 'request'; id: string; channel: string; payload: unknown } | { type: 'cancel'; id: string };

export type ServerMessage =
  | { type: 'result'; id: string; ok: true; result: unknown }
  | { type: 'result'; id: string; ok: false; error: AtlasErrorData }
  | { type: 'event'; name: EventName; data: Events[EventName] }
  /** A message that could not be matched to a request (bad JSON, too large). */
  | { type: 'error'; error: AtlasErrorData };
