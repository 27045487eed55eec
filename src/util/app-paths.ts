import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppPaths } from '../contract';

/** The repo or app root: dist/src/<bundle>.js -> two levels up; src/util/*.ts -> two levels up. */
function appRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** Where the bundled sample dataset (507 Twemoji, 32x32 RGBA; see assets/sample/README.md) lives, if it is there. */
export function sampleDatasetDir(): string | null {
  const dir = path.join(appRoot(), 'assets', 'sample', 'twemoji-32');
  return existsSync(path.join(dir, 'index.json')) ? dir : null;
}

export function appPaths(): AppPaths {
  return {
    workspace: process.env.LATENT_ATLAS_WORKSPACE ?? path.join(os.homedir(), 'LatentAtlas'),
    sampleDataset: sampleDatasetDir(),
  };
}
