import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
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
