/**
 * The one error type that crosses the engine boundary. Every failure a user can cause is
 * thrown as an AtlasError whose message says what was wrong, with which file or value, and
 * what to do; `code` is stable for the UI and tests, `detail` carries data (paths, limits).
 */
export type AtlasErrorCode =
  | 'bad_request' // payload failed contract validation
  | 'unknown_channel'
  | 'cancelled' // the user (or a newer request) cancelled it
  | 'engine_died' // the engine process exited while the request ran
  | 'not_found' // a file, folder, dataset or model is missing
  | 'invalid_input' // a value or file the user gave cannot be used
  | 'empty_dataset'
  | 'io_error' // reading or writing failed (full disk, permissions)
  | 'unsupported' // not possible in this mode or on this backend
  | 'internal'; // a bug: the message is the best we know

export interface AtlasErrorData {
  code: AtlasErrorCode;
  message: string;
  detail?: unknown;
}

export class AtlasError extends Error implements AtlasErrorData {
  readonly code: AtlasErrorCode;
  readonly detail?: unknown;
  constructor(code: AtlasErrorCode, message: string, detail?: unknown) {
    super(message);
    this.name = 'AtlasError';
    this.code = code;
    this.detail = detail;
  }

  toJSON(): AtlasErrorData {
    return { code: this.code, message: this.message, detail: this.detail };
  }
}

/** Turn anything thrown into the plain {code, message, detail} that travels over IPC. */
export function toErrorData(err: unknown): AtlasErrorData {
  if (err instanceof AtlasError) return err.toJSON();
  if (err instanceof Error) {
    if (err.name === 'AbortError') return { code: 'cancelled', message: 'Cancelled.' };
    return { code: 'internal', message: err.message, detail: err.stack };
  }
  return { code: 'internal', message: String(err) };
}

/** Throw a 'cancelled' AtlasError if the signal has fired; call between units of work. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AtlasError('cancelled', 'Cancelled.');
}

/**
 * A cancel point in long work: lets the event loop run (the engine hears a cancel message only
 * between tasks, and awaiting a tensor's data does not yield to it), then throws if cancelled.
 */
export async function cancelPoint(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return;
  // (setTimeout, not setImmediate: the renderer's build reads this file too.)
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  throwIfCancelled(signal);
}
