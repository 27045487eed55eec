/**
 * An error from a request to the engine, with the contract's code ("cancelled",
 * "invalid_input", ...). Its own module, free of the DOM, so pure helpers that read errors
 * (errors.ts, project-open-error.ts) and their unit tests do not load the bridge.
 */
import type { AtlasErrorData } from '../../src/errors';

export class BridgeError extends Error implements AtlasErrorData {
  readonly code: AtlasErrorData['code'];
  readonly detail?: unknown;
  constructor(data: AtlasErrorData) {
    super(data.message);
    this.code = data.code;
    this.detail = data.detail;
  }
}
