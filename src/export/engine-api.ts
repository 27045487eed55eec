/** The export channels of the contract, as engine handlers over src/export. */
import type { EngineHandler } from '../host/handler';
import { sessionOptions } from '../latent/engine-api';
import { exportFrames } from './export';
import { exportProjector } from './projector';

export const exportFramesHandler: EngineHandler<'export.frames'> = async (payload, ctx) => {
  ctx.progress({ phase: 'decoding', done: 0, total: null });
  // The signal reaches the decoding, the per-frame encoding and the staging of each file.
  return exportFrames(payload, sessionOptions(ctx), (phase, done, total) => ctx.progress({ phase, done, total }));
};

export const exportProjectorHandler: EngineHandler<'export.projector'> = async (payload, ctx) => {
  ctx.progress({ phase: 'encoding', done: 0, total: null });
  return exportProjector(payload, sessionOptions(ctx));
};
