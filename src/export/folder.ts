/**
 * The export folder: checked writable before any decoding (so an unwritable target fails in
 * a second, naming the folder and the OS reason in words), and written as a set. A set is
 * staged in a hidden partial folder inside the target, fsynced, then a commit record is
 * written last and the files are renamed in. A kill before the commit record leaves the old
 * set (the partial folder is removed by the next export); a kill after it is rolled forward
 * by the next export, so the folder ends with exactly the old set or exactly the new one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AtlasError } from '../errors';
import { fsyncDir } from '../util/atomic-write';

/** Partial folders are named `.latent-atlas-export-<pid>-<hex>.partial`. */
const PARTIAL = /^\.latent-atlas-export-(\d+)-[0-9a-f]+\.partial$/;
/** Written last into a partial folder: the names it holds, i.e. "this set is complete". */
export const COMMIT_RECORD = 'commit.json';
/** The staged files sit in this subfolder of the partial folder, so no name meets the record's. */
export const STAGED = 'files';

export const partialName = () => `.latent-atlas-export-${process.pid}-${randomBytes(6).toString('hex')}.partial`;
export const isPartialName = (name: string) => PARTIAL.test(name);

const REASONS: Record<string, [words: string, advice: string]> = {
  EACCES: ['permission denied', 'choose a folder you can write to, or change its permissions'],
  EPERM: ['operation not permitted', 'choose a folder you can write to, or change its permissions'],
  EROFS: ['the disk is read-only', 'choose a folder on a writable disk'],
  ENOSPC: ['no space left on the disk', 'free some space or choose a folder on another disk'],
  EDQUOT: ['the disk quota is used up', 'free some space or choose a folder on another disk'],
  ENOTDIR: ['a part of the path is a file, not a folder', 'choose a folder path'],
  EEXIST: ['a file of that name is in the way', 'choose a folder path'],
  ENAMETOOLONG: ['the path is too long', 'choose a shorter folder path'],
  EIO: ['an input/output error (a failing or disconnected disk?)', 'check the disk or choose another folder'],
  ENOENT: ['a part of the path does not exist', 'choose an existing folder'],
};

/** An OS error while writing into `dir` as an io_error that says what went wrong and what to do. */
export function folderError(err: unknown, dir: string, doing = 'write to the export folder'): AtlasError {
  if (err instanceof AtlasError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const [words, advice] = (code && REASONS[code]) || [(err as Error).message ?? String(err), 'choose another folder'];
  return new AtlasError('io_error', `Cannot ${doing} ${dir}: ${words}${code ? ` (${code})` : ''}. Nothing was exported; ${advice}.`, { path: dir, reason: code ?? null });
}

const alive = (pid: number) => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Finish or undo what killed exports left in `dir`: a partial folder with its commit record
 * is moved in (the set was complete), one without is deleted. Partial folders of a process
 * still running (another export into the same folder) are left alone.
 */
export async function recoverExportFolder(dir: string): Promise<{ rolledForward: number; removed: number }> {
  const entries = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  let rolledForward = 0;
  let removed = 0;
  for (const name of entries) {
    const m = PARTIAL.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    const partial = path.join(dir, name);
    const names = await readCommitRecord(partial);
    if (names) {
      await moveIn(partial, dir, names);
      rolledForward++;
    } else removed++;
    await fs.rm(partial, { recursive: true, force: true });
  }
  return { rolledForward, removed };
}

async function readCommitRecord(partial: string): Promise<string[] | null> {
  try {
    const record = JSON.parse(await fs.readFile(path.join(partial, COMMIT_RECORD), 'utf8')) as { files?: unknown };
    return Array.isArray(record.files) && record.files.every((f) => typeof f === 'string' && path.basename(f) === f) ? (record.files as string[]) : null;
  } catch {
    return null; // no record (or a torn one, which cannot happen as it is renamed in): not committed
  }
}

/** Rename the staged files into `dir` (those already moved are skipped: this is resumable). */
export async function moveIn(partial: string, dir: string, names: string[]): Promise<void> {
  for (const name of names) {
    try {
      await fs.rename(path.join(partial, STAGED, name), path.join(dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  await fsyncDir(dir);
}

/**
 * Before decoding anything: create the folder, prove it writable by creating (and removing) a
 * partial folder in it, and clean up after earlier killed exports. Throws a worded io_error.
 */
export async function prepareExportFolder(outDir: string): Promise<string> {
  const dir = path.resolve(outDir);
  try {
    await makeFolder(dir);
    const probe = path.join(dir, partialName());
    await fs.mkdir(probe);
    await fs.rmdir(probe);
    await recoverExportFolder(dir);
  } catch (err) {
    throw folderError(err, dir);
  }
  return dir;
}

/**
 * mkdir -p that reports the real reason: Node's recursive mkdir says ENOENT where the OS said
 * EROFS or EACCES, so on failure the first missing folder is made on its own to get the OS error.
 */
async function makeFolder(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    let missing = dir;
    while (
      path.dirname(missing) !== missing &&
      !(await fs.lstat(path.dirname(missing)).then(
        () => true,
        () => false,
      ))
    )
      missing = path.dirname(missing);
    await fs.mkdir(missing); // throws the OS's own error
    await fs.mkdir(dir, { recursive: true });
  }
}
