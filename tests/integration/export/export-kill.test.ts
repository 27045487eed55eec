/**
 * kill -9 of `latent-atlas sample --out` at random moments while it replaces an earlier set of
 * 256 frames + sheet in the same folder: after every kill, once the folder is recovered (what
 * the next export into it does first), it holds exactly the old set or exactly the new one and
 * no temp file or folder. Prints the counts as JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../../../src/backend/choose';
import { isPartialName, recoverExportFolder } from '../../../src/export/folder';
import { Rng } from '../../../src/model/rng';
import { train } from '../../../src/train/train';
import { distDir, repoRoot, requireBuilt } from '../../helpers/built';
import { makeShapesDataset } from '../train/fixtures';

const KILLS = 50;
let work: string;
let dataset: string;
let runDir: string;
/** A private copy of the built CLI: other work rebuilding dist/ during the many runs must not pull files from under it. */
let cliCopy: string;

const env = { ...process.env, LATENT_ATLAS_BACKEND: 'wasm' };
const sampleArgs = (seed: number, out: string) => [
  cliCopy,
  'sample',
  '--run',
  runDir,
  '--dataset',
  dataset,
  '--count',
  '256',
  '--seed',
  String(seed),
  '--out',
  out,
  '--format',
  'png,sheet',
  '--scale',
  '4',
  '--overwrite',
];
type SetHashes = Record<string, string>;
const hashesOf = (dir: string, names: string[]): SetHashes =>
  Object.fromEntries(
    names.sort().map((f) => [
      f,
      createHash('sha256')
        .update(readFileSync(path.join(dir, f)))
        .digest('hex'),
    ]),
  );
const isTemp = (name: string) => isPartialName(name) || name.endsWith('.tmp');
const same = (a: SetHashes, b: SetHashes) => JSON.stringify(a) === JSON.stringify(b);

beforeAll(async () => {
  requireBuilt('src/cli.js');
  // Inside the repository (its .tmp/ is ignored by git) so the copy still finds node_modules.
  mkdirSync(path.join(repoRoot, '.tmp'), { recursive: true });
  const copy = mkdtempSync(path.join(repoRoot, '.tmp', 'export-kill-dist-'));
  for (const part of ['src', 'chunks']) if (existsSync(path.join(distDir, part))) cpSync(path.join(distDir, part), path.join(copy, part), { recursive: true });
  cliCopy = path.join(copy, 'src', 'cli.js');
  await initBackend({ force: 'wasm' });
  work = mkdtempSync(path.join(tmpdir(), 'atlas-export-kill-'));
  dataset = path.join(work, 'ds');
  runDir = path.join(work, 'run');
  const ds = await makeShapesDataset(dataset, { count: 48, size: 16, channels: 4, seed: 5 });
  await train({ architecture: 'conv', latentDim: 3, epochs: 1, batchSize: 16, previewCount: 0, valIwaeK: 0 }, ds, { checkpointDir: runDir });
}, 300_000);
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(path.dirname(path.dirname(cliCopy)), { recursive: true, force: true });
});

describe('export sets survive kill -9', () => {
  it(`${KILLS} kills of the CLI mid-export: the folder holds exactly the old or the new set, and no temp`, async () => {
    // The two sets (seeds 1 and 2), written whole, and how long a whole export takes here.
    const sets: SetHashes[] = [];
    const seconds: number[] = [];
    for (const seed of [1, 2]) {
      const ref = path.join(work, `ref-${seed}`);
      const t0 = performance.now();
      const r = spawnSync(process.execPath, sampleArgs(seed, ref), { encoding: 'utf8', env });
      seconds.push((performance.now() - t0) / 1000);
      expect(r.status, r.stderr).toBe(0);
      sets.push(hashesOf(ref, readdirSync(ref)));
    }
    expect(Object.keys(sets[0])).toHaveLength(258);
    expect(Object.keys(sets[1])).toEqual(Object.keys(sets[0]));
    expect(Object.keys(sets[0]).filter((f) => sets[0][f] !== sets[1][f]).length).toBeGreaterThan(250);
    const whole = Math.max(...seconds);

    const target = path.join(work, 'target');
    expect(spawnSync(process.execPath, sampleArgs(1, target), { env }).status).toBe(0);
    const classify = (names: string[]) => {
      const h = hashesOf(target, names);
      return same(h, sets[0]) ? 0 : same(h, sets[1]) ? 1 : -1;
    };

    const rng = new Rng(14);
    const counts = {
      faultsInjected: 0,
      completedBeforeKill: 0,
      survived: 0,
      mixed: 0,
      tempLeftAfterRecovery: 0,
      stagedAtKill: 0,
      rolledForward: 0,
      mixedVisibleBeforeRecovery: 0,
      endedOld: 0,
      endedNew: 0,
    };
    for (let attempt = 0; counts.faultsInjected < KILLS && attempt < 3 * KILLS; attempt++) {
      const current = classify(readdirSync(target));
      expect(current).not.toBe(-1);
      const next = 1 - current;
      // A random moment over the whole run, start-up included, biased to its second half where the files are written.
      const delayMs = whole * 1000 * (0.2 + 0.9 * rng.uniform());
      const child = spawn(process.execPath, sampleArgs(next + 1, target), { env, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      const code = await exited;
      clearTimeout(timer);
      if (code === 0) {
        counts.completedBeforeKill++;
        expect(classify(readdirSync(target))).toBe(next);
        continue;
      }
      counts.faultsInjected++;
      const atKill = readdirSync(target);
      if (atKill.some(isPartialName)) counts.stagedAtKill++;
      if (classify(atKill.filter((f) => !isTemp(f))) === -1) counts.mixedVisibleBeforeRecovery++;
      counts.rolledForward += (await recoverExportFolder(target)).rolledForward;
      const after = readdirSync(target);
      const temps = after.filter(isTemp);
      counts.tempLeftAfterRecovery += temps.length;
      const state = classify(after.filter((f) => !isTemp(f)));
      if (state === -1 || temps.length) counts.mixed += state === -1 ? 1 : 0;
      else counts.survived++;
      if (state === 0) counts.endedOld++;
      if (state === 1) counts.endedNew++;
    }
    // The next export into the folder finishes normally and leaves no temp either.
    const last = classify(readdirSync(target));
    expect(spawnSync(process.execPath, sampleArgs(2 - last, target), { env }).status).toBe(0);
    expect(classify(readdirSync(target))).toBe(1 - last);
    expect(readdirSync(target).filter(isTemp)).toEqual([]);
    expect(statSync(target).isDirectory()).toBe(true);

    console.log(JSON.stringify({ exportKillTest: { ...counts, wholeExportSeconds: Number(whole.toFixed(2)) } }));
    expect(counts.faultsInjected).toBe(KILLS);
    expect(counts.mixed).toBe(0);
    expect(counts.tempLeftAfterRecovery).toBe(0);
    expect(counts.survived).toBe(KILLS);
  }, 1_800_000);
});
