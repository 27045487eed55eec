/** The export channel of the contract, as an engine handler over src/export. */
import type { EngineHandler } from '../host/handler';
import { sessionOptions } from '../latent/engine-api';
import { exportFrames } from './export';

export const exportFramesHandler: EngineHandler<'export.frames'> = async (payload, ctx) => {
  ctx.progress({ phase: 'decoding', done: 0, total: null });
  return exportFrames(payload, sessionOptions(ctx));
};
