/**
 * `encode --layout pca|dims|umap|tsne`: after encoding, lay the posterior means out in 3D as
 * the Explore view does (UMAP/t-SNE cached in <run>/layouts/ like the app's), and with
 * --points write every image's 3D position as CSV (index, file, label, x, y, z).
 */
import path from 'node:path';
import { projectionOf, type LatentSession } from '../latent/session';
import { projectPoints } from '../latent/projection';
import { sessionLayout } from '../latent/layout-session';
import { describeLimit, LATENT_DEFAULTS, LATENT_LIMITS, withinLimit, type LayoutMethod } from '../contract';
import { writeFileAtomic } from '../util/atomic-write';
import { limited, text, type FlagTable } from './flag-table';
import { CliUsageError, createProgressPrinter, endProgress, shown } from './output';

export const layoutFlags = {
  layout: text('pca|dims|umap|tsne', 'After encoding, lay the images out in 3D as the Explore view does (UMAP and t-SNE are cached).'),
  dims: text('A,B,C', 'With --layout dims: the three latent dimensions to use as axes (default 0,1,2).'),
  seed: limited(LATENT_LIMITS.layoutSeed, `With --layout umap or tsne: the seed of the layout (default ${LATENT_DEFAULTS.layoutSeed}).`),
  points: text('FILE.csv', "With --layout: write every image's 3D position as CSV (index, file, label, x, y, z)."),
} satisfies FlagTable;

const METHODS: readonly LayoutMethod[] = ['pca', 'dims', 'umap', 'tsne'];

export interface EncodeLayoutReport {
  method: LayoutMethod;
  /** UMAP/t-SNE: the seed, whether it came from <run>/layouts/, and its compute time. */
  seed?: number;
  cached?: boolean;
  seconds: number;
  /** PCA/dims: share of the means' variance along each axis. */
  explained?: [number, number, number];
  dims?: [number, number, number];
  /** The CSV written (--points). */
  points?: string;
}

/** The layout flags checked before any work starts (a typo should not cost an encode). */
export function layoutRequest(values: Record<string, unknown>): { method: LayoutMethod; dims: [number, number, number] | null; seed: number; points: string | null } | null {
  if (values.layout === undefined) {
    for (const flag of ['dims', 'seed', 'points']) if (values[flag] !== undefined) throw new CliUsageError(`--${flag} needs --layout`);
    return null;
  }
  const method = String(values.layout) as LayoutMethod;
  if (!METHODS.includes(method)) throw new CliUsageError(`--layout must be one of ${METHODS.join(', ')} (got "${values.layout}")`);
  let dims: [number, number, number] | null = null;
  if (values.dims !== undefined) {
    if (method !== 'dims') throw new CliUsageError('--dims goes with --layout dims');
    const list = String(values.dims)
      .split(',')
      .map((v) => Number(v.trim()));
    if (list.length !== 3 || !list.every((v) => Number.isInteger(v) && v >= 0)) throw new CliUsageError(`--dims takes three latent dimensions such as 0,1,2 (got "${values.dims}")`);
    dims = list as [number, number, number];
  } else if (method === 'dims') dims = [0, 1, 2];
  const seed = values.seed === undefined ? LATENT_DEFAULTS.layoutSeed : Number(values.seed);
  if (!withinLimit(seed, LATENT_LIMITS.layoutSeed)) throw new CliUsageError(`--seed must be ${describeLimit(LATENT_LIMITS.layoutSeed)} (got "${values.seed}")`);
  if (values.seed !== undefined && (method === 'pca' || method === 'dims')) throw new CliUsageError(`--seed applies to umap and tsne only; ${method} is not random`);
  return { method, dims, seed, points: values.points === undefined ? null : String(values.points) };
}

export async function encodeLayout(s: LatentSession, runDir: string, request: NonNullable<ReturnType<typeof layoutRequest>>, signal: AbortSignal, quiet: boolean): Promise<EncodeLayoutReport> {
  const { method } = request;
  let points: Float32Array;
  let report: EncodeLayoutReport;
  const started = performance.now();
  if (method === 'pca' || method === 'dims') {
    const p = projectionOf(s, method === 'dims' ? request.dims : null);
    points = projectPoints(p, s.latents.mu, s.latents.count);
    report = { method, seconds: (performance.now() - started) / 1000, explained: p.explained, ...(p.axes ? { dims: p.axes } : {}) };
  } else {
    const print = createProgressPrinter();
    try {
      const layout = await sessionLayout(s, runDir, method, { seed: request.seed, signal, onProgress: (p) => print({ phase: `${method} ${p.stage}`, done: p.done, total: p.total }) });
      points = layout.points;
      report = { method, seed: request.seed, cached: layout.cached, seconds: layout.seconds };
    } finally {
      endProgress();
    }
  }
  if (request.points) {
    const file = path.resolve(request.points);
    await writeFileAtomic(file, pointsCsv(s, points));
    report.points = file;
  }
  if (!quiet)
    process.stderr.write(
      `Layout ${method}${report.cached ? ' (cached)' : ''}: ${s.latents.count} images in ${report.seconds.toFixed(1)}s${report.explained ? `, axes explain ${(report.explained.reduce((a, b) => a + b, 0) * 100).toFixed(1)}% of the variance` : ''}${report.points ? `; points written to ${shown(report.points)}` : ''}.\n`,
    );
  return report;
}

function pointsCsv(s: LatentSession, points: Float32Array): string {
  const field = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = ['index,file,label,x,y,z'];
  s.dataset.index.items.forEach((item, i) => {
    rows.push(`${i},${field(item.source)},${field(item.label ?? '')},${points[i * 3]},${points[i * 3 + 1]},${points[i * 3 + 2]}`);
  });
  return rows.join('\n') + '\n';
}
