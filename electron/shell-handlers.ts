import type { Dialog, BrowserWindow, Shell } from 'electron';
import type { ShellHandlers } from '../src/host/handler';

/** The shell channels in Electron: native dialogs attached to the window that asked, and the file manager. */
export function createShellHandlers(dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>, shell: Pick<Shell, 'showItemInFolder'>, owner: () => BrowserWindow | undefined): ShellHandlers {
  return {
    'shell.reveal': async ({ path }) => {
      shell.showItemInFolder(path);
      return { ok: true };
    },
    'shell.openFolder': async ({ title }) => {
      const options = { title: title ?? 'Choose a folder of images', properties: ['openDirectory' as const] };
      const win = owner();
      const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return { path: r.canceled ? null : (r.filePaths[0] ?? null) };
    },
    'shell.saveTo': async ({ title, defaultName }) => {
      const options = { title: title ?? 'Save to', defaultPath: defaultName };
      const win = owner();
      const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return { path: r.canceled ? null : (r.filePath ?? null) };
    },
  };
}
