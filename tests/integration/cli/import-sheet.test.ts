import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { requireBuilt } from '../../helpers/built';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [requireBuilt('src/cli.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A 4x2 grid of 16x16 cells, each a different opaque colour except the last, which is empty. */
async function gridSheet(file: string): Promise<void> {
  const [cols, rows, cell] = [4, 2, 16];
  const rgba = new Uint8Array(cols * cell * rows * cell * 4);
  for (let i = 0; i < cols * rows - 1; i++)
    for (let y = 2; y < cell - 2; y++)
      for (let x = 3; x < cell - 3; x++) rgba.set([i * 30, 255 - i * 20, (x * y) % 256, 255], ((Math.floor(i / cols) * cell + y) * cols * cell + (i % cols) * cell + x) * 4);
  await sharp(rgba, { raw: { width: cols * cell, height: rows * cell, channels: 4 } })
    .png()
    .toFile(file);
}

describe('latent-atlas import --sheet', () => {
  it('--sheet grid --cell imports each cell, names empty cells in the report, one JSON object on stdout', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-sheet-'));
    const sheet = path.join(work, 'heroes.png');
    await gridSheet(sheet);
    const r = cli(['import', sheet, '--sheet', 'grid', '--cell', '16x16', '--out', path.join(work, 'ds'), '--size', '16', '--json']);
    expect(r.stderr).not.toContain('latent-atlas:');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.imported).toBe(7);
    expect(result.skipped).toEqual([{ path: 'heroes.png#r2c4', code: 'empty_cell', reason: expect.stringContaining('no visible pixel') }]);
    expect(result.labels).toEqual(['heroes']);
    expect(result.sheets).toHaveLength(1);
    expect(result.sheets[0]).toMatchObject({ sheet: 'heroes.png', width: 64, height: 32, mode: 'grid' });
    expect(result.sheets[0].frames[4]).toEqual({ name: 'r2c1', x: 0, y: 16, w: 16, h: 16, tag: null, status: 'imported' });
  });

  it('--sheet auto finds the sprites; plain output names the sheet and the count', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-sheet-'));
    const sheet = path.join(work, 'loose.png');
    await gridSheet(sheet);
    const r = cli(['import', sheet, '--sheet', 'auto', '--min-area', '20', '--out', path.join(work, 'ds'), '--size', '16']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Imported 7 images');
    expect(r.stderr).toContain('Sheet loose.png (64x32, auto): 7 frames cut.');
  });

  it('--sheet atlas reads the JSON beside the sheet', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-sheet-'));
    const sheet = path.join(work, 'heroes.png');
    await gridSheet(sheet);
    const frames = Object.fromEntries(
      [0, 1, 2].map((i) => [`hero-${i}`, { frame: { x: i * 16, y: 0, w: 16, h: 16 }, rotated: false, trimmed: false, spriteSourceSize: { x: 0, y: 0, w: 16, h: 16 }, sourceSize: { w: 16, h: 16 } }]),
    );
    writeFileSync(path.join(work, 'heroes.json'), JSON.stringify({ frames, animations: { run: ['hero-0', 'hero-1'] }, meta: { image: 'heroes.png', size: { w: 64, h: 32 } } }));
    const r = cli(['import', sheet, '--sheet', 'atlas', '--out', path.join(work, 'ds'), '--size', '16', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.imported).toBe(3);
    expect(result.labels).toEqual(['heroes', 'run']);
    expect(result.sheets[0].atlas).toEqual({ file: path.join(work, 'heroes.json'), layout: 'texturepacker-hash' });
  });

  it('import --help explains the sheet flags', () => {
    const r = cli(['import', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--sheet grid', '--cell WxH', '--margin', '--spacing', '--keep-empty', '--sheet auto', '--gap', '--min-area', '--split WxH', '--sheet atlas', '--atlas FILE'])
      expect(r.stdout).toContain(flag);
  });

  it('fails with one line and nothing written: a grid that does not divide, a sheet flag without --sheet, a missing --cell', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-sheet-'));
    const sheet = path.join(work, 'heroes.png');
    await gridSheet(sheet);
    const out = path.join(work, 'ds');
    const misfit = cli(['import', sheet, '--sheet', 'grid', '--cell', '20', '--out', out]);
    expect(misfit.code).toBe(1);
    expect(misfit.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^latent-atlas: heroes\.png is 64 pixels wide, which 20-pixel cells .*\(4 pixels left over\)/)]);
    expect(existsSync(out)).toBe(false);
    const stray = cli(['import', sheet, '--gap', '2', '--out', out]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--gap slices sprite sheets; add --sheet grid, auto or atlas');
    const noCell = cli(['import', sheet, '--sheet', 'grid', '--out', out]);
    expect(noCell.code).toBe(2);
    expect(noCell.stderr).toContain('--sheet grid needs --cell WIDTHxHEIGHT');
    const wrongMode = cli(['import', sheet, '--sheet', 'auto', '--cell', '16', '--out', out]);
    expect(wrongMode.stderr).toContain('--cell belongs to --sheet grid, not --sheet auto');
    expect(existsSync(out)).toBe(false);
    // Four CLI starts (each loads the engine's libraries): on a loaded two-core machine that is minutes, not seconds.
  }, 300_000);
});
