/**
 * The open project: its folder, its project.json as the renderer knows it, whether there are
 * unsaved changes, and the engine calls that create, open, save and restore it. Panels change
 * the project through `markChanged`, which autosaves the user's part of it. Run records are
 * the engine's alone (it writes them as a run goes, from the run's checkpoint): a save never
 * carries them, and `reloadRuns` reads them back.
 */
import { getContext, setContext } from 'svelte';
import type { OpenedProject, ProjectFile } from '../../src/contract';
import { BridgeError, type Bridge } from './bridge';
import { describeError } from './errors';
import { joinPath } from './paths';

export interface RecentProject {
  dir: string;
  name: string;
  openedAt: string;
}

/** Why a project could not be opened, with what the UI can offer to fix it. */
export interface ProjectOpenError {
  dir: string;
  message: string;
  advice: string;
  /** The project.json that failed, when the engine named it. */
  file: string | null;
  /** 'damaged' offers a backup; 'newer' needs a newer app; 'other' is anything else. */
  kind: 'damaged' | 'newer' | 'other';
  backups: Array<{ backup: number; updatedAt: string }>;
}

export interface ChangeOptions {
  /** Wait this long for more changes before saving (settings fields); 0 saves now. */
  debounceMs?: number;
}

export interface Project {
  readonly dir: string | null;
  readonly file: ProjectFile | null;
  readonly dirty: boolean;
  readonly saving: boolean;
  readonly savedAt: string | null;
  readonly notices: string[];
  readonly resumable: string[];
  readonly openError: ProjectOpenError | null;
  readonly saveError: string | null;
  readonly recent: RecentProject[];
  /** "<name> — Latent Atlas", with a "•" while there are unsaved changes. */
  readonly title: string;
  /** Absolute folder of a path stored relative to the project. */
  resolve(relative: string): string;
  create(dir: string, name: string): Promise<OpenedProject | null>;
  open(dir: string): Promise<OpenedProject | null>;
  /**
   * Open the project this window had open last (remembered across reloads and restarts), if
   * it still exists; a folder that is gone is forgotten without an error. `prefer` (the
   * project the engine is training a run of) wins over the remembered one.
   */
  reopenLast(prefer?: string | null): Promise<OpenedProject | null>;
  saveAs(to: string): Promise<OpenedProject | null>;
  restoreBackup(backup: number): Promise<OpenedProject | null>;
  save(): Promise<boolean>;
  /** Change the user's part of the project (import finished, settings, selections, paths) and autosave. */
  markChanged(mutator: (file: Omit<ProjectFile, 'runs'>) => void, options?: ChangeOptions): void;
  /** Read the run records (and which runs can resume) back from the engine, their only writer. */
  reloadRuns(): Promise<void>;
  /** Save now if a change is waiting, and wait for any save in flight. */
  flush(): Promise<void>;
  dismissNotice(index: number): void;
  dropResumable(id: string): void;
  clearOpenError(): void;
  refreshRecent(): Promise<void>;
}

/** An id for a path or selection saved in project.json (short, unique enough within one project). */
export function newItemId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

const CONTEXT = Symbol('latent-atlas-project');

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

/** Make the open project reachable from any panel below (App does this once). */
export function provideProject(project: Project): Project {
  return setContext(CONTEXT, project);
}

