/**
 * A number field's bounds from the contract's limit (TRAIN_LIMITS, IMPORT_LIMITS, ...), so the
 * forms' min and max are the limits the engine checks (an unbounded side gets no attribute).
 */
import { describeLimit, withinLimit, type NumberLimit } from '../../src/contract';

export function inputBounds(limit: NumberLimit, scale = 1): { min?: number; max?: number } {
  return {
    ...(Number.isFinite(limit.min) ? { min: limit.min * scale } : {}),
    ...(Number.isFinite(limit.max) ? { max: limit.max * scale } : {}),
  };
}

/**
 * A form's own range inside a contract limit, for a field that offers less than the engine takes
 * (a slider needs finite ends; a grid shows so many images): clamped into the limit, so the form
 * can never offer a value the engine refuses.
 */
export function narrowed(limit: NumberLimit, range: { min?: number; max?: number }): NumberLimit {
  return { ...limit, min: Math.max(limit.min, range.min ?? -Infinity), max: Math.min(limit.max, range.max ?? Infinity) };
}

/** A whole-number range a form works out itself (e.g. frames 1 to the source's count). */
export function wholeRange(min: number, max: number): NumberLimit {
  return { min, max, integer: true };
}

/** A number field as a form checks it: its label (for the message), the value typed, and its range. */
export type CheckedField = readonly [label: string, value: number, limit: NumberLimit];

/** The first field outside its range, in words ("Count must be a whole number from 1 to 64, got 0."), or null when all are inside. */
export function fieldError(fields: readonly CheckedField[]): string | null {
  for (const [label, value, limit] of fields) if (!withinLimit(value, limit)) return `${label} must be ${describeLimit(limit)}, got ${Number.isFinite(value) ? value : 'nothing'}.`;
  return null;
}
