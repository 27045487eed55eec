import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { openProject, createProject, saveProject } from '../../../src/project/project';
import { PROJECT_FILE } from '../../../src/project/project-file';
import { repoRoot } from '../../helpers/built';

let writerScript: string;
beforeAll(async () => {
  // Bundled inside the repo so its imports resolve from node_modules.
  writerScript = path.join(repoRoot, 'dist', 'test-helpers', 'project-writer.mjs');
  await build({
    entryPoints: [path.join(repoRoot, 'tests/helpers/project-writer.ts')],
    outfile: writerScript,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    absWorkingDir: repoRoot,
    logLevel: 'error',
  });
});

/** Start the writer, wait for its first completed save, let it save on for a random moment, then SIGKILL it. */
function killMidSave(dir: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerScript, dir], { stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), delayMs));
    child.once('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited with ${code}: ${stderr}`))));
  });
}

describe('project saves survive kills and full disks', () => {
  // Bounded by kills and checks, not by time: each round waits for a completed save before the
  // kill, and the test may take as long as 200 rounds take on a loaded machine.
  it('always loads, as the old or the new version, after 200 kill -9 at random moments, with no temp files left', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'atlas-kill-')), 'p');
    let lastVersion = -1;
    let kills = 0;
    for (let i = 0; i < 200; i++) {
      await killMidSave(dir, Math.floor(Math.random() * 40));
      const { project } = await openProject(dir);
      const version = Number(project.name.slice(1));
      expect(project.name).toMatch(/^v\d+$/);
      expect(project.selections.length === 0 || project.selections[0].name === `sel ${version}`).toBe(true);
      lastVersion = version;
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      kills++;
    }
    expect(kills).toBe(200);
    expect(lastVersion).toBeGreaterThan(0);
    console.log(JSON.stringify({ project_save_kills: { injected: kills, survived: kills, files_lost: 0, last_version: lastVersion } }));
  }, 3_600_000);

  it('leaves the previous project.json byte-identical and reports the error when the disk is full or read-only', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'atlas-full-'));
    const dir = path.join(base, 'p');
    mkdirSync(dir);
    let simulate: 'tmpfs' | 'read-only';
    if (process.getuid?.() === 0) {
      // Root ignores permissions: a tiny tmpfs gives a real "no space left on device".
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', dir]);
      simulate = 'tmpfs';
    } else {
      simulate = 'read-only';
    }
    try {
      const { project } = await createProject(dir, 'small');
      await saveProject(dir, { ...project, name: 'small-2' });
      const before = readFileSync(path.join(dir, PROJECT_FILE));
      if (simulate === 'tmpfs') {
        // Fill the disk to leave a few kilobytes.
        let n = 0;
        try {
          for (;;) writeFileSync(path.join(dir, `filler-${n++}`), Buffer.alloc(8192));
        } catch {
          /* full */
        }
      } else {
        chmodSync(dir, 0o555);
      }
      const big = { ...project, name: 'big', selections: [{ id: 's', name: 'all', indices: Array.from({ length: 50_000 }, (_, i) => i) }] };
      await expect(saveProject(dir, big)).rejects.toMatchObject({ code: 'io_error', message: expect.stringContaining('previous version is unchanged') });
      expect(readFileSync(path.join(dir, PROJECT_FILE))).toEqual(before);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expect((await openProject(dir)).project.name).toBe('small-2');
    } finally {
      if (simulate === 'tmpfs') execFileSync('umount', [dir]);
      else chmodSync(dir, 0o755);
    }
  });

  it('after saves fail on a full disk, the backups still hold the older versions (rotated only once a new file is in place)', async () => {
    // Root only (as above): a tiny tmpfs gives a real "no space left on device".
    expect(process.getuid?.()).toBe(0);
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'atlas-full-backups-')), 'p');
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', dir]);
    try {
      const { project } = await createProject(dir, 'v0');
      for (let k = 1; k <= 3; k++) await saveProject(dir, { ...project, name: `v${k}` });
      const names = () => [PROJECT_FILE, `${PROJECT_FILE}.1`, `${PROJECT_FILE}.2`, `${PROJECT_FILE}.3`].map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')).name);
      expect(names()).toEqual(['v3', 'v2', 'v1', 'v0']);
      // Fill the disk, then free one page: room for a small file, not for the big save.
      let n = 0;
      for (const chunk of [8192, 4096]) {
        try {
          for (;;) writeFileSync(path.join(dir, `filler-${n++}`), Buffer.alloc(chunk));
        } catch {
          /* full */
        }
      }
      const { rmSync } = await import('node:fs');
      rmSync(path.join(dir, `filler-${n - 2}`));
      const big = { ...project, name: 'big', selections: [{ id: 's', name: 'all', indices: Array.from({ length: 50_000 }, (_, i) => i) }] };
      for (let attempt = 0; attempt < 3; attempt++) {
        await expect(saveProject(dir, big)).rejects.toMatchObject({ code: 'io_error' });
      }
      expect(names()).toEqual(['v3', 'v2', 'v1', 'v0']);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      // With room again, a save rotates the versions as before.
      for (const f of readdirSync(dir).filter((f) => f.startsWith('filler-'))) rmSync(path.join(dir, f));
      await saveProject(dir, { ...project, name: 'v4' });
      expect(names()).toEqual(['v4', 'v3', 'v2', 'v1']);
    } finally {
      execFileSync('umount', [dir]);
    }
  });
});
