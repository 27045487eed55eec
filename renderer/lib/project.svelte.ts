/**
 * The open project's document: its folder, its project.json as the renderer knows it, whether
 * there are unsaved changes, and the engine calls that create, open, save and restore it. The
 * session owns the one instance (`session.project`) and decides what opening one brings into
 * the window; panels change it through `markChanged`, which autosaves the user's part of it.
 * Run records are the engine's alone (it writes them as a run goes, from the run's
 * checkpoint): a save never carries them, and `reloadRuns` reads them back.
 */
import type { OpenedProject, ProjectFile } from '../../src/contract';
import { BridgeError, type Bridge } from './bridge';
import { describeError } from './errors';
import { joinPath } from './paths';
import { projectOpenError, type ProjectOpenError } from './project-open-error';

export interface RecentProject {
  dir: string;
  name: string;
  openedAt: string;
}

export interface ChangeOptions {
  /** Wait this long for more changes before saving (settings fields); 0 saves now. */
  debounceMs?: number;
}

/** An id for a path or selection saved in project.json (short, unique enough within one project). */
export function newItemId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

/** Where the window keeps the folder of the project it had open (localStorage: per app origin). */
const LAST_PROJECT_KEY = 'latent-atlas.lastProject';

function rememberLast(dir: string | null) {
  try {
    if (dir) localStorage.setItem(LAST_PROJECT_KEY, dir);
    else localStorage.removeItem(LAST_PROJECT_KEY);
  } catch {
    // Storage may be off (private window): the user opens the project from Recent instead.
  }
}

function rememberedLast(): string | null {
  try {
    return localStorage.getItem(LAST_PROJECT_KEY);
  } catch {
    return null;
  }
}

/** A folder name from a project name: "My sprites!" -> "my-sprites". */
export function projectFolderName(name: string): string {
  return (
    name
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'project'
  );
}

export function defaultProjectDir(workspace: string, name: string): string {
  return joinPath(workspace, 'projects', projectFolderName(name));
}

export class Project {
  dir = $state<string | null>(null);
  file = $state<ProjectFile | null>(null);
  dirty = $state(false);
  saving = $state(false);
  savedAt = $state<string | null>(null);
  notices = $state<string[]>([]);
  resumable = $state<string[]>([]);
  openError = $state<ProjectOpenError | null>(null);
  saveError = $state<string | null>(null);
  recent = $state<RecentProject[]>([]);
  /** "<name> — Latent Atlas", with a "•" while there are unsaved changes. */
  title = $derived(this.file ? `${this.dirty ? '• ' : ''}${this.file.name} — Latent Atlas` : 'Latent Atlas');

  #bridge: Bridge;
  // Bumped on every change; a save that finishes clears `dirty` only if nothing changed meanwhile.
  #version = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #inFlight: Promise<boolean> | null = null;
  // Run reloads answer in any order: only the newest one asked for is applied.
  #runsAsked = 0;

  constructor(bridge: Bridge) {
    this.#bridge = bridge;
  }

