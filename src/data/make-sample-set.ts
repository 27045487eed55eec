/**
 * Builds the bundled sample set, assets/sample/twemoji-32/ (a ready dataset: index.json +
 * pixels.bin, 32x32 RGBA), from the Twemoji PNGs in the npm package emoji-datasource-twitter.
 * Twemoji artwork is CC-BY 4.0; the attribution lives in assets/sample/ATTRIBUTION.md.
 *
 * Run from the repo root (esbuild bundles it; sharp stays external and resolves from node_modules):
 *   npx esbuild src/data/make-sample-set.ts --bundle --platform=node --format=esm \
 *     --packages=external --outfile=node_modules/.cache/make-sample-set.mjs \
 *     && node node_modules/.cache/make-sample-set.mjs
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importImages } from './import';

export const SAMPLE_PACKAGE = 'emoji-datasource-twitter@16.0.0';
export const SAMPLE_TARGET = 512;
/** Categories left out: Flags are near-identical rectangles, Component holds skin-tone swatches. */
const SKIP_CATEGORIES = new Set(['Flags', 'Component']);

interface EmojiEntry {
  image: string;
  category: string;
  sort_order: number;
  has_img_twitter: boolean;
}

/** Evenly spaced picks from each category, in proportion to its size: deterministic for a package version. */
export function pickSample(entries: EmojiEntry[], target: number): EmojiEntry[] {
  const byCategory = new Map<string, EmojiEntry[]>();
  for (const e of entries) {
    if (!e.has_img_twitter || SKIP_CATEGORIES.has(e.category)) continue;
    if (!byCategory.has(e.category)) byCategory.set(e.category, []);
    byCategory.get(e.category)!.push(e);
  }
  const total = [...byCategory.values()].reduce((n, list) => n + list.length, 0);
  const picks: EmojiEntry[] = [];
  for (const [, list] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => a.sort_order - b.sort_order);
    const want = Math.max(1, Math.round((list.length * target) / total));
    for (let k = 0; k < want && k < list.length; k++) picks.push(list[Math.floor((k * list.length) / want)]);
  }
  return picks;
}

async function main(): Promise<void> {
  const repo = process.cwd();
  const out = path.join(repo, 'assets', 'sample', 'twemoji-32');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-sample-'));
  try {
    execFileSync('npm', ['pack', SAMPLE_PACKAGE, '--pack-destination', tmp, '--silent'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const tgz = (await fs.readdir(tmp)).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack produced no tarball');
    execFileSync('tar', ['xzf', path.join(tmp, tgz), '-C', tmp]);
    const pkg = path.join(tmp, 'package');
    const entries = JSON.parse(await fs.readFile(path.join(pkg, 'emoji.json'), 'utf8')) as EmojiEntry[];
    const picks = pickSample(entries, SAMPLE_TARGET);
    // One subfolder per category, so the importer labels each emoji with its category.
    const staged = path.join(tmp, 'staged');
    for (const e of picks) {
      await fs.mkdir(path.join(staged, e.category), { recursive: true });
      await fs.copyFile(path.join(pkg, 'img', 'twitter', '64', e.image), path.join(staged, e.category, e.image));
    }
    const result = await importImages({
      source: { folder: staged },
      output: out,
      cacheDir: null,
      options: { size: 32, channels: 'rgba', fit: 'contain', resampling: 'lanczos', valFraction: 0.1, seed: 1 },
    });
    console.log(JSON.stringify({ dataset: path.relative(repo, result.dataset), imported: result.imported, skipped: result.skipped, labels: result.labels, val: result.val }));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
