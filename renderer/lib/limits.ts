/**
 * A number field's bounds from the contract's limit (TRAIN_LIMITS, IMPORT_LIMITS, ...), so the
 * forms' min and max are the limits the engine checks (an unbounded side gets no attribute).
 */
import type { NumberLimit } from '../../src/contract';

export function inputBounds(limit: NumberLimit, scale = 1): { min?: number; max?: number } {
  return {
    ...(Number.isFinite(limit.min) ? { min: limit.min * scale } : {}),
    ...(Number.isFinite(limit.max) ? { max: limit.max * scale } : {}),
  };
}
