import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireBuilt } from '../../helpers/built';
import { writePngs } from '../../helpers/images';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [requireBuilt('src/cli.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('latent-atlas train --preset', () => {
  it('prints the plan measured before the first step and the validation PSNR of every epoch', { timeout: 240_000 }, async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-preset-'));
    await writePngs(path.join(work, 'images'), 40, 20);
    const run = path.join(work, 'run');
    // The Balanced preset's model, with its 10 minutes cut to 10 s by --time-budget.
    const r = cli(['train', path.join(work, 'images'), '--run', run, '--preset', 'balanced', '--time-budget', '10', '--size', '16', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(r.stderr).toMatch(/^Plan: about \d+ s on 40 images \((\d+) epochs? at \d+ img\/s\) for a budget of 10 s/m);
    expect(out.plan).toMatchObject({ budgetSec: 10, epochs: out.epoch, trainImages: expect.any(Number) });
    expect(out.status).toBe('completed');
    const epochLines = r.stderr.split('\n').filter((l) => /^epoch \d+:/.test(l));
    expect(epochLines).toHaveLength(out.epoch);
    expect(epochLines.every((l) => /quality \d+\.\d\d dB PSNR/.test(l))).toBe(true);
    expect(out.final.val.psnrDb).toBeGreaterThan(3);

    // --epochs next to a preset trains those epochs (no budget); a bad preset exits 2.
    const fixed = cli(['train', path.join(run, 'dataset'), '--run', path.join(work, 'run2'), '--preset', 'quick', '--epochs', '1', '--workers', '1', '--json']);
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ epoch: 1, plan: null });
    const bad = cli(['train', path.join(run, 'dataset'), '--run', path.join(work, 'run3'), '--preset', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--preset must be one of quick, balanced, quality');

    // The fine 16x16 detail layer: off below 32x32 (these are 16x16), on by default from 32x32,
    // and --fine-detail off trains without it.
    const fineOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, latestCheckpoint(dir), 'model.json'), 'utf8')).userDefinedMetadata.modelConfig.fineLatent;
    expect(fineOf(path.join(work, 'run2'))).toBe(false);
    for (const [name, flags, fine] of [
      ['run32', [], true],
      ['run32-off', ['--fine-detail', 'off'], false],
    ] as const) {
      const r32 = cli(['train', path.join(work, 'images'), '--run', path.join(work, name), '--size', '32', '--epochs', '1', '--workers', '1', ...flags, '--json']);
      expect(r32.code).toBe(0);
      expect(fineOf(path.join(work, name))).toBe(fine);
    }
    const misspelt = cli(['train', path.join(run, 'dataset'), '--run', path.join(work, 'run5'), '--fine-detail', 'maybe']);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('--fine-detail must be on or off; got "maybe"');
  });
});

/** The newest checkpoint folder of a run (ckpt-<step>, zero-padded, so names sort by step). */
function latestCheckpoint(runDir: string): string {
  return readdirSync(runDir)
    .filter((n) => n.startsWith('ckpt-'))
    .sort()
    .at(-1)!;
}
