import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AtlasError } from '../../errors';

/** The worker's entry in dist (src/tooling/build.mjs builds it next to the engine). */
export const WORKER_ENTRY = 'src/train-worker.js';
const WORKER_SOURCE = 'src/train/parallel/worker.ts';

let devBuild: Promise<string> | null = null;

/**
 * Path of the training worker's script. Bundled code lives in dist/src/ or dist/chunks/, two
 * levels below the repo root, so the worker is at ../src/train-worker.js from either. Run from
 * source (vitest, tsx) there is no bundle, so the worker is built once per process into
 * dist/dev/ (inside the repo, so its bare imports resolve from node_modules).
 */
export function trainWorkerFile(): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return (devBuild ??= buildFromSource(path.resolve(path.dirname(here), '..', '..', '..')));
  const file = fileURLToPath(new URL(`../${WORKER_ENTRY}`, import.meta.url));
  if (!existsSync(file))
    return Promise.reject(
      new AtlasError('not_found', `The training worker ${file} is missing, so training cannot use two workers. Rebuild the app (node src/tooling/build.mjs), or set workers to 1.`, { path: file }),
    );
  return Promise.resolve(file);
}

async function buildFromSource(root: string): Promise<string> {
  const { build } = await import('esbuild');
  const out = await build({
    absWorkingDir: root,
    entryPoints: [WORKER_SOURCE],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    write: false,
    logLevel: 'silent',
    banner: { js: "import { createRequire as __latentAtlasCreateRequire } from 'node:module'; const require = __latentAtlasCreateRequire(import.meta.url);" },
  });
  const code = out.outputFiles[0].contents;
  const dir = path.join(root, 'dist', 'dev');
  // Named by content and written by rename: parallel test processes never see half a file.
  const file = path.join(dir, `train-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.js`);
  if (!existsSync(file)) {
    await fs.mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, code);
    await fs.rename(tmp, file);
  }
  return file;
}
