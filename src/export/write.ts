/**
 * Write exported files as a set: check every target first and refuse (naming them) if any
 * exists and overwrite is off, then stage all of them in a partial folder, write the commit
 * record last and rename them in (see folder.ts). Cancel stops the staging between files and
 * removes what was staged, so the folder keeps its old set.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AtlasError, throwIfCancelled } from '../errors';
import { fsyncDir } from '../util/atomic-write';
import { COMMIT_RECORD, STAGED, folderError, moveIn, partialName, prepareExportFolder } from './folder';

export interface WriteSetOptions {
  signal?: AbortSignal;
  /** Called after each staged file (done of total). */
  onProgress?: (done: number, total: number) => void;
}

export async function writeExportFiles(outDir: string, files: { name: string; data: Uint8Array | string }[], overwrite: boolean, opts: WriteSetOptions = {}): Promise<string[]> {
  throwIfCancelled(opts.signal);
  const dir = await prepareExportFolder(outDir);
  const targets = files.map((f) => path.join(dir, f.name));
  if (!overwrite) {
    const existing: string[] = [];
    for (const t of targets)
      if (
        await fs.lstat(t).then(
          () => true,
          () => false,
        )
      )
        existing.push(t);
    if (existing.length)
      throw new AtlasError(
        'invalid_input',
        `${existing.length} file${existing.length > 1 ? 's' : ''} already exist${existing.length > 1 ? '' : 's'} in ${dir} (${existing
          .slice(0, 3)
          .map((e) => path.basename(e))
          .join(', ')}${existing.length > 3 ? ', ...' : ''}); choose another folder or name, or allow overwriting.`,
        { existing },
      );
  }
  const partial = path.join(dir, partialName());
  const staged = path.join(partial, STAGED);
  try {
    await fs.mkdir(staged, { recursive: true });
    for (let i = 0; i < files.length; i++) {
      throwIfCancelled(opts.signal);
      await writeSynced(path.join(staged, files[i].name), files[i].data);
      opts.onProgress?.(i + 1, files.length);
    }
    throwIfCancelled(opts.signal);
    await fsyncDir(staged);
    // The commit point: once the record is in place the set is complete and will be moved in
    // (by this call, or by the next export into the folder if this process dies).
    await writeSynced(path.join(partial, `${COMMIT_RECORD}.tmp`), JSON.stringify({ files: files.map((f) => f.name) }));
    await fs.rename(path.join(partial, `${COMMIT_RECORD}.tmp`), path.join(partial, COMMIT_RECORD));
    await fsyncDir(partial);
  } catch (err) {
    await fs.rm(partial, { recursive: true, force: true }).catch(() => {});
    throw err instanceof AtlasError ? err : folderError(err, dir);
  }
  try {
    await moveIn(
      partial,
      dir,
      files.map((f) => f.name),
    );
    await fs.rm(partial, { recursive: true, force: true });
    await removeStaleFileTemps(
      dir,
      files.map((f) => f.name),
    );
  } catch (err) {
    throw folderError(err, dir, 'finish moving the exported files into');
  }
  return targets;
}

async function writeSynced(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Earlier versions wrote each file through its own temp (`.<name>.<12 hex>.tmp`); a kill left them behind. */
async function removeStaleFileTemps(dir: string, names: string[]): Promise<void> {
  const ours = new Set(names);
  for (const entry of await fs.readdir(dir)) {
    const m = /^\.(.+)\.[0-9a-f]{12}\.tmp$/.exec(entry);
    if (m && ours.has(m[1])) await fs.rm(path.join(dir, entry), { force: true });
  }
}
