/**
 * Reading and writing project.json so a crash, a kill or a full disk never loses a project:
 * every write goes to a temp file that is fsynced and renamed over the target, the previous
 * three versions are kept as project.json.1 (newest) .. .3, and stale temp files from a
 * killed writer are removed when the project is next read.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PROJECT_SCHEMA_VERSION, projectFileSchema, type ProjectFile } from '../contract';
import { AtlasError } from '../errors';
import { randomBytes } from 'node:crypto';
import { fsyncDir } from '../util/atomic-write';
import { migrateProject } from './migrate';

export const PROJECT_FILE = 'project.json';
export const BACKUP_COUNT = 3;

export const backupPath = (dir: string, n: number) => path.join(dir, `${PROJECT_FILE}.${n}`);

/**
 * One read-change-write at a time per project folder: the engine's per-epoch run records
 * and the user's saves never interleave or overwrite each other.
 */
const queues = new Map<string, Promise<unknown>>();
export function withProjectLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const key = path.resolve(dir);
  const next = (queues.get(key) ?? Promise.resolve()).then(work, work);
  queues.set(
    key,
    next.catch(() => {}),
  );
  return next;
}

/** Write project.json atomically; the version it replaces becomes backup 1 once the new file is in place. */
export function writeProjectFile(dir: string, project: ProjectFile): Promise<void> {
  return withProjectLock(dir, () => writeProjectFileLocked(dir, project));
}

/**
 * writeProjectFile for a caller that already holds the folder's lock. Order: the new text goes
 * to a fsynced temp file; the current file is kept under a temp name (a hard link, so it needs
 * no free space); the temp file is renamed over project.json; only then are the backups
 * rotated. A save that fails (full disk, permissions) leaves project.json and every backup as
 * they were; a crash leaves at most a temp file, removed when the project is next opened.
 */
export function writeProjectFileLocked(dir: string, project: ProjectFile): Promise<void> {
  return (async () => {
    const text = JSON.stringify(projectFileSchema.parse(project), null, 1) + '\n';
    const target = path.join(dir, PROJECT_FILE);
    const fresh = tempName(dir);
    let previous: string | null = null;
    try {
      await writeFsynced(fresh, text);
      previous = await keepCurrent(dir, target);
      await fs.rename(fresh, target);
    } catch (err) {
      await fs.rm(fresh, { force: true }).catch(() => {});
      if (previous) await fs.rm(previous, { force: true }).catch(() => {});
      throw err;
    }
    await fsyncDir(dir);
    if (previous) await rotateBackups(dir, previous);
  })().catch((err) => {
    // The new file never reached project.json: it and the backups are as they were.
    const reason = err instanceof AtlasError ? ((err.detail as { reason?: string })?.reason ?? err.message) : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    throw new AtlasError('io_error', `Could not save ${path.join(dir, PROJECT_FILE)} (${reason}); the previous version is unchanged. Check free disk space and permissions.`, { dir, reason });
  });
}

/** Temp files are named `.project.json.<random>.tmp`, so removeStaleTempFiles finds a killed writer's. */
const tempName = (dir: string) => path.join(dir, `.${PROJECT_FILE}.${randomBytes(6).toString('hex')}.tmp`);

async function writeFsynced(file: string, text: string): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The current project.json under a temp name (hard link, or a copy where links are not supported); null when there is none. */
async function keepCurrent(dir: string, target: string): Promise<string | null> {
  const kept = tempName(dir);
  try {
    await fs.link(target, kept);
    return kept;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EOPNOTSUPP') throw err;
  }
  await writeFsynced(kept, await fs.readFile(target, 'utf8'));
  return kept;
}

/** .2 -> .3, .1 -> .2, the kept version -> .1: renames within the folder, no data written. */
async function rotateBackups(dir: string, kept: string): Promise<void> {
  try {
    for (let n = BACKUP_COUNT - 1; n >= 1; n--) {
      await fs.rename(backupPath(dir, n), backupPath(dir, n + 1)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    await fs.rename(kept, backupPath(dir, 1));
    await fsyncDir(dir);
  } catch {
    // The save itself is done; a backup that could not be rotated is dropped, never half-kept.
    await fs.rm(kept, { force: true }).catch(() => {});
  }
}

/** Parse, migrate and validate a project file's text; errors name the file. */
export function parseProjectText(text: string, file: string): ProjectFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AtlasError('invalid_input', `${file} is damaged (not valid JSON: ${(err as Error).message}).`, { file });
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new AtlasError('invalid_input', `${file} is damaged (it has no schemaVersion).`, { file });
  }
  if (version > PROJECT_SCHEMA_VERSION) {
    throw new AtlasError(
      'unsupported',
      `${file} was saved by a newer Latent Atlas (project format ${version}; this app reads up to ${PROJECT_SCHEMA_VERSION}). Update the app to open it; the file was not changed.`,
      { file, version },
    );
  }
  const migrated = migrateProject(raw as { schemaVersion: number }, file);
  const parsed = projectFileSchema.safeParse(migrated);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AtlasError('invalid_input', `${file} is damaged (${issue.path.join('.') || 'top level'}: ${issue.message}).`, { file, issues: parsed.error.issues.slice(0, 5) });
  }
  return parsed.data;
}

export async function readProjectFile(file: string): Promise<ProjectFile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AtlasError('not_found', `There is no project at ${path.dirname(file)}: ${file} does not exist.`, { file });
    throw new AtlasError('io_error', `Could not read ${file} (${code ?? (err as Error).message}).`, { file });
  }
  return parseProjectText(text, file);
}

/** Backups that parse, newest first: what the app offers when project.json is damaged. */
export async function goodBackups(dir: string): Promise<Array<{ backup: number; updatedAt: string }>> {
  const good: Array<{ backup: number; updatedAt: string }> = [];
  for (let n = 1; n <= BACKUP_COUNT; n++) {
    try {
      good.push({ backup: n, updatedAt: (await readProjectFile(backupPath(dir, n))).updatedAt });
    } catch {
      // a missing or damaged backup is simply not offered
    }
  }
  return good;
}

/** Remove temp files a killed writer left behind (`.<name>.<random>.tmp`). */
export async function removeStaleTempFiles(dir: string): Promise<number> {
  let removed = 0;
  for (const entry of await fs.readdir(dir).catch(() => [] as string[])) {
    if (entry.startsWith(`.${PROJECT_FILE}`) && entry.endsWith('.tmp')) {
      await fs.rm(path.join(dir, entry), { force: true });
      removed++;
    }
  }
  return removed;
}
