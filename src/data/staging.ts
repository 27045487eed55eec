import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AtlasError } from '../errors';
import { appPaths } from '../util/app-paths';

/**
 * Uploaded files (drag and drop, web mode) are written to a staging folder per upload id and
 * imported from there like any folder, so uploads get the same walk, filters and labels.
 * The staging folders live inside the workspace (not a shared /tmp another user can plant
 * links in), each upload is capped at MAX_STAGED_BYTES, and no write follows a symlink.
 */
export const MAX_STAGED_BYTES = 2 * 1024 ** 3;

/** The folder that holds every upload's staging folder: <workspace>/.uploads. */
export function stagingRoot(): string {
  return path.join(appPaths().workspace, '.uploads');
}

export function stagingDir(id: string): string {
  if (!/^[\w-]{1,64}$/.test(id)) throw new AtlasError('invalid_input', `Upload id "${id}" must be 1 to 64 letters, digits, _ or -.`);
  return path.join(stagingRoot(), id);
}

/** Keep the relative folders of a dropped name (they become labels) but never leave the staging folder. */
export function safeRelativeName(name: string): string {
  const parts = name
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.' && p !== '..');
  if (parts.length === 0) throw new AtlasError('invalid_input', `Uploaded file name "${name}" has no usable part.`);
  return parts.join(path.sep);
}

/** Bytes already staged under `dir` (0 when it does not exist yet). */
async function stagedBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) if (e.isFile()) total += (await fs.lstat(path.join(e.parentPath, e.name))).size;
  return total;
}

export async function stageFiles(id: string, files: Array<{ name: string; base64: string }>, limit = MAX_STAGED_BYTES): Promise<{ files: number; bytes: number }> {
  const dir = stagingDir(id);
  await fs.mkdir(dir, { recursive: true });
  const realDir = await fs.realpath(dir);
  let already = await stagedBytes(dir);
  let bytes = 0;
  for (const f of files) {
    const data = Buffer.from(f.base64, 'base64');
    if (already + data.length > limit) {
      throw new AtlasError('invalid_input', `Upload "${id}" would exceed its limit of ${limit} bytes at ${f.name}: drop fewer or smaller files, or import the folder by its path instead.`, { limit });
    }
    const target = path.join(dir, safeRelativeName(f.name));
    await fs.mkdir(path.dirname(target), { recursive: true });
    // A link planted in the staging folder must not carry the write elsewhere: the parent must
    // resolve inside it, and 'wx' refuses an existing name (a link included) instead of following it.
    const realParent = await fs.realpath(path.dirname(target));
    if (realParent !== realDir && !realParent.startsWith(realDir + path.sep)) {
      throw new AtlasError('invalid_input', `Uploaded file ${f.name} would be written outside its staging folder (a link there points elsewhere); nothing was written for it.`);
    }
    try {
      await fs.writeFile(target, data, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw new AtlasError('invalid_input', `Upload "${id}" already holds a file named ${f.name}: give each dropped file a distinct name (or start a new upload).`);
      throw err;
    }
    bytes += data.length;
    already += data.length;
  }
  return { files: files.length, bytes };
}

export async function removeStaging(id: string): Promise<void> {
  await fs.rm(stagingDir(id), { recursive: true, force: true });
}