  #adopt(opened: OpenedProject) {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#version++;
    this.dir = opened.dir;
    this.file = opened.project;
    this.dirty = false;
    this.savedAt = opened.project.updatedAt;
    this.notices = opened.notices;
    this.resumable = opened.resumable;
    this.openError = null;
    this.saveError = null;
    rememberLast(opened.dir);
    void this.refreshRecent();
  }

  async #attempt(dir: string, call: () => Promise<OpenedProject>): Promise<OpenedProject | null> {
    try {
      // Whatever the old project had waiting is saved before another one takes its place.
      await this.flush();
      const opened = await call();
      this.#adopt(opened);
      return opened;
    } catch (err) {
      this.openError = projectOpenError(dir, err);
      return null;
    }
  }

  async #saveNow(): Promise<boolean> {
    if (!this.dir || !this.file) return false;
    const started = this.#version;
    const dir = this.dir;
    this.saving = true;
    try {
      const { runs: _engineOwned, ...mine } = $state.snapshot(this.file) as ProjectFile;
      const { savedAt } = await this.#bridge.call('project.save', { dir, project: mine });
      if (this.dir !== dir) return true;
      this.savedAt = savedAt;
      if (this.file) this.file.updatedAt = savedAt;
      this.saveError = null;
      if (this.#version === started) this.dirty = false;
      return true;
    } catch (err) {
      this.saveError = describeError(err).message;
      return false;
    } finally {
      this.saving = false;
    }
  }

  /** Absolute folder of a path stored relative to the project. */
  resolve(relative: string): string {
    if (!this.dir) throw new Error('No project is open.');
    return /^([\\/]|[A-Za-z]:)/.test(relative) ? relative : joinPath(this.dir, relative);
  }

  create(dir: string, name: string): Promise<OpenedProject | null> {
    return this.#attempt(dir, () => this.#bridge.call('project.create', { dir, name }));
  }

  open(dir: string): Promise<OpenedProject | null> {
    return this.#attempt(dir, () => this.#bridge.call('project.open', { dir }));
  }

  /**
   * Open the project this window had open last (remembered across reloads and restarts), if
   * it still exists; a folder that is gone is forgotten without an error. `prefer` (the
   * project the engine is training a run of) wins over the remembered one.
   */
  async reopenLast(prefer?: string | null): Promise<OpenedProject | null> {
    const dir = prefer ?? rememberedLast();
    if (!dir || this.dir) return null;
    try {
      const opened = await this.#bridge.call('project.open', { dir });
      this.#adopt(opened);
      return opened;
    } catch (err) {
      const failure = projectOpenError(dir, err);
      // Gone (moved or deleted since): forget it quietly. Damaged or newer: say so, as Open would.
      if (err instanceof BridgeError && err.code === 'not_found' && failure.backups.length === 0) rememberLast(null);
      else this.openError = failure;
      return null;
    }
  }

  async saveAs(to: string): Promise<OpenedProject | null> {
    const from = this.dir;
    if (!from) return null;
    // Save As copies the folder on disk: save first so the copy has every change.
    if (!(await this.save())) return null;
    return this.#attempt(to, () => this.#bridge.call('project.saveAs', { dir: from, to }));
  }

  restoreBackup(backup: number): Promise<OpenedProject | null> {
    const dir = this.openError?.dir;
    if (!dir) return Promise.resolve(null);
    return this.#attempt(dir, () => this.#bridge.call('project.restoreBackup', { dir, backup }));
  }

  /** One save at a time; a change made during a save is saved right after it. */
  save(): Promise<boolean> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const previous = this.#inFlight ?? Promise.resolve(true);
    const saveNow = () => this.#saveNow();
    const next = previous.then(saveNow, saveNow);
    this.#inFlight = next;
    void next.finally(() => {
      if (this.#inFlight === next) this.#inFlight = null;
    });
    return next;
  }

  /** Change the user's part of the project (import finished, settings, selections, paths) and autosave. */
  markChanged(mutator: (file: Omit<ProjectFile, 'runs'>) => void, options: ChangeOptions = {}): void {
    if (!this.file) return;
    mutator(this.file);
    this.#version++;
    this.dirty = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.save(), options.debounceMs ?? 0);
  }

  /** Read the run records (and which runs can resume) back from the engine, their only writer. */
  async reloadRuns(): Promise<void> {
    const dir = this.dir;
    if (!dir) return;
    const asked = ++this.#runsAsked;
    let opened: OpenedProject;
    try {
      opened = await this.#bridge.call('project.open', { dir });
    } catch {
      // The records stay as last read; the next reload (epoch, end of a run, reopen) brings them.
      return;
    }
    if (asked !== this.#runsAsked || this.dir !== dir || !this.file) return;
    this.file.runs = opened.project.runs;
    this.resumable = opened.resumable;
    // The notices about runs are the engine's too; the others stay as the user left them.
    const aboutRun = (n: string) => /^Training run \S+ /.test(n);
    this.notices = [...this.notices.filter((n) => !aboutRun(n)), ...opened.notices.filter(aboutRun)];
  }

  /** Save now if a change is waiting, and wait for any save in flight. */
  async flush(): Promise<void> {
    if (this.#timer) await this.save();
    else if (this.#inFlight) await this.#inFlight;
  }

  dismissNotice(index: number): void {
    this.notices.splice(index, 1);
  }

  dropResumable(id: string): void {
    this.resumable = this.resumable.filter((r) => r !== id);
    this.notices = this.notices.filter((n) => !n.startsWith(`Training run ${id} `));
  }

  clearOpenError(): void {
    this.openError = null;
  }

  async refreshRecent(): Promise<void> {
    try {
      this.recent = (await this.#bridge.call('project.recent', {})).recent;
    } catch {
      // The list is a convenience: without it the path field still opens projects.
    }
  }
}
export type { ProjectOpenError } from './project-open-error';
