import * as tf from '@tensorflow/tfjs';
import type { BackendLabel, Payload, SpeedResult } from '../contract';
import { throwIfCancelled } from '../errors';
import type { HandlerContext } from '../host/handler';

/**
 * How many GFLOPS this machine's backend reaches on a square matmul: the number the status
 * bar shows as "engine speed". Runs for about `seconds`, reports progress, honours cancel.
 */
export async function measureMatmulSpeed(backend: BackendLabel, { seconds, size }: Payload<'engine.measureSpeed'>, ctx: HandlerContext<'engine.measureSpeed'>): Promise<SpeedResult> {
  const a = tf.randomUniform([size, size], -1, 1, 'float32', 1);
  const b = tf.randomUniform([size, size], -1, 1, 'float32', 2);
  try {
    tf.tidy(() => tf.matMul(a, b)).dispose(); // warm-up: first call compiles/packs
    const start = performance.now();
    let iterations = 0;
    while ((performance.now() - start) / 1000 < seconds) {
      const c = tf.matMul(a, b);
      await c.data(); // wait for the real work, not just its scheduling
      c.dispose();
      iterations += 1;
      const elapsed = (performance.now() - start) / 1000;
      ctx.progress({ phase: 'measuring', done: Math.min(elapsed, seconds), total: seconds, rate: iterations / elapsed, etaSeconds: Math.max(0, seconds - elapsed) });
      // Yield so a cancel message can arrive between iterations.
      await new Promise((resolve) => setImmediate(resolve));
      throwIfCancelled(ctx.signal);
    }
    const elapsed = (performance.now() - start) / 1000;
    return { backend, gflops: (2 * size ** 3 * iterations) / elapsed / 1e9, iterations, seconds: elapsed };
  } finally {
    a.dispose();
    b.dispose();
  }
}
