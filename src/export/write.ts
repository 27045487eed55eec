/**
 * Write exported files: check every target first and refuse (naming them) if any exists and
 * overwrite is off, then write each one atomically.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AtlasError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';

export async function writeExportFiles(outDir: string, files: { name: string; data: Uint8Array | string }[], overwrite: boolean): Promise<string[]> {
  const dir = path.resolve(outDir);
  const targets = files.map((f) => path.join(dir, f.name));
  if (!overwrite) {
    const existing: string[] = [];
    for (const t of targets) if (await fs.lstat(t).then(() => true, () => false)) existing.push(t);
    if (existing.length)
      throw new AtlasError(
        'invalid_input',
        `${existing.length} file${existing.length > 1 ? 's' : ''} already exist${existing.length > 1 ? '' : 's'} in ${dir} (${existing.slice(0, 3).map((e) => path.basename(e)).join(', ')}${existing.length > 3 ? ', ...' : ''}); choose another folder or name, or allow overwriting.`,
        { existing },
      );
  }
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    throw new AtlasError('io_error', `Could not create the export folder ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`, { path: dir });
  }
  for (let i = 0; i < files.length; i++) await writeFileAtomic(targets[i], files[i].data);
  return targets;
}
