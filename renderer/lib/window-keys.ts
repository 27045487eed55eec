/**
 * The window's keyboard shortcuts (listed for the user in shortcuts.ts): what each key does
 * to the session, the tasks and the 3D view. Free of the DOM (App says where the key was
 * typed), so the dispatch is unit-tested without a browser.
 */
import { PANELS, type PanelId } from './app-state';

/** A key press: the parts of a KeyboardEvent the shortcuts read. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  preventDefault(): void;
}

/** Where the key was typed: in a text field or select (typing, not a shortcut), or on a focused button (Space presses it). */
export interface KeyPlace {
  inField: boolean;
  onButton: boolean;
}

/** What the keys act on in the session (the Session has all of it). */
export interface KeyedSession {
  panel: PanelId;
  helpOpen: boolean;
  projectDialog: string | null;
  saveProject(): Promise<void>;
  saveProjectAs(): Promise<void>;
  requestImport(): void;
  startTraining(): void;
  readonly training: { readonly active: boolean; togglePause(): Promise<void> };
}

export interface WindowKeyTargets {
  session: KeyedSession;
  /** The confirm dialog answers its own keys while it asks. */
  confirmPending(): boolean;
  /** Esc: cancel the newest cancellable task; false when there is none. */
  cancelTask(): boolean;
  resetView(): void;
}

export function onWindowKey(e: KeyPress, place: KeyPlace, { session, confirmPending, cancelTask, resetView }: WindowKeyTargets): void {
  const mod = e.ctrlKey || e.metaKey;
  if (mod && e.key.toLowerCase() === 's') {
    e.preventDefault();
    if (e.shiftKey) void session.saveProjectAs();
    else void session.saveProject();
    return;
  }
  // The confirm dialog answers its own keys (Esc = Cancel); nothing else acts under it.
  if (confirmPending()) return;
  if (e.key === 'Escape') {
    if (session.projectDialog) session.projectDialog = null;
    else if (session.helpOpen) session.helpOpen = false;
    else if (cancelTask()) e.preventDefault();
    return;
  }
  if (mod && e.key.toLowerCase() === 'o') {
    e.preventDefault();
    session.requestImport();
    return;
  }
  if (mod && e.key === 'Enter') {
    e.preventDefault();
    session.startTraining();
    return;
  }
  if (place.inField || mod || e.altKey) return;
  if (e.key === '?') {
    session.helpOpen = !session.helpOpen;
  } else if (e.key === ' ' && !place.onButton) {
    if (session.training.active) {
      e.preventDefault();
      void session.training.togglePause();
    }
  } else if (/^[1-6]$/.test(e.key)) {
    session.panel = PANELS[Number(e.key) - 1].id;
  } else if (e.key === 'r' || e.key === 'R') {
    resetView();
  }
}
