import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireBuilt } from '../../helpers/built';
import { SPRITE_CLASSES, writeLabelledSprites } from '../../fixtures/labelled-sprites';

/** The conditional model through the built CLI: train --conditional, sample --label, relabel, label-path, refusals. */
function cli(args: string[]) {
  const r = spawnSync(process.execPath, [requireBuilt('src/cli.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-conditional-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('latent-atlas with --conditional and --label', () => {
  it('trains on a labelled folder and generates, redraws and blends by label; unknown labels fail naming the known ones', async () => {
    const images = await writeLabelledSprites(path.join(work, 'images'));
    const run = path.join(work, 'run');
    const trained = cli(['train', images, '--run', run, '--conditional', '--epochs', '2', '--batch-size', '32', '--latent-dim', '4', '--size', '16', '--json']);
    expect(trained.stderr).not.toContain('Error');
    expect(trained.code).toBe(0);
    const dataset = path.join(run, 'dataset');
    const labels = SPRITE_CLASSES.map((c) => c.label);

    const out = path.join(work, 'gems');
    const sampled = cli(['sample', '--run', run, '--dataset', dataset, '--label', 'gem', '--count', '4', '--out', out, '--format', 'png', '--json']);
    expect(sampled.code).toBe(0);
    const s = JSON.parse(sampled.stdout);
    expect(s.count).toBe(4);
    expect(s.nearest).toHaveLength(4);
    expect(s.files.filter((f: string) => f.endsWith('.png'))).toHaveLength(4);
    expect(existsSync(s.files[0])).toBe(true);

    const unknown = cli(['sample', '--run', run, '--dataset', dataset, '--label', 'dragon', '--json']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain(`Unknown label "dragon": the model knows ${labels.map((l) => `"${l}"`).join(', ')}.`);
    const none = cli(['sample', '--run', run, '--dataset', dataset, '--json']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('This model generates by label');

    const relabelled = cli(['relabel', '0', '5', '--run', run, '--dataset', dataset, '--json']);
    expect(relabelled.code).toBe(0);
    const r = JSON.parse(relabelled.stdout);
    expect(r.labels).toEqual(labels);
    expect(r.ownLabels).toEqual(['apple', 'apple']);
    expect(r.z).toHaveLength(2);

    const blended = cli(['label-path', '0', '--from', 'apple', '--to', 'wand', '--frames', '4', '--run', run, '--dataset', dataset, '--json']);
    expect(blended.code).toBe(0);
    expect(JSON.parse(blended.stdout).t).toEqual([0, 1 / 3, 2 / 3, 1]);
  }, 300_000);

  it('refuses --conditional on a folder with one label, saying why', async () => {
    const images = await writeLabelledSprites(path.join(work, 'one'), { classes: [{ ...SPRITE_CLASSES[0], count: 10 }] });
    const r = cli(['train', images, '--run', path.join(work, 'run-one'), '--conditional', '--epochs', '1', '--size', '16']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Conditional training needs at least two labels');
    expect(r.stderr.trim().split('\n').at(-1)).toContain('("apple")');
  }, 120_000);
});
