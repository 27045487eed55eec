/** The keyboard shortcuts, as the help overlay lists them; window-keys.ts dispatches them. */
export interface Shortcut {
  keys: string;
  action: string;
}

const mod = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: `${mod}+S`, action: 'Save the project (it also saves itself after each change)' },
  { keys: `${mod}+Shift+S`, action: 'Save a copy of the project in another folder' },
  { keys: `${mod}+O`, action: 'Import a folder of images' },
  { keys: `${mod}+Enter`, action: 'Start training on the current dataset' },
  { keys: 'Space', action: 'Pause or resume training' },
  { keys: 'Esc', action: 'Cancel the current task (training stops and keeps a checkpoint); close this help' },
  { keys: '1 – 6', action: 'Open the Dataset, Train, Explore, Interpolate, Generate or Export panel' },
  { keys: 'R', action: 'Reset the 3D view' },
  { keys: 'L / B', action: 'Lasso or box selection in the 3D view (again: back to orbiting); shift adds, alt removes' },
  { keys: '?', action: 'Show or hide this help' },
];

/** True when the key event comes from a field where typing must not trigger shortcuts. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target;
  return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || (t instanceof HTMLElement && t.isContentEditable);
}