/** The open project, for panels that record their work in it: `useProject().markChanged(p => ...)`. */
export function useProject(): Project {
  const project = getContext<Project | undefined>(CONTEXT);
  if (!project) throw new Error('useProject() needs a component inside App.svelte, which calls provideProject().');
  return project;
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

export function createProject(bridge: Bridge): Project {
  const s = $state({
    dir: null as string | null,
    file: null as ProjectFile | null,
    dirty: false,
    saving: false,
    savedAt: null as string | null,
    notices: [] as string[],
    resumable: [] as string[],
    openError: null as ProjectOpenError | null,
    saveError: null as string | null,
    recent: [] as RecentProject[],
  });
  // Bumped on every change; a save that finishes clears `dirty` only if nothing changed meanwhile.
  let version = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inFlight: Promise<boolean> | null = null;
  // Run reloads answer in any order: only the newest one asked for is applied.
  let runsAsked = 0;

  function adopt(opened: OpenedProject) {
    if (timer) clearTimeout(timer);
    timer = null;
    version++;
    Object.assign(s, {
      dir: opened.dir,
      file: opened.project,
      dirty: false,
      savedAt: opened.project.updatedAt,
      notices: opened.notices,
      resumable: opened.resumable,
      openError: null,
      saveError: null,
    });
    rememberLast(opened.dir);
    void refreshRecent();
  }

  function openFailure(dir: string, err: unknown): ProjectOpenError {
    const shown = describeError(err);
    const detail = (err instanceof BridgeError ? err.detail : null) as { file?: string; backups?: ProjectOpenError['backups'] } | null;
    const code = err instanceof BridgeError ? err.code : 'internal';
    const kind = code === 'unsupported' ? 'newer' : (code === 'invalid_input' || code === 'not_found') && detail?.file ? 'damaged' : 'other';
    const advice =
      kind === 'newer'
        ? 'Open it with a newer Latent Atlas; this app left the file as it was.'
        : kind === 'damaged' && detail?.backups?.length
          ? 'Restore the newest backup to continue; the damaged file is kept beside it as project.json.damaged.'
          : shown.advice;
    return { dir, message: shown.message, advice, file: detail?.file ?? null, kind, backups: detail?.backups ?? [] };
  }

  async function attempt(dir: string, call: () => Promise<OpenedProject>): Promise<OpenedProject | null> {
    try {
      // Whatever the old project had waiting is saved before another one takes its place.
      await flush();
      const opened = await call();
      adopt(opened);
      return opened;
    } catch (err) {
      s.openError = openFailure(dir, err);
      return null;
    }
  }

  async function saveNow(): Promise<boolean> {
    if (!s.dir || !s.file) return false;
    const started = version;
    const dir = s.dir;
    s.saving = true;
    try {
      const { runs: _engineOwned, ...mine } = $state.snapshot(s.file) as ProjectFile;
      const { savedAt } = await bridge.call('project.save', { dir, project: mine });
      if (s.dir !== dir) return true;
      s.savedAt = savedAt;
      s.file.updatedAt = savedAt;
      s.saveError = null;
      if (version === started) s.dirty = false;
      return true;
    } catch (err) {
      s.saveError = describeError(err).message;
      return false;
    } finally {
      s.saving = false;
    }
  }

  /** One save at a time; a change made during a save is saved right after it. */
  function save(): Promise<boolean> {
    if (timer) clearTimeout(timer);
    timer = null;
    const previous = inFlight ?? Promise.resolve(true);
    const next = previous.then(saveNow, saveNow);
    inFlight = next;
    void next.finally(() => {
      if (inFlight === next) inFlight = null;
    });
    return next;
  }

  async function flush(): Promise<void> {
    if (timer) await save();
    else if (inFlight) await inFlight;
  }

  async function refreshRecent() {
    try {
      s.recent = (await bridge.call('project.recent', {})).recent;
    } catch {
      // The list is a convenience: without it the path field still opens projects.
    }
  }

  return {
    get dir() {
      return s.dir;
    },
    get file() {
      return s.file;
    },
    get dirty() {
      return s.dirty;
    },
    get saving() {
      return s.saving;
    },
    get savedAt() {
      return s.savedAt;
    },
    get notices() {
      return s.notices;
    },
    get resumable() {
      return s.resumable;
    },
    get openError() {
      return s.openError;
    },
    get saveError() {
      return s.saveError;
    },
    get recent() {
      return s.recent;
    },
    get title() {
      if (!s.file) return 'Latent Atlas';
      return `${s.dirty ? '• ' : ''}${s.file.name} — Latent Atlas`;
    },
    resolve(relative) {
      if (!s.dir) throw new Error('No project is open.');
      return /^([\\/]|[A-Za-z]:)/.test(relative) ? relative : joinPath(s.dir, relative);
    },
    create: (dir, name) => attempt(dir, () => bridge.call('project.create', { dir, name })),
    open: (dir) => attempt(dir, () => bridge.call('project.open', { dir })),
    async reopenLast(prefer) {
      const dir = prefer ?? rememberedLast();
      if (!dir || s.dir) return null;
      try {
        const opened = await bridge.call('project.open', { dir });
        adopt(opened);
        return opened;
      } catch (err) {
        const failure = openFailure(dir, err);
        // Gone (moved or deleted since): forget it quietly. Damaged or newer: say so, as Open would.
        if (err instanceof BridgeError && err.code === 'not_found' && failure.backups.length === 0) rememberLast(null);
        else s.openError = failure;
        return null;
      }
    },
    async saveAs(to) {
      const from = s.dir;
      if (!from) return null;
      // Save As copies the folder on disk: save first so the copy has every change.
      if (!(await save())) return null;
      return attempt(to, () => bridge.call('project.saveAs', { dir: from, to }));
    },
    restoreBackup(backup) {
      const dir = s.openError?.dir;
      if (!dir) return Promise.resolve(null);
      return attempt(dir, () => bridge.call('project.restoreBackup', { dir, backup }));
    },
    save,
    markChanged(mutator, options = {}) {
      if (!s.file) return;
      mutator(s.file);
      version++;
      s.dirty = true;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void save(), options.debounceMs ?? 0);
    },
    async reloadRuns() {
      const dir = s.dir;
      if (!dir) return;
      const asked = ++runsAsked;
      let opened: OpenedProject;
      try {
        opened = await bridge.call('project.open', { dir });
      } catch {
        // The records stay as last read; the next reload (epoch, end of a run, reopen) brings them.
        return;
      }
      if (asked !== runsAsked || s.dir !== dir || !s.file) return;
      s.file.runs = opened.project.runs;
      s.resumable = opened.resumable;
      // The notices about runs are the engine's too; the others stay as the user left them.
      const aboutRun = (n: string) => /^Training run \S+ /.test(n);
      s.notices = [...s.notices.filter((n) => !aboutRun(n)), ...opened.notices.filter(aboutRun)];
    },
    flush,
    dismissNotice(index) {
      s.notices.splice(index, 1);
    },
    dropResumable(id) {
      s.resumable = s.resumable.filter((r) => r !== id);
      s.notices = s.notices.filter((n) => !n.startsWith(`Training run ${id} `));
    },
    clearOpenError() {
      s.openError = null;
    },
    refreshRecent,
  };
}
