/**
 * The window's keyboard shortcuts (listed for the user in shortcuts.ts): what each key does
 * to the session, the tasks and the 3D view.
 */
import { PANELS } from './app-state.svelte';
import type { Session } from './session.svelte';
import { isTyping } from './shortcuts';

export interface WindowKeyTargets {
  session: Session;
  /** The confirm dialog answers its own keys while it asks. */
  confirmPending(): boolean;
  /** Esc: cancel the newest cancellable task; false when there is none. */
  cancelTask(): boolean;
  resetView(): void;
}

export function onWindowKey(e: KeyboardEvent, { session, confirmPending, cancelTask, resetView }: WindowKeyTargets): void {
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
  if (isTyping(e) || mod || e.altKey) return;
  if (e.key === '?') {
    session.helpOpen = !session.helpOpen;
  } else if (e.key === ' ' && !(e.target instanceof HTMLButtonElement)) {
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
