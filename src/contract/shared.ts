/** Shared value types and the helpers every part of the contract uses (fsPath, result). Part of the contract (src/contract/index.ts re-exports every file). */
import { z } from 'zod';

/**
 * The one contract between the UI and everything behind it.
 *
 * Every request the renderer can make (its channel name, the payload schema checked at run
 * time, the result type) and every event it can receive is declared here. Electron main,
 * the preload, the web-mode server, the renderer's bridge, the engine and the tests all
 * derive from these maps; tests fail when a channel has no handler or a handler no channel.
 *
 * Two kinds of request:
 *  - engine requests run in the engine process (src/engine.ts): model work, files, datasets;
 *  - shell requests are OS work done by the host of the window: native dialogs (Electron
 *    main), or their web-mode stand-ins (src/server).
 */

/**
 * A file or folder path on the engine's disk. Every path a request carries is declared with
 * this (never a bare string), 'read' when the engine only reads there (the app's bundled sample
 * set may be read, never written), so web mode can confine them all in one place
 * (src/server/confine.ts walks a payload's schema for these marks); a test fails on a request
 * field that is named like a path but not declared as one.
 */
export const fsPath = (access: 'read' | 'write' = 'write') => z.string().min(1).max(4096).meta({ fsPath: access });

/**
 * A folder inside a project, stored relative to the project folder in project.json: never
 * absolute and never climbing out with "..", so a project file cannot point the engine
 * elsewhere on the disk.
 */
export const projectRelativeDir = () =>
  z
    .string()
    .min(1)
    .max(4096)
    .refine((p) => !/^([\\/]|[A-Za-z]:)/.test(p) && !p.split(/[\\/]/).includes('..'), { error: 'must be a folder inside the project: a relative path without ".."' })
    .meta({ projectRelative: true });

/**
 * The limits of a number setting, exported once: the contract's schema (numberIn), the CLI's
 * flag table and the renderer's forms all read them, so none can drift from the others. min and
 * max are inclusive unless `open` names the excluded ones ('min': above min; 'both': strictly
 * between); an infinite bound is no bound.
 */
export interface NumberLimit {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly open?: 'min' | 'both';
}

/** A whole-number limit, min and max inclusive (an infinite bound is no bound). */
export const wholeLimit = (min: number, max: number): NumberLimit => ({ min, max, integer: true });
/** A limit for a number that may have a fraction; open names the bounds that are themselves refused. */
export const decimalLimit = (min: number, max: number, open?: NumberLimit['open']): NumberLimit => ({ min, max, integer: false, ...(open ? { open } : {}) });

/** The schema of a number within `limit`. */
export function numberIn(limit: NumberLimit) {
  let schema = z.number();
  if (limit.integer) schema = schema.int();
  if (Number.isFinite(limit.min)) schema = limit.open ? schema.gt(limit.min) : schema.min(limit.min);
  if (Number.isFinite(limit.max)) schema = limit.open === 'both' ? schema.lt(limit.max) : schema.max(limit.max);
  return schema;
}

/** "a whole number from 1 to 100000", "a number above 0 and below 1", "a whole number of 0 or more": for help texts and errors. */
export function describeLimit(limit: NumberLimit): string {
  const kind = limit.integer ? 'a whole number' : 'a number';
  if (limit.min === -Infinity) return kind;
  if (limit.open === 'both') return `${kind} above ${limit.min} and below ${limit.max}`;
  if (limit.open === 'min') return limit.max === Infinity ? `${kind} above ${limit.min}` : `${kind} above ${limit.min} and at most ${limit.max}`;
  return limit.max === Infinity ? `${kind} of ${limit.min} or more` : `${kind} from ${limit.min} to ${limit.max}`;
}

/** Whether `n` lies within `limit` (what numberIn's schema accepts, for the forms that check before sending). */
export function withinLimit(n: number, limit: NumberLimit): boolean {
  if (!Number.isFinite(n) || (limit.integer && !Number.isSafeInteger(n))) return false;
  return (limit.open ? n > limit.min : n >= limit.min) && (limit.open === 'both' ? n < limit.max : n <= limit.max);
}

/** Marks a result type in a channel map; the value is never read. */
export const result = <T>() => undefined as unknown as T;

// ---------------------------------------------------------------------------------------
// Shared value types

/** The tfjs backend the engine computes on, as users see it. */
export type BackendLabel = 'tfjs-node' | 'wasm' | 'cpu';

export interface EngineInfo {
  backend: BackendLabel;
  /** Why this backend: e.g. "tfjs-node not installed; using wasm with training kernels". */
  backendReason: string;
  tfjsVersion: string;
  appVersion: string;
  nodeVersion: string;
  pid: number;
}

export interface AppPaths {
  /** Default folder for new datasets and runs (LATENT_ATLAS_WORKSPACE, else ~/LatentAtlas). */
  workspace: string;
  /** The bundled sample dataset (ready to train), or null if the install lacks it. */
  sampleDataset: string | null;
}

export interface SpeedResult {
  backend: BackendLabel;
  gflops: number;
  iterations: number;
  seconds: number;
}
