/**
 * Real image sets for the benchmarks, fetched at bench time from the npm registry (never
 * read from the repo): the 3,786 64x64 Twemoji PNGs of emoji-datasource-twitter.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const EMOJI_PACKAGE = 'emoji-datasource-twitter@16.0.0';

/** Fetch the package into `tmp` with `npm pack` and return the folder of its 64x64 PNGs. */
export async function fetchEmoji(tmp: string): Promise<string> {
  execFileSync('npm', ['pack', EMOJI_PACKAGE, '--pack-destination', tmp, '--silent'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const tgz = (await fs.readdir(tmp)).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack ${EMOJI_PACKAGE} produced no tarball`);
  execFileSync('tar', ['xzf', path.join(tmp, tgz), '-C', tmp, 'package/img/twitter/64']);
  await fs.rm(path.join(tmp, tgz));
  return path.join(tmp, 'package', 'img', 'twitter', '64');
}
