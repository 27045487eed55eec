/**
 * Real image sets for the benchmarks, fetched at bench time (never read from the repo): the
 * 3,786 64x64 Twemoji PNGs of emoji-datasource-twitter (npm pack) and the Dungeon Crawl
 * Stone Soup tiles of Debian's crawl-tiles-data (apt-get download).
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ImportResult } from '../../src/data/import';
import { importSheets } from '../../src/data/sheet-import';

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

/** Debian package with the Dungeon Crawl Stone Soup tiles (CC0), and the sheets cut from it. */
export const DCSS_PACKAGE = 'crawl-tiles-data';
export const DCSS_SHEETS = ['main.png', 'player.png', 'feat.png', 'floor.png', 'wall.png'] as const;

/** A folder under os.tmpdir() that survives between bench runs, for fetched data keyed by name. */
export async function benchCacheDir(key: string): Promise<string> {
  const dir = path.join(os.tmpdir(), 'latent-atlas-bench-cache', key.replace(/[^A-Za-z0-9._-]+/g, '_'));
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

/** The Twemoji folder of fetchEmoji, fetched once into the bench cache and reused afterwards. */
export async function cachedEmoji(): Promise<string> {
  const dir = await benchCacheDir(EMOJI_PACKAGE);
  const done = path.join(dir, 'complete');
  const images = path.join(dir, 'package', 'img', 'twitter', '64');
  if (await exists(done)) return images;
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const folder = await fetchEmoji(dir);
  await fs.writeFile(done, 'ok\n');
  return folder;
}

const exists = (p: string): Promise<boolean> =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/** Find a file by name below `root` (the sheets' folder moves between package versions). */
async function findFile(root: string, name: string): Promise<string | null> {
  for (const e of await fs.readdir(root, { withFileTypes: true })) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) {
      const hit = await findFile(p, name);
      if (hit) return hit;
    } else if (e.name === name) return p;
  }
  return null;
}

/** The crawl-tiles-data .deb in `cache` (`apt-get download` it the first time) and its version. */
async function dcssDeb(cache: string, onLog: (line: string) => void): Promise<{ deb: string; version: string }> {
  let deb = (await fs.readdir(cache)).find((f) => f.endsWith('.deb'));
  if (!deb) {
    onLog(`apt-get download ${DCSS_PACKAGE}`);
    const download = (): void => {
      execFileSync('apt-get', ['download', '-q', DCSS_PACKAGE], { cwd: cache, stdio: ['ignore', 'pipe', 'pipe'] });
    };
    try {
      download();
    } catch {
      // Stale package lists name a file the mirror no longer has: refresh them once.
      onLog('apt-get update -qq (package lists look stale)');
      execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'pipe', 'pipe'] });
      download();
    }
    deb = (await fs.readdir(cache)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${DCSS_PACKAGE} left no .deb in ${cache}`);
  }
  return {
    deb: path.join(cache, deb),
    version: decodeURIComponent(deb)
      .replace(/^[^_]+_/, '')
      .replace(/_[^_]+\.deb$/, ''),
  };
}

/**
 * One whole sheet of crawl-tiles-data (e.g. floor.png), as the package ships it, kept in the
 * bench cache (fetched at test or bench time, never committed).
 */
export async function fetchDcssSheet(name: (typeof DCSS_SHEETS)[number], onLog: (line: string) => void = () => {}): Promise<{ file: string; version: string }> {
  const cache = await benchCacheDir(DCSS_PACKAGE);
  const { deb, version } = await dcssDeb(cache, onLog);
  const file = path.join(cache, 'sheets', version.replace(/[^\w.-]+/g, '_'), name);
  if (await exists(file)) return { file, version };
  const tmp = await fs.mkdtemp(path.join(cache, 'x-'));
  try {
    execFileSync('dpkg-deb', ['-x', deb, tmp]);
    const found = await findFile(tmp, name);
    if (!found) throw new Error(`${DCSS_PACKAGE} ${version} has no ${name}`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.copyFile(found, `${file}.part`);
    await fs.rename(`${file}.part`, file);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return { file, version };
}

/**
 * Dungeon Crawl Stone Soup's sprites as the quality bench and the collapse test use them: the two
 * sheets of whole sprites (player.png: monsters and player bodies; main.png: items), cut by the
 * app's own automatic slicing (islands of opaque pixels; touching sprites cut at 32 px) and
 * imported at 32x32 RGBA with nearest resampling, as a pixel-art user would, into `output`.
 * The grid cut of every sheet used before mixed parts of neighbouring sprites in many cells, and
 * half the set was floor and wall textures, not sprites.
 */
export async function importDcssSprites(output: string, onLog: (line: string) => void = () => {}): Promise<ImportResult & { version: string }> {
  const sheets = [await fetchDcssSheet('player.png', onLog), await fetchDcssSheet('main.png', onLog)];
  const result = await importSheets({
    sheets: sheets.map((s) => s.file),
    slicing: { mode: 'auto', alphaThreshold: 0, gap: 0, minArea: 16, splitWidth: 32, splitHeight: 32 },
    output,
    options: { size: 32, channels: 'rgba', resampling: 'nearest' },
  });
  return { ...result, version: sheets[0].version };
}
