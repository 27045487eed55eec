/**
 * Real image sets for the benchmarks, fetched at bench time (never read from the repo): the
 * 3,786 64x64 Twemoji PNGs of emoji-datasource-twitter (npm pack) and the Dungeon Crawl
 * Stone Soup tiles of Debian's crawl-tiles-data (apt-get download).
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

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
const DCSS_TILE = 32;

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

/**
 * A tile says nothing when it is fully transparent or one flat colour: every channel
 * (alpha included) spans at most `tolerance` of 255 over its pixels.
 */
export function isBlankTile(rgba: Uint8Array, tolerance = 2): boolean {
  let maxAlpha = 0;
  const lo = [255, 255, 255, 255];
  const hi = [0, 0, 0, 0];
  for (let i = 0; i < rgba.length; i += 4) {
    for (let c = 0; c < 4; c++) {
      const v = rgba[i + c];
      if (v < lo[c]) lo[c] = v;
      if (v > hi[c]) hi[c] = v;
    }
    if (rgba[i + 3] > maxAlpha) maxAlpha = rgba[i + 3];
  }
  return maxAlpha === 0 || hi.every((h, c) => h - lo[c] <= tolerance);
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
 * Dungeon Crawl Stone Soup tiles as a folder of 32x32 RGBA PNGs, one subfolder per sheet
 * (main, player, feat, floor, wall): `apt-get download crawl-tiles-data` (Debian's mirror),
 * `dpkg-deb -x`, each sheet cut on the 32-pixel grid with sharp, fully transparent and
 * single-colour cells dropped. The sheets pack most tiles on that grid but not all, so a few
 * cells hold parts of two tiles. Everything is cached under os.tmpdir(), so only the first run
 * downloads; `onLog` hears what happens.
 */
export async function fetchDcssTiles(onLog: (line: string) => void = () => {}): Promise<{ folder: string; tiles: number; version: string }> {
  const cache = await benchCacheDir(DCSS_PACKAGE);
  const tilesDir = path.join(cache, 'tiles-32');
  const done = path.join(tilesDir, 'complete.json');
  if (await exists(done)) {
    const info = JSON.parse(await fs.readFile(done, 'utf8')) as { tiles: number; version: string };
    return { folder: tilesDir, ...info };
  }
  const { deb, version } = await dcssDeb(cache, onLog);
  const extracted = path.join(cache, 'extracted');
  await fs.rm(extracted, { recursive: true, force: true });
  execFileSync('dpkg-deb', ['-x', deb, extracted]);
  await fs.rm(tilesDir, { recursive: true, force: true });
  let tiles = 0;
  for (const name of DCSS_SHEETS) {
    const sheet = await findFile(extracted, name);
    if (!sheet) throw new Error(`${DCSS_PACKAGE} ${version} has no ${name}`);
    const { data, info } = await sharp(sheet).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const out = path.join(tilesDir, path.basename(name, '.png'));
    await fs.mkdir(out, { recursive: true });
    const T = DCSS_TILE;
    const cell = new Uint8Array(T * T * 4);
    let kept = 0;
    for (let ty = 0; ty + T <= info.height; ty += T)
      for (let tx = 0; tx + T <= info.width; tx += T) {
        for (let y = 0; y < T; y++) cell.set(data.subarray(((ty + y) * info.width + tx) * 4, ((ty + y) * info.width + tx + T) * 4), y * T * 4);
        if (isBlankTile(cell)) continue;
        const file = path.join(out, `${String(ty / T).padStart(3, '0')}-${String(tx / T).padStart(2, '0')}.png`);
        await sharp(cell, { raw: { width: T, height: T, channels: 4 } })
          .png()
          .toFile(file);
        kept++;
      }
    onLog(`${name}: ${info.width}x${info.height}, ${kept} tiles kept`);
    tiles += kept;
  }
  await fs.rm(extracted, { recursive: true, force: true });
  await fs.writeFile(done, JSON.stringify({ tiles, version, sheets: DCSS_SHEETS }) + '\n');
  return { folder: tilesDir, tiles, version };
}
