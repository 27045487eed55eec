/**
 * The latent-tool channels of the contract (latent.*, the layouts, export.*, selection.exportCsv),
 * as engine handlers over src/latent, src/export and src/data.
 */
import type { LoadedModel } from '../model/load';
import type { LatentAttributeResult, LatentSessionChannel, LatentLabelPathResult, LatentRelabelResult, LatentPathResult, LatentProjection, LatentProjectionMap, PixelArtFinished } from '../contract';
import { paletteHex } from '../export/palette';
import type { FinishedImages } from '../export/pixel-art';
import { openDatasetCached } from '../data/dataset-cache';
import { writeSelectionCsv } from '../data/selection-csv';
import { exportFrames } from '../export/export';
import { exportProjector } from '../export/projector';
import type { EngineHandler, HandlerContext } from '../host/handler';
import { applyAttributeVector } from '../latent/attribute-operation';
import { labelWeights } from '../latent/conditional';
import { labelPath, relabel } from '../latent/conditional-operations';
import { ELLIPSOID_K, posteriorEllipsoids, priorEllipsoid } from '../latent/ellipsoids';
import { decodeImages, imageStrip } from '../latent/images';
import { nearestRows } from '../latent/neighbours';
import { placeInLayout, sessionLayout } from '../latent/layout-session';
import type { LayoutProgress } from '../latent/layouts';
import { interpolate, resolvePoint, sample, traverse } from '../latent/operations';
import { projectPoints, unprojectPoint, type Projection } from '../latent/projection';
import { runModel } from '../latent/run-model';
import { encodeReport, latentSession, projectionOf, type LatentSession, type SessionOptions } from '../latent/session';
import { float32Base64, int32Base64, uint8Base64 } from '../latent/wire';

/** The session's work reported as progress of the request that opened it: its phases are LatentSessionPhase (the contract). */
function sessionOptions(ctx: HandlerContext<LatentSessionChannel>, extra: Pick<SessionOptions, 'batchSize' | 'force'> = {}): SessionOptions {
  const started = performance.now();
  return {
    ...extra,
    signal: ctx.signal,
    onProgress: (done, total) => {
      const rate = done / Math.max((performance.now() - started) / 1000, 1e-3);
      ctx.progress({ phase: 'encoding', done, total, rate, etaSeconds: (total - done) / rate });
    },
    // Long decodes (1,024 samples, 256-frame paths) show their progress too, and a cancel ends them between batches.
    onStage: (stage, done, total) => ctx.progress({ phase: stage, done, total }),
  };
}

/** A run explored with a dataset it was not trained on works (same image shape) but deserves a note. */
function warnIfOtherData(s: LatentSession, ctx: HandlerContext): void {
  const trainedOn = s.run.model.metadata.datasetHash;
  if (trainedOn && trainedOn !== s.dataset.index.datasetHash)
    ctx.log('warn', `The model in ${s.run.modelDir} was trained on a different dataset than ${s.dataset.dir}; positions show how it sees these images.`);
}

export function projectionMap(p: Projection): LatentProjectionMap {
  return {
    method: p.method,
    axes: p.axes,
    centre: Array.from(p.centre),
    components: p.components.map((r) => Array.from(r)) as LatentProjectionMap['components'],
    explained: p.explained,
  };
}

/** The finished images of a result, laid out like its raw strip (nothing when finishing was off). */
async function finishedResult(f: FinishedImages | undefined, columns?: number): Promise<{ finished?: PixelArtFinished }> {
  if (!f) return {};
  return { finished: { strip: await imageStrip(f.images, columns), palette: paletteHex(f.palette), colors: f.palette.colors, alphaThreshold: f.alphaThreshold } };
}

export const encodeLatents: EngineHandler<'latent.encode'> = async ({ runDir, dataset, batchSize, force, otherDataset }, ctx) => {
  const s = await latentSession(runDir, dataset, { ...sessionOptions(ctx, { batchSize, force }), acceptOtherDataset: otherDataset });
  warnIfOtherData(s, ctx);
  return encodeReport(s);
};

export const projectLatents: EngineHandler<'latent.project'> = async ({ runDir, dataset, axes, batchSize }, ctx): Promise<LatentProjection> => {
  const s = await latentSession(runDir, dataset, sessionOptions(ctx, { batchSize }));
  warnIfOtherData(s, ctx);
  const p = projectionOf(s, axes);
  const { latents } = s;
  const { index } = s.dataset;
  const labelOf = new Map(index.labels.map((l, i) => [l, i]));
  return {
    ...encodeReport(s),
    projection: projectionMap(p),
    points: float32Base64(projectPoints(p, latents.mu, latents.count)),
    labels: index.labels,
    labelIndex: int32Base64(index.items.map((it) => (it.label === null ? -1 : (labelOf.get(it.label) ?? -1)))),
    split: uint8Base64(Uint8Array.from(index.items, (it) => (it.split === 'val' ? 1 : 0))),
    reconError: float32Base64(latents.reconError),
    kl: float32Base64(latents.kl),
    ellipsoids: float32Base64(posteriorEllipsoids(p, latents.logvar, latents.count)),
    ellipsoidK: [...ELLIPSOID_K],
    prior: priorEllipsoid(p),
  };
};

