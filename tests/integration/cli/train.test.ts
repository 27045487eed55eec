import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [requireBuilt('src/cli.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('latent-atlas train and eval', () => {
  it('imports a folder, trains with checkpoints, resumes with more epochs, and evaluates with an IWAE bound', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-train-'));
    await writePngs(path.join(work, 'images'), 40, 20);
    const run = path.join(work, 'run');
    const first = cli(['train', path.join(work, 'images'), '--run', run, '--epochs', '2', '--batch-size', '8', '--latent-dim', '4', '--size', '16', '--json']);
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a).toMatchObject({ status: 'completed', epoch: 2, dataset: path.join(run, 'dataset') });
    expect(first.stderr).toContain('epoch 2:');
    expect(readdirSync(run).some((f) => f.startsWith('ckpt-'))).toBe(true);

    const resumed = cli(['train', path.join(run, 'dataset'), '--run', run, '--epochs', '3', '--resume', '--json']);
    expect(resumed.code).toBe(0);
    const b = JSON.parse(resumed.stdout);
    expect(b.epoch).toBe(3);
    expect(b.step).toBeGreaterThan(a.step);

    const ev = cli(['eval', run, '--dataset', path.join(run, 'dataset'), '--iwae-k', '20', '--json']);
    expect(ev.code).toBe(0);
    const e = JSON.parse(ev.stdout);
    expect(e.split).toBe('val');
    expect(e.klPerDim).toHaveLength(4);
    // The IWAE bound is at least the ELBO (up to Monte Carlo error).
    expect(e.iwae.logLikelihood).toBeGreaterThan(e.elbo - 3 * e.iwae.stdError - 1);
    expect(e.worst.length).toBeGreaterThan(0);
  });

  it('names the bad flag and exits 2', () => {
    const r = cli(['train', '/nonexistent', '--run', '/tmp/x', '--latent-dim', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--latent-dim');
    const noRun = cli(['train', '/nonexistent']);
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toContain('--run');
  });
});

/** Every file under dir with its size and content hash-free bytes, to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = `${statSync(full).mtimeMs}:${readFileSync(full).toString('base64')}`;
    }
  };
  walk(dir);
  return out;
}

const tiny = ['--batch-size', '2', '--latent-dim', '2', '--architecture', 'mlp', '--backend', 'cpu'];

describe('latent-atlas train on an existing run folder', () => {
  it('refuses to start over an existing run without --resume, naming --resume and --new; --new trains into a fresh numbered folder', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-rerun-'));
    await writePngs(path.join(work, 'images'), 6, 16);
    const ds = path.join(work, 'ds');
    expect(cli(['import', path.join(work, 'images'), '--out', ds, '--size', '16', '--no-cache']).code).toBe(0);
    const run = path.join(work, 'run');
    expect(cli(['train', ds, '--run', run, '--epochs', '1', ...tiny]).code).toBe(0);
    const before = snapshot(run);

    const again = cli(['train', ds, '--run', run, '--epochs', '1', ...tiny, '--json']);
    expect(again.code).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('--resume');
    expect(again.stderr).toContain('--new');
    expect(again.stderr).toContain(run);
    expect(snapshot(run)).toEqual(before);

    const fresh = cli(['train', ds, '--run', run, '--new', '--epochs', '1', ...tiny, '--json']);
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ status: 'completed', run: `${run}-2` });
    expect(existsSync(path.join(`${run}-2`, 'latest.json'))).toBe(true);
    expect(snapshot(run)).toEqual(before);
    // A second --new takes the next free number.
    const third = cli(['train', ds, '--run', run, '--new', '--epochs', '1', ...tiny, '--json']);
    expect(JSON.parse(third.stdout).run).toBe(`${run}-3`);

    // A folder of other files is not trained into either.
    const docs = path.join(work, 'docs');
    mkdirSync(docs);
    writeFileSync(path.join(docs, 'notes.txt'), 'mine');
    const intoDocs = cli(['train', ds, '--run', docs, '--epochs', '1', ...tiny]);
    expect(intoDocs.code).toBe(2);
    expect(intoDocs.stderr).toContain('--new');
    expect(readdirSync(docs)).toEqual(['notes.txt']);
    expect(cli(['train', ds, '--run', run, '--new', '--resume', ...tiny]).code).toBe(2);
  });

  it('Ctrl+C (SIGINT) saves a checkpoint and exits 130, so `train && export` stops', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-sigint-'));
    await writePngs(path.join(work, 'images'), 6, 16);
    const ds = path.join(work, 'ds');
    expect(cli(['import', path.join(work, 'images'), '--out', ds, '--size', '16', '--no-cache']).code).toBe(0);
    const run = path.join(work, 'run');
    const child = spawn(process.execPath, [requireBuilt('src/cli.js'), 'train', ds, '--run', run, '--epochs', '100000', ...tiny, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (d) => {
        stderr += d;
        if (/epoch 1:/.test(stderr)) resolve();
      });
      void exited.then(() => resolve());
    });
    child.kill('SIGINT');
    const code = await exited;
    expect(stderr).toContain('Stopping after this step');
    expect(code).toBe(130);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'stopped' });
    expect(existsSync(path.join(run, 'latest.json'))).toBe(true);
  });
});
