import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMMIT_RECORD, STAGED, folderError, isPartialName, recoverExportFolder } from '../../../src/export/folder';
import { writeExportFiles } from '../../../src/export/write';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-export-folder-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

/** The pid of a process that has exited (so its partial folders are stale). */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

async function partial(dir: string, pid: number, files: Record<string, string>, committed: boolean): Promise<string> {
  const p = path.join(dir, `.latent-atlas-export-${pid}-0123456789ab.partial`);
  await fs.mkdir(path.join(p, STAGED), { recursive: true });
  for (const [name, data] of Object.entries(files)) await fs.writeFile(path.join(p, STAGED, name), data);
  if (committed) await fs.writeFile(path.join(p, COMMIT_RECORD), JSON.stringify({ files: Object.keys(files) }));
  return p;
}

const contents = async (dir: string) => Object.fromEntries(await Promise.all((await fs.readdir(dir)).sort().map(async (f) => [f, await fs.readFile(path.join(dir, f), 'utf8')])));

describe('export folder: a set is moved in whole or not at all', () => {
  it('rolls a committed set forward, even when part of it was already moved in', async () => {
    const dir = path.join(tmp, 'forward');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'a.png'), 'old a');
    await fs.writeFile(path.join(dir, 'b.png'), 'new b'); // moved in before the kill
    await fs.writeFile(path.join(dir, 'notes.txt'), 'the user');
    const p = await partial(dir, deadPid(), { 'a.png': 'new a', 'b.png': 'new b' }, true);
    await fs.rm(path.join(p, STAGED, 'b.png'));
    expect(await recoverExportFolder(dir)).toEqual({ rolledForward: 1, removed: 0 });
    expect(await contents(dir)).toEqual({ 'a.png': 'new a', 'b.png': 'new b', 'notes.txt': 'the user' });
  });

  it('removes an uncommitted set and keeps the old files; leaves a running export alone', async () => {
    const dir = path.join(tmp, 'back');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'a.png'), 'old a');
    await partial(dir, deadPid(), { 'a.png': 'half of new a' }, false);
    const running = await partial(dir, process.pid, { 'a.png': 'being written' }, false);
    expect(await recoverExportFolder(dir)).toEqual({ rolledForward: 0, removed: 1 });
    expect((await fs.readdir(dir)).sort()).toEqual(['a.png', path.basename(running)].sort());
    await fs.rm(running, { recursive: true });
  });

  it('an export removes what a killed one left: partial folders and per-file temps of its names', async () => {
    const dir = path.join(tmp, 'next');
    await fs.mkdir(dir);
    await partial(dir, deadPid(), { 'a.png': 'half' }, false);
    await fs.writeFile(path.join(dir, '.a.png.0123456789ab.tmp'), 'per-file temp of an older version');
    await fs.writeFile(path.join(dir, '.other.0123456789ab.tmp'), 'not ours: kept');
    expect(await writeExportFiles(dir, [{ name: 'a.png', data: 'new' }], false)).toEqual([path.join(dir, 'a.png')]);
    expect(await contents(dir)).toEqual({ '.other.0123456789ab.tmp': 'not ours: kept', 'a.png': 'new' });
    expect((await fs.readdir(dir)).some(isPartialName)).toBe(false);
  });

  it('a cancelled write leaves the folder as it was', async () => {
    const dir = path.join(tmp, 'cancel');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'a.png'), 'old a');
    const controller = new AbortController();
    const files = Array.from({ length: 20 }, (_, i) => ({ name: `f-${i}.png`, data: `new ${i}` }));
    const writing = writeExportFiles(dir, [{ name: 'a.png', data: 'new a' }, ...files], true, { signal: controller.signal, onProgress: (done) => done === 5 && controller.abort() });
    await expect(writing).rejects.toMatchObject({ code: 'cancelled' });
    expect(await contents(dir)).toEqual({ 'a.png': 'old a' });
  });

  it('words the OS reasons and names the folder', () => {
    const err = (code: string) => folderError(Object.assign(new Error(code), { code }), '/x/out').message;
    expect(err('EACCES')).toBe('Cannot write to the export folder /x/out: permission denied (EACCES). Nothing was exported; choose a folder you can write to, or change its permissions.');
    expect(err('EROFS')).toContain('the disk is read-only (EROFS)');
    expect(err('ENOSPC')).toContain('no space left on the disk (ENOSPC)');
    expect(folderError(Object.assign(new Error('EACCES'), { code: 'EACCES' }), '/x/out')).toMatchObject({ code: 'io_error', detail: { path: '/x/out', reason: 'EACCES' } });
  });
});