export const decodeLatents: EngineHandler<'latent.decode'> = async (payload, ctx) => {
  let z: number[][];
  let model: LoadedModel;
  if ('points' in payload) {
    const s = await latentSession(payload.runDir, payload.dataset, sessionOptions(ctx));
    const p = projectionOf(s, payload.axes);
    z = payload.points.map((y) => unprojectPoint(p, y));
    model = s.run.model;
  } else {
    z = payload.z;
    model = (await runModel(payload.runDir)).model;
  }
  const images = await decodeImages(model, z, { pixelNoise: payload.pixelNoise, seed: payload.seed, labels: labelWeights(model, z.length, payload.label) });
  return { z, strip: await imageStrip(images) };
};

export const relabelLatents: EngineHandler<'latent.relabel'> = async (spec, ctx): Promise<LatentRelabelResult> => {
  const r = await relabel(spec, sessionOptions(ctx));
  return { labels: r.labels, ownLabels: r.ownLabels, z: r.z, strip: await imageStrip(r.images, r.z.length) };
};

export const labelPathLatents: EngineHandler<'latent.labelPath'> = async (spec, ctx): Promise<LatentLabelPathResult> => {
  const r = await labelPath(spec, sessionOptions(ctx));
  return { z: r.z, t: r.t, strip: await imageStrip(r.images) };
};

export const latentNeighbours: EngineHandler<'latent.neighbours'> = async ({ runDir, dataset, queries, k, excludeSelf }, ctx) => {
  const s = await latentSession(runDir, dataset, sessionOptions(ctx));
  const { mu, latentDim: J, count } = s.latents;
  const q = Float32Array.from(queries.flatMap((p) => resolvePoint(s, p)));
  const self = queries.map((p) => ('index' in p ? p.index : -1));
  const found = await nearestRows(q, queries.length, J, count, (a, b) => mu.subarray(a * J, b * J), Math.min(k, count), excludeSelf ? (qi, i) => self[qi] === i : undefined, ctx.signal);
  return { neighbours: found };
};

export const interpolateLatents: EngineHandler<'latent.interpolate'> = async (spec, ctx): Promise<LatentPathResult> => {
  const r = await interpolate(spec, {
    ...sessionOptions(ctx),
    onGeodesicStep: (step, energy) => ctx.progress({ phase: 'geodesic', done: step, total: spec.geodesic.iterations, data: { energy } }),
  });
  return {
    method: spec.method,
    z: r.z,
    points: float32Base64(r.points),
    strip: await imageStrip(r.images),
    length: r.length,
    linearLength: r.linearLength,
    ...(r.geodesic ? { geodesic: r.geodesic } : {}),
    ...(await finishedResult(r.finished)),
  };
};

export const sampleLatents: EngineHandler<'latent.sample'> = async (spec, ctx) => {
  const r = await sample(spec, sessionOptions(ctx));
  const columns = Math.ceil(Math.sqrt(r.z.length));
  return { z: r.z, points: float32Base64(r.points), strip: await imageStrip(r.images, columns), nearest: r.nearest, ...(await finishedResult(r.finished, columns)) };
};

export const traverseLatents: EngineHandler<'latent.traverse'> = async (spec, ctx) => {
  const r = await traverse(spec, sessionOptions(ctx));
  return {
    z: r.z,
    points: float32Base64(r.points),
    strip: await imageStrip(r.images, r.values.length),
    nearest: r.nearest,
    dims: r.dims,
    values: r.values,
    ...(await finishedResult(r.finished, r.values.length)),
  };
};

export const attributeLatents: EngineHandler<'latent.attribute'> = async (spec, ctx): Promise<LatentAttributeResult> => {
  const r = await applyAttributeVector(spec, sessionOptions(ctx));
  return {
    vector: r.vector,
    norm: r.norm,
    positiveCount: r.positiveCount,
    negativeCount: r.negativeCount,
    strengths: r.strengths,
    z: r.z,
    points: float32Base64(r.points),
    strip: await imageStrip(r.images),
    ...(await finishedResult(r.finished)),
  };
};

function layoutProgress(ctx: HandlerContext<'latent.layout' | 'latent.place'>) {
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

export const exportFramesHandler: EngineHandler<'export.frames'> = async (payload, ctx) => {
  ctx.progress({ phase: 'decoding', done: 0, total: null });
  // The signal reaches the decoding, the per-frame encoding and the staging of each file.
  return exportFrames(payload, sessionOptions(ctx), (phase, done, total) => ctx.progress({ phase, done, total }));
};

export const exportProjectorHandler: EngineHandler<'export.projector'> = async (payload, ctx) => {
  ctx.progress({ phase: 'encoding', done: 0, total: null });
  return exportProjector(payload, sessionOptions(ctx));
};

export const exportSelectionCsv: EngineHandler<'selection.exportCsv'> = async ({ dataset, indices, file, overwrite }) => {
  const { index } = await openDatasetCached(dataset);
  return writeSelectionCsv(index, indices, file, overwrite);
};
