import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireBuilt } from '../../helpers/built';
import { writeBroken, writePngs } from '../../helpers/images';

function cli(args: string[], options: { withoutRootOverride?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  // Root reads every file whatever its mode: to see a really unreadable file, run the CLI
  // without the capabilities that let root bypass file permissions (util-linux's setpriv).
  const command = options.withoutRootOverride && process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', process.execPath] : [process.execPath];
  const r = spawnSync(command[0], [...command.slice(1), requireBuilt('src/cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...options.env } });
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

/** Every file under dir (relative path -> content), to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = readFileSync(full).toString('base64');
    }
  };
  walk(dir);
  return out;
}

describe('latent-atlas import --out onto an existing folder', () => {
  it('never takes a folder for a dataset because it holds an index.json: nothing is deleted, even with --overwrite', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-notds-'));
    await writePngs(path.join(work, 'in'), 4);
    const docs = path.join(work, 'code');
    mkdirSync(path.join(docs, 'src'), { recursive: true });
    writeFileSync(path.join(docs, 'index.json'), JSON.stringify({ name: 'my-web-site', pages: ['a', 'b'] }));
    writeFileSync(path.join(docs, 'notes.txt'), 'do not lose me');
    writeFileSync(path.join(docs, 'src', 'main.c'), 'int main(void) { return 0; }\n');
    const before = snapshot(docs);
    for (const extra of [[], ['--overwrite']]) {
      const r = cli(['import', path.join(work, 'in'), '--out', docs, '--size', '16', '--no-cache', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(docs);
      expect(r.stderr).toMatch(/not a Latent Atlas dataset/);
      expect(snapshot(docs)).toEqual(before);
    }
    expect(readdirSync(work).sort()).toEqual(['code', 'in']);
  });

  it('refuses to replace a dataset without --overwrite (exit 2, naming it); with --overwrite it replaces it', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-overwrite-'));
    await writePngs(path.join(work, 'big'), 8);
    await writePngs(path.join(work, 'small'), 3, 24);
    const ds = path.join(work, 'ds');
    expect(cli(['import', path.join(work, 'big'), '--out', ds, '--size', '16', '--no-cache', '--json']).code).toBe(0);
    const before = snapshot(ds);
    const refused = cli(['import', path.join(work, 'small'), '--out', ds, '--size', '16', '--no-cache', '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('--overwrite');
    expect(refused.stderr).toContain('8 images');
    expect(snapshot(ds)).toEqual(before);

    const replaced = cli(['import', path.join(work, 'small'), '--out', ds, '--size', '16', '--no-cache', '--overwrite', '--json']);
    expect(replaced.code).toBe(0);
    expect(JSON.parse(replaced.stdout).imported).toBe(3);
    expect(JSON.parse(readFileSync(path.join(ds, 'index.json'), 'utf8')).count).toBe(3);
    // Replaced beside and renamed in: no temp folders are left next to it.
    expect(readdirSync(work).sort()).toEqual(['big', 'ds', 'small']);
  });

  it('refuses --overwrite of a dataset a project in the workspace uses', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-used-'));
    await writePngs(path.join(work, 'in'), 5);
    const workspace = path.join(work, 'workspace');
    const project = path.join(workspace, 'projects', 'sprites');
    const ds = path.join(workspace, 'datasets', 'sprites-1');
    expect(cli(['import', path.join(work, 'in'), '--out', ds, '--size', '16', '--no-cache']).code).toBe(0);
    mkdirSync(project, { recursive: true });
    const now = new Date().toISOString();
    writeFileSync(
      path.join(project, 'project.json'),
      JSON.stringify({
        schemaVersion: 1,
        name: 'sprites',
        createdAt: now,
        updatedAt: now,
        dataset: { dir: path.relative(project, ds), sourceFolder: null, importOptions: {}, datasetHash: null, count: 5 },
        trainSettings: {},
        runs: [],
        paths: [],
        selections: [],
      }),
    );
    const before = snapshot(ds);
    const r = cli(['import', path.join(work, 'in'), '--out', ds, '--size', '16', '--no-cache', '--overwrite'], { env: { LATENT_ATLAS_WORKSPACE: workspace } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(project);
    expect(r.stderr).toMatch(/in use/);
    expect(snapshot(ds)).toEqual(before);
  });

  it('refuses --overwrite of a dataset a training run is using right now, and replaces it once that run is gone', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-training-'));
    await writePngs(path.join(work, 'in'), 6);
    const ds = path.join(work, 'ds');
    expect(cli(['import', path.join(work, 'in'), '--out', ds, '--size', '16', '--no-cache']).code).toBe(0);
    const run = path.join(work, 'run');
    const trainer = spawn(
      process.execPath,
      [requireBuilt('src/cli.js'), 'train', ds, '--run', run, '--epochs', '100000', '--batch-size', '2', '--latent-dim', '2', '--architecture', 'mlp', '--backend', 'cpu'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const exited = new Promise<void>((resolve) => trainer.once('exit', () => resolve()));
    try {
      // Wait until it trains: the first epoch line is printed after its first checkpoint.
      await new Promise<void>((resolve, reject) => {
        let err = '';
        trainer.stderr!.on('data', (d) => {
          err += d;
          if (/epoch 1:/.test(err)) resolve();
        });
        trainer.once('exit', (code) => reject(new Error(`train exited early (${code}): ${err}`)));
      });
      const before = snapshot(ds);
      const r = cli(['import', path.join(work, 'in'), '--out', ds, '--size', '16', '--no-cache', '--overwrite']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/in use/);
      expect(r.stderr).toContain(run);
      expect(snapshot(ds)).toEqual(before);
    } finally {
      trainer.kill('SIGKILL');
      await exited;
    }
    // A run killed outright leaves its mark behind; a dead process does not hold the dataset.
    const after = cli(['import', path.join(work, 'in'), '--out', ds, '--size', '16', '--no-cache', '--overwrite', '--json']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).imported).toBe(6);
  });
});

describe('file names printed by the CLI', () => {
  it('escapes newlines and escape codes in every name it prints, so no name can forge a line or drive the terminal', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'atlas-cli-names-'));
    const src = path.join(work, 'in');
    const [first] = await writePngs(src, 2);
    const forged = 'x\nImported 999 images (16x16) into everything in 0.1s.\n.png';
    copyFileSync(first, path.join(src, forged));
    writeBroken(src, 'red\x1b[31m\x1b]0;pwned\x07.png', 'not an image at all');
    const out = path.join(work, 'data\x1b[2Jset');
    const r = cli(['import', src, '--out', out, '--size', '16', '--no-cache']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    const lines = r.stderr.split('\n');
    expect(lines.filter((l) => l.startsWith('Imported '))).toHaveLength(1);
    expect(lines.some((l) => l.startsWith('Imported 999'))).toBe(false);
    // The names are still there, readable, with their control characters spelled out.
    expect(r.stderr).toContain('x\\nImported 999 images');
    expect(r.stderr).toContain('red\\x1b[31m\\x1b]0;pwned\\x07.png');
    expect(r.stderr).toContain('data\\x1b[2Jset');

    // A failure names the path in one line too.
    const failed = cli(['import', path.join(work, 'gone\nlatent-atlas: all good\x1b[2J'), '--out', path.join(work, 'ds2')]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).not.toMatch(/\x1b/);
    expect(failed.stderr).toContain('gone\\nlatent-atlas: all good\\x1b[2J');
  });
});
