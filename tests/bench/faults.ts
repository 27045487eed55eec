/**
 * `npm run bench -- faults`: a scripted fault run. kill -9 of the real CLI at random moments
 * during import and during training (50 times each, resuming the run every time), then checks
 * after every kill: the dataset is either absent or complete and loadable, the run's newest
 * checkpoint loads and its step never goes back, no temp file is left, and a bystander folder
 * beside the targets is byte-identical. Prints the counts as JSON lines (faults injected,
 * survived, files lost). Project saves (tests/integration/project/crash-safety.test.ts, 200
 * kills) and exports (tests/integration/export) have their own kill tests.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDataset } from '../../src/data/store';
import { readCheckpointState } from '../../src/train/checkpoint';
import { writePngs } from '../helpers/images';
import type { BenchLine } from './types';

const KILLS = Number(process.env.FAULT_KILLS ?? 50);
const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');

/** Run the CLI and kill -9 it `afterMs` after it starts (or let it finish first). */
function killAfter(args: string[], afterMs: number): Promise<'killed' | 'finished'> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL' ? 'killed' : 'finished');
    });
  });
}

function hashTree(dir: string): string {
  const h = createHash('sha256');
  for (const f of (readdirSync(dir, { recursive: true }) as string[]).sort()) {
    const p = path.join(dir, f);
    h.update(f);
    if (statSync(p).isFile()) h.update(readFileSync(p));
  }
  return h.digest('hex');
}

/** Names that only an interrupted write leaves behind. */
const tempLeft = (dir: string): string[] => (existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tmp|\.partial|\.staging/.test(f)) : []);

export async function run(): Promise<BenchLine[]> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'atlas-faults-'));
  const lines: BenchLine[] = [];
  try {
    await writePngs(path.join(work, 'in'), 1000, 16);
    mkdirSync(path.join(work, 'bystander'));
    writeFileSync(path.join(work, 'bystander', 'notes.txt'), "not the app's");
    const bystander = hashTree(path.join(work, 'bystander'));

    // Import: a complete dataset first, then every attempt re-imports over it (--overwrite) and
    // is killed somewhere between start and finish; the folder must hold a whole dataset after
    // every kill (the old one or the new one), and the next import cleans what a kill left.
    const ds = path.join(work, 'ds');
    // The first import is timed: every later one is killed at a random moment within that time,
    // so each attempt is a real kill whatever the machine's speed.
    const started = performance.now();
    await killAfter(['import', path.join(work, 'in'), '--out', ds, '--size', '16', '--no-cache'], 600_000);
    const importMs = performance.now() - started;
    // Every later import of the same images must give this many (duplicates are dropped by the import).
    const wholeCount = (await openDataset(ds)).index.count;
    let injected = 0;
    let survived = 0;
    let lost = 0;
    let staleSeen = 0;
    for (let i = 0; i < KILLS; i++) {
      const outcome = await killAfter(['import', path.join(work, 'in'), '--out', ds, '--size', '16', '--no-cache', '--overwrite'], importMs * (0.05 + 0.9 * Math.random()));
      if (outcome === 'killed') injected++;
      staleSeen = Math.max(staleSeen, tempLeft(work).length);
      try {
        if ((await openDataset(ds)).index.count === wholeCount) survived++;
        else lost++;
      } catch {
        lost++;
      }
    }
    await killAfter(['import', path.join(work, 'in'), '--out', ds, '--size', '16', '--no-cache', '--overwrite'], 600_000);
    lines.push({
      bench: 'faults',
      metric: 'import_kills',
      value: injected,
      unit: 'kills',
      survived,
      files_lost: lost,
      most_temp_folders_between_imports: staleSeen,
      temp_left_after_next_import: tempLeft(work).length,
      import_ms: Math.round(importMs),
      images_per_dataset: wholeCount,
      attempts: KILLS,
    });

    if (process.env.FAULT_ONLY === 'import') return lines;
    // Training: one run, resumed after every kill; the checkpoint must load and never go back.
    const runDir = path.join(work, 'run');
    // The first run goes until its first checkpoint; every later one resumes it.
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [cliPath, 'train', ds, '--run', runDir, '--epochs', '1000', '--batch-size', '16', '--latent-dim', '4', '--architecture', 'conv'], { stdio: 'ignore' });
      const poll = setInterval(() => {
        if (existsSync(path.join(runDir, 'latest.json'))) child.kill('SIGKILL');
      }, 100);
      child.once('exit', () => {
        clearInterval(poll);
        resolve();
      });
    });
    let trainInjected = 0;
    let trainSurvived = 0;
    let wentBack = 0;
    let unreadable = 0;
    let lastStep = 0;
    for (let i = 0; i < KILLS; i++) {
      const args = ['train', ds, '--run', runDir, '--epochs', '1000', '--batch-size', '16', '--latent-dim', '4', '--architecture', 'conv', '--resume'];
      const outcome = await killAfter(args, 1000 + Math.random() * 12_000);
      if (outcome === 'killed') trainInjected++;
      const state = await readCheckpointState(runDir).catch(() => null);
      if (!state) {
        unreadable++;
        continue;
      }
      if (state.step < lastStep) wentBack++;
      else trainSurvived++;
      lastStep = state.step;
    }
    lines.push({
      bench: 'faults',
      metric: 'train_kills',
      value: trainInjected,
      unit: 'kills',
      survived: trainSurvived,
      checkpoints_unreadable: unreadable,
      step_went_back: wentBack,
      final_step: lastStep,
      temp_left: tempLeft(runDir).length,
      attempts: KILLS,
    });
    lines.push({ bench: 'faults', metric: 'bystander_changed', value: hashTree(path.join(work, 'bystander')) === bystander ? 0 : 1, unit: 'folders' });
    return lines;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
