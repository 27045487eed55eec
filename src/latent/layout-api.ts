/**
 * The layout channels of the contract (latent.layout, latent.place) as engine handlers.
 */
import type { EngineHandler, HandlerContext } from '../host/handler';
import { sessionOptions } from './engine-api';
import type { LayoutProgress } from './layouts';
import { placeInLayout, sessionLayout } from './layout-session';
import { latentSession } from './session';
import { resolvePoint } from './operations';
import { float32Base64 } from './wire';

function layoutProgress(ctx: HandlerContext) {
  const started = performance.now();
  return (p: LayoutProgress) => {
    const rate = p.done / Math.max((performance.now() - started) / 1000, 1e-3);
    ctx.progress({ phase: 'layout', done: p.done, total: p.total, rate, etaSeconds: (p.total - p.done) / rate, data: { stage: p.stage } });
  };
}

export const layoutLatents: EngineHandler<'latent.layout'> = async ({ runDir, dataset, method, seed }, ctx) => {
  const s = await latentSession(runDir, dataset, sessionOptions(ctx));
  const layout = await sessionLayout(s, runDir, method, { seed, signal: ctx.signal, onProgress: layoutProgress(ctx) });
  return { method, seed, count: s.latents.count, points: float32Base64(layout.points), cached: layout.cached, seconds: layout.seconds };
};

export const placeLatents: EngineHandler<'latent.place'> = async ({ runDir, dataset, method, seed, z }, ctx) => {
  const s = await latentSession(runDir, dataset, sessionOptions(ctx));
  const layout = await sessionLayout(s, runDir, method, { seed, signal: ctx.signal, onProgress: layoutProgress(ctx) });
  const vectors = Float32Array.from(z.flatMap((v) => resolvePoint(s, { z: v })));
  return { points: float32Base64(await placeInLayout(s, layout, vectors, z.length)) };
};
