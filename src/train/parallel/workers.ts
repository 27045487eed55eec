import os from 'node:os';
import { AtlasError } from '../../errors';
import type { ResolvedTrainConfig } from '../config';

/** How many data-parallel replicas train: 1, 2, or 'auto' (2 where it was measured to pay). */
export type WorkersSetting = 1 | 2 | 'auto';

/** Below this global batch each half is too small for two wasm instances to beat one. */
export const MIN_PARALLEL_BATCH = 32;

/**
 * The replica count for a run. Two replicas need the wasm backend (every replica runs the same
 * wasm kernels, so they stay bit-identical; tfjs-node already uses every core) and an objective
 * whose batch-mean gradient is the row-weighted mean of its halves' gradients: free bits clamp
 * the batch-mean KL, so they do not split. (The calibrated decoder does: a step uses the running
 * s^2 of earlier batches, and the halves' batch MSEs are combined to update it.)
 */
export function resolveWorkers(setting: WorkersSetting | undefined, ctx: { backend: string; batch: number; cfg: Pick<ResolvedTrainConfig, 'freeBits' | 'model'> }): 1 | 2 {
  const s = setting ?? 'auto';
  if (s !== 1 && s !== 2 && s !== 'auto') throw new AtlasError('invalid_input', `workers must be 1, 2 or "auto"; got ${JSON.stringify(s)}.`);
  if (s === 1) return 1;
  const blocker =
    ctx.backend !== 'wasm'
      ? `the ${ctx.backend === 'tensorflow' ? 'tfjs-node' : ctx.backend} backend (two workers are for wasm only)`
      : ctx.cfg.freeBits > 0
        ? 'free bits (they clamp the KL of the whole batch, which does not split into halves)'
        : ctx.batch < 2
          ? 'a batch of one image'
          : null;
  if (s === 2) {
    if (blocker) throw new AtlasError('unsupported', `Training with 2 workers is not possible with ${blocker}. Set workers to 1 or "auto".`);
    return 2;
  }
  return !blocker && os.availableParallelism() >= 2 && ctx.batch >= MIN_PARALLEL_BATCH ? 2 : 1;
}
