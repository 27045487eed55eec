import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, chmodSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireBuilt } from '../../helpers/built';
import { writeBroken, writePngs } from '../../helpers/images';

function cli(args: string[], options: { withoutRootOverride?: boolean } = {}) {
  // Root reads every file whatever its mode: to see a really unreadable file, run the CLI
  // without the capabilities that let root bypass file permissions (util-linux's setpriv).
  const command = options.withoutRootOverride && process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', process.execPath] : [process.execPath];
  const r = spawnSync(command[0], [...command.slice(1), requireBuilt('src/cli.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('latent-atlas import', () => {
  it('prints exactly one JSON result with imported, skipped and dataset, progress on stderr', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-'));
    await writePngs(path.join(work, 'in'), 6);
    writeBroken(path.join(work, 'in'), 'empty.png', '');
    const r = cli(['import', path.join(work, 'in'), '--out', path.join(work, 'ds'), '--size', '16', '--channels', 'rgb', '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]);
    expect(result.imported).toBe(6);
    expect(result.skipped).toEqual([{ path: 'empty.png', code: 'empty_file', reason: expect.stringContaining('empty') }]);
    expect(result.dataset).toBe(path.join(work, 'ds'));
    expect([result.size, result.channels]).toEqual([16, 3]);
    expect(existsSync(path.join(work, 'ds', 'pixels.bin'))).toBe(true);
    expect(r.stderr).toContain('done');
  });

  it('skips a file it is not allowed to read, names it, and imports the rest', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-perm-'));
    await writePngs(path.join(work, 'in'), 4);
    copyFileSync(path.join(work, 'in', 'img-000.png'), path.join(work, 'in', 'locked.png'));
    chmodSync(path.join(work, 'in', 'locked.png'), 0o000);
    const r = cli(['import', path.join(work, 'in'), '--out', path.join(work, 'ds'), '--size', '16', '--no-cache', '--keep-duplicates', '--json'], { withoutRootOverride: true });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.imported).toBe(4);
    expect(result.skipped).toEqual([{ path: 'locked.png', code: 'unreadable', reason: expect.stringMatching(/permission|EACCES/i) }]);
  });

  it('fails with one line and a non-zero code on a bad option or an empty folder', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-'));
    const bad = cli(['import', work, '--out', path.join(work, 'ds'), '--size', '33']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--size: must be one of 16, 24, 32, 48, 64');
    const empty = cli(['import', work, '--out', path.join(work, 'ds')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^latent-atlas: .*/);
    expect(empty.stdout).toBe('');
  });

  it('rejects an unknown command with the list of commands', () => {
    const r = cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    expect(r.stderr).toContain('import');
  });
});
