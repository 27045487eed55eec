#!/usr/bin/env node
// Builds everything into dist/: the engine, CLI and web server (ESM, node_modules external),
// Electron main + preload (CommonJS; the sandboxed preload is fully bundled), and the
// renderer with Vite. `node src/tooling/build.mjs [--node-only]`.
import { build } from 'esbuild';
import { readFileSync, rmSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const define = { __APP_VERSION__: JSON.stringify(pkg.version) };
const nodeOnly = process.argv.includes('--node-only');
const started = Date.now();

rmSync(path.join(root, 'dist', 'src'), { recursive: true, force: true });
rmSync(path.join(root, 'dist', 'bench'), { recursive: true, force: true });
rmSync(path.join(root, 'dist', 'chunks'), { recursive: true, force: true });
rmSync(path.join(root, 'dist', 'electron'), { recursive: true, force: true });
mkdirSync(path.join(root, 'dist'), { recursive: true });

const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', define, logLevel: 'warning' };

await Promise.all([
  build({
    ...common,
    entryPoints: { 'src/engine': 'src/engine.ts', 'src/cli': 'src/cli.ts', 'bench/run': 'tests/bench/run.ts', 'src/train-worker': 'src/train/parallel/worker.ts' },
    outdir: 'dist',
    format: 'esm',
    packages: 'external',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // Bundled ESM has no require(); some code paths (optional tfjs-node) need one.
    banner: { js: "import { createRequire as __latentAtlasCreateRequire } from 'node:module'; const require = __latentAtlasCreateRequire(import.meta.url);" },
  }),
  build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs', format: 'cjs', packages: 'external', external: ['electron'] }),
  // A sandboxed preload may only require('electron'): everything else is bundled in.
  build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs', format: 'cjs', external: ['electron'] }),
]);

if (!nodeOnly) {
  const vite = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (vite.status !== 0) process.exit(vite.status ?? 1);
}
console.error(`build: done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
