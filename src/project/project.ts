/**
 * Projects as the user sees them: create, open (with notices and resumable runs), save,
 * save as, restore a backup. A project is a folder: project.json, the dataset store,
 * the run folders (checkpoints, cached encodings).
 */
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_SCHEMA_VERSION, type OpenedProject, type ProjectFile, type RunRecord } from '../contract';
import { AtlasError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
import { isInUseMark } from '../data/store';
import { hasCheckpoint, readCheckpointState, type CheckpointState } from '../train/checkpoint';
import { epochReport } from '../train/events';
import { backupPath, goodBackups, PROJECT_FILE, readProjectFile, removeStaleTempFiles, withProjectLock, writeProjectFile, writeProjectFileLocked } from './project-file';

export function emptyProject(name: string, now = new Date().toISOString()): ProjectFile {
  return { schemaVersion: PROJECT_SCHEMA_VERSION, name, createdAt: now, updatedAt: now, dataset: null, trainSettings: {}, runs: [], paths: [], selections: [] };
}

export async function createProject(dir: string, name: string): Promise<OpenedProject> {
  const root = path.resolve(dir);
  if (existsSync(path.join(root, PROJECT_FILE))) {
    throw new AtlasError('invalid_input', `${root} already holds a project; open it instead, or choose an empty folder.`, { dir: root });
  }
  await fs.mkdir(root, { recursive: true });
  const project = emptyProject(name);
  await writeProjectFile(root, project);
  return { dir: root, project, notices: [], resumable: [] };
}

/**
 * Open a project folder. A damaged or missing project.json is an error that names the file
 * and lists the good backups (detail.backups) so the UI can offer the newest one.
 */
export async function openProject(dir: string, options: { isRunActive?: (runId: string) => boolean } = {}): Promise<OpenedProject> {
  const root = path.resolve(dir);
  // Under the lock: a temp file of a write this engine is making right now (the per-epoch
  // run record of a training in progress) is not stale, and removing it would fail that write.
  await withProjectLock(root, () => removeStaleTempFiles(root));
  let project: ProjectFile;
  try {
    project = await readProjectFile(path.join(root, PROJECT_FILE));
  } catch (err) {
    if (err instanceof AtlasError && (err.code === 'invalid_input' || err.code === 'not_found')) {
      const backups = await goodBackups(root);
      const offer = backups.length ? ` A backup from ${backups[0].updatedAt} is available: restore it to continue.` : '';
      throw new AtlasError(err.code, err.message + offer, { ...(err.detail as object), backups });
    }
    throw err;
  }
  const notices: string[] = [];
  const resumable: string[] = [];
  const source = project.dataset?.sourceFolder;
  if (source && !existsSync(source)) {
    notices.push(`The original images were at ${source}, which no longer exists. The project still works: the dataset keeps its own copy of the pixels.`);
  }
  if (project.dataset && !existsSync(path.join(root, project.dataset.dir, 'index.json'))) {
    notices.push(`The dataset folder ${path.join(root, project.dataset.dir)} is missing: import the images again.`);
  }
  // A run marked running that this engine is not training was cut off (crash, kill). An
  // interrupted run (marked so by a page that saw its engine die) is synced again too.
  const active = options.isRunActive ?? (() => false);
  const cutOff = project.runs.filter((r) => (r.status === 'running' && !active(r.id)) || r.status === 'interrupted');
  if (cutOff.length) {
    // The run record and the checkpoint are written one after the other, so a kill between
    // the two leaves them an epoch apart: the checkpoint is what a resume continues from.
    const saved = new Map<string, CheckpointState | null>();
    for (const run of cutOff) saved.set(run.id, await readCheckpointState(path.join(root, run.dir)));
    const differs = (run: RunRecord) => {
      const state = saved.get(run.id);
      return run.status === 'running' || (!!state && (state.epoch !== run.epoch || state.history.length !== run.history.length));
    };
    if (cutOff.some(differs)) {
      project = await updateProject(root, (p) => {
        for (const run of p.runs) {
          if (!saved.has(run.id) || (run.status !== 'running' && run.status !== 'interrupted')) continue;
          run.status = 'interrupted';
          const state = saved.get(run.id);
          if (state) syncRunWithCheckpoint(run, state);
        }
      });
    }
  }
  for (const run of project.runs) {
    if (run.status === 'interrupted' && (await hasCheckpoint(path.join(root, run.dir)))) {
      resumable.push(run.id);
      notices.push(`Training run ${run.id} was interrupted after epoch ${run.epoch}; it can resume from its last checkpoint.`);
    }
  }
  return { dir: root, project, notices, resumable };
}

/**
 * The one derivation of a run record from its checkpoint, the truth for where a run is: its
 * epoch, step and loss history become those of the newest checkpoint. Used after every epoch,
 * at the end of a run, on resume and when opening a project with a run that was cut off.
 */
export function syncRunWithCheckpoint(run: RunRecord, state: CheckpointState): void {
  run.epoch = state.epoch;
  run.step = state.step;
  run.history = state.history.map((h) => ({ ...epochReport(h) }));
}

/** What the UI saves: everything in project.json but the run records, which are the engine's. */
export type UserProjectFields = Omit<ProjectFile, 'runs'>;

/**
 * Save the user's part of the project (name, dataset reference, settings, paths, selections).
 * Run records are written by the engine alone (each epoch, at the end of a run, when a cut-off
 * run is found): whatever runs a caller passes are ignored and the file's own are kept.
 */
export async function saveProject(dir: string, project: UserProjectFields): Promise<{ savedAt: string }> {
  const root = path.resolve(dir);
  if (!existsSync(root)) throw new AtlasError('not_found', `The project folder ${root} does not exist any more; use Save As to save elsewhere.`);
  const savedAt = new Date().toISOString();
  const file = path.join(root, PROJECT_FILE);
  await withProjectLock(root, async () => {
    const onDisk = await readProjectFile(file).catch((err: unknown) => {
      throw new AtlasError(
        'invalid_input',
        `Could not save: ${file} can no longer be read (${(err as Error).message}), so its run records would be lost. Open the project again to restore a backup; your unsaved changes stay in the window.`,
        { file },
      );
    });
    const { runs: _ignored, ...fields } = project as ProjectFile;
    await writeProjectFileLocked(root, { ...fields, runs: onDisk.runs, updatedAt: savedAt });
  });
  return { savedAt };
}

/** Change one project under the write lock, e.g. the run record after each training epoch. */
export async function updateProject(dir: string, change: (project: ProjectFile) => void): Promise<ProjectFile> {
  const root = path.resolve(dir);
  return withProjectLock(root, async () => {
    const project = await readProjectFile(path.join(root, PROJECT_FILE));
    change(project);
    project.updatedAt = new Date().toISOString();
    await writeProjectFileLocked(root, project);
    return project;
  });
}

/** Copy the project folder to `to` (which must not hold a project) and open the copy. */
export async function saveProjectAs(dir: string, to: string): Promise<OpenedProject> {
  const from = path.resolve(dir);
  const target = path.resolve(to);
  if (target === from || target.startsWith(from + path.sep)) throw new AtlasError('invalid_input', `Cannot save ${from} into itself (${target}); choose a folder outside it.`);
  if (existsSync(path.join(target, PROJECT_FILE))) throw new AtlasError('invalid_input', `${target} already holds a project; choose an empty folder.`);
  // Never delete what the app did not create: a folder with anything in it is refused (the
  // user picks an empty or new folder); only an empty folder is replaced by the copy.
  const existing = await fs.readdir(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new AtlasError('invalid_input', `${target} exists but is not a folder that can be read (${err.code ?? err.message}); choose an empty or new folder.`, { path: target });
  });
  if (existing && existing.length > 0) {
    throw new AtlasError(
      'invalid_input',
      `${target} is not empty (it holds ${existing.length} ${existing.length === 1 ? 'entry' : 'entries'}, for example ${existing.slice(0, 3).join(', ')}) and is not a project; Save As never writes over other files. Choose an empty or new folder, for example ${path.join(target, path.basename(from))}.`,
      { path: target, entries: existing.length },
    );
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  // Copy into a temp folder beside the target and rename it in: no half-copied project.
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.copying-${process.pid}`);
  await fs.rm(tmp, { recursive: true, force: true });
  try {
    // Temp files and a live run's in-use marks belong to the original, not to the copy.
    await fs.cp(from, tmp, { recursive: true, filter: (src) => !path.basename(src).endsWith('.tmp') && !isInUseMark(path.basename(src)) });
    // rmdir removes only an empty folder: if something appeared there meanwhile, this fails
    // and the copy is dropped instead of the user's files.
    if (existing) await fs.rmdir(target);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw new AtlasError('io_error', `Could not copy the project to ${target} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the original is unchanged.`);
  }
  return openProject(target);
}

/** Put backup n back as project.json (the damaged file is kept as project.json.damaged). */
export async function restoreBackup(dir: string, backup: number): Promise<OpenedProject> {
  const root = path.resolve(dir);
  const text = await fs.readFile(backupPath(root, backup)).catch(() => {
    throw new AtlasError('not_found', `There is no backup ${backup} of the project at ${root}.`);
  });
  const current = await fs.readFile(path.join(root, PROJECT_FILE)).catch(() => null);
  if (current) await writeFileAtomic(path.join(root, `${PROJECT_FILE}.damaged`), current);
  await writeFileAtomic(path.join(root, PROJECT_FILE), text);
  return openProject(root);
}
