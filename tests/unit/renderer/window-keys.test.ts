import { describe, expect, it } from 'vitest';
import type { PanelId } from '../../../renderer/lib/app-state';
import { type KeyedSession, type KeyPlace, onWindowKey } from '../../../renderer/lib/window-keys';

const field: KeyPlace = { inField: true, onButton: false };
const button: KeyPlace = { inField: false, onButton: true };

/** A key press as the window sees it; `prevented` says whether the handler took it. */
function press(key: string, mods: { ctrl?: boolean; shift?: boolean; alt?: boolean } = {}) {
  return {
    key,
    ctrlKey: mods.ctrl ?? false,
    metaKey: false,
    shiftKey: mods.shift ?? false,
    altKey: mods.alt ?? false,
    prevented: false,
    preventDefault() {
      this.prevented = true;
    },
  };
}

function keyedWindow(training = { active: false }) {
  const calls: string[] = [];
  const session: KeyedSession = {
    panel: 'dataset' as PanelId,
    helpOpen: false,
    projectDialog: null as string | null,
    saveProject: async () => void calls.push('save'),
    saveProjectAs: async () => void calls.push('saveAs'),
    requestImport: () => void calls.push('import'),
    startTraining: () => void calls.push('train'),
    training: { active: training.active, togglePause: async () => void calls.push('pause') },
  };
  let confirmPending = false;
  let tasks = 1;
  const targets = {
    session,
    confirmPending: () => confirmPending,
    cancelTask: () => {
      if (tasks === 0) return false;
      tasks--;
      calls.push('cancel');
      return true;
    },
    resetView: () => void calls.push('reset'),
  };
  const key = (k: string, mods?: Parameters<typeof press>[1], place: KeyPlace = { inField: false, onButton: false }) => {
    const e = press(k, mods);
    onWindowKey(e, place, targets);
    return e.prevented;
  };
  return { session, calls, key, ask: (on: boolean) => (confirmPending = on), noTasks: () => (tasks = 0) };
}

describe("the window's keyboard shortcuts", () => {
  it('opens the six panels with 1-6 and toggles the help with ?', () => {
    const w = keyedWindow();
    w.key('3');
    expect(w.session.panel).toBe('explore');
    w.key('6');
    expect(w.session.panel).toBe('export');
    w.key('7');
    expect(w.session.panel).toBe('export');
    w.key('?');
    expect(w.session.helpOpen).toBe(true);
    w.key('?');
    expect(w.session.helpOpen).toBe(false);
  });

  it('saves with Ctrl+S, saves a copy with Ctrl+Shift+S, imports with Ctrl+O and trains with Ctrl+Enter, taking the keys from the browser', () => {
    const w = keyedWindow();
    expect(w.key('s', { ctrl: true })).toBe(true);
    expect(w.key('S', { ctrl: true, shift: true })).toBe(true);
    expect(w.key('o', { ctrl: true })).toBe(true);
    expect(w.key('Enter', { ctrl: true })).toBe(true);
    expect(w.calls).toEqual(['save', 'saveAs', 'import', 'train']);
  });

  it('closes the project dialog first, then the help, then cancels the newest task with Esc', () => {
    const w = keyedWindow();
    w.session.projectDialog = 'open';
    w.session.helpOpen = true;
    w.key('Escape');
    expect(w.session.projectDialog).toBeNull();
    expect(w.session.helpOpen).toBe(true);
    w.key('Escape');
    expect(w.session.helpOpen).toBe(false);
    expect(w.calls).toEqual([]);
    expect(w.key('Escape')).toBe(true);
    expect(w.calls).toEqual(['cancel']);
    // Nothing left to cancel: the key is left to the page.
    expect(w.key('Escape')).toBe(false);
  });

  it('leaves every key but Save to the confirm dialog while it asks', () => {
    const w = keyedWindow({ active: true });
    w.ask(true);
    w.key('Escape');
    w.key('2');
    w.key(' ');
    w.key('Enter', { ctrl: true });
    expect(w.session.panel).toBe('dataset');
    expect(w.calls).toEqual([]);
    w.key('s', { ctrl: true });
    expect(w.calls).toEqual(['save']);
  });

  it('pauses a running training with Space, but not from a button or a field, and resets the view with R', () => {
    const w = keyedWindow({ active: true });
    expect(w.key(' ')).toBe(true);
    w.key(' ', {}, button);
    w.key('2', {}, field);
    w.key('r', {}, field);
    w.key('r', { alt: true });
    w.key('R');
    expect(w.calls).toEqual(['pause', 'reset']);
    expect(w.session.panel).toBe('dataset');
    // Without a run Space is the page's (it scrolls).
    expect(keyedWindow().key(' ')).toBe(false);
  });
});
