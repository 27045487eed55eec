/**
 * Errors in words: the engine's message says what went wrong; this adds what the user can
 * do about it, by error code, so every panel shows failures the same way.
 */
import { BridgeError } from './bridge-error';

export interface ShownError {
  message: string;
  advice: string;
}

const advice: Record<string, string> = {
  bad_request: 'This is a bug in the app: please report it with the message above.',
  unknown_channel: 'The engine is older than the window: restart Latent Atlas.',
  cancelled: '',
  engine_died: 'The engine restarts by itself; try again in a moment.',
  not_found: 'Check that the path exists on the machine running the engine.',
  invalid_input: 'Change the value or files named above and try again.',
  empty_dataset: 'Add images (PNG, JPEG, WebP, GIF) to the folder, or loosen the include/exclude filters.',
  io_error: 'Check free disk space and that the folder is writable.',
  unsupported: 'Use the path field instead.',
  internal: 'Try again; if it keeps happening, please report it with the message above.',
};

export function describeError(err: unknown): ShownError {
  if (err instanceof BridgeError) return { message: err.message, advice: advice[err.code] ?? '' };
  return { message: err instanceof Error ? err.message : String(err), advice: advice.internal };
}

export function isCancelled(err: unknown): boolean {
  return err instanceof BridgeError && err.code === 'cancelled';
}

export function isUnsupported(err: unknown): boolean {
  return err instanceof BridgeError && err.code === 'unsupported';
}
