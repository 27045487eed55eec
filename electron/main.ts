/**
 * Electron main: windows, menus, native dialogs, the app:// protocol and forwarding contract
 * calls to the engine process. No VAE logic lives here: a blocked main process would freeze
 * every window.
 */
import { app, BrowserWindow, dialog, ipcMain, nativeTheme, session, shell, type WebContents } from 'electron';
import path from 'node:path';
import { EngineClient } from '../src/host/client';
import type { ShellHandlers } from '../src/host/handler';
import { APP_ORIGIN, createAppWindow, CrashReloads, externalUrlAllowed } from './window-options';
import { registerAppScheme, serveRenderer } from './app-protocol';
import { spawnUtilityEngine } from './engine-process';
import { forwardEngineEvents, registerContractHandlers } from './ipc';
import { buildMenu } from './menu';
import { ipcChannel } from '../src/contract';
import { createShellHandlers } from './shell-handlers';

// dist/electron/main.cjs -> dist/
const distDir = path.resolve(__dirname, '..');
const windows = new Set<BrowserWindow>();

registerAppScheme();
if (!app.requestSingleInstanceLock()) app.quit();

function shellHandlers(sender: WebContents): ShellHandlers {
  return createShellHandlers(dialog, shell, () => BrowserWindow.fromWebContents(sender) ?? undefined);
}

function createWindow(): BrowserWindow {
  const win = createAppWindow(BrowserWindow, path.join(distDir, 'electron', 'preload.cjs'), nativeTheme.shouldUseDarkColors);
  windows.add(win);
  win.on('closed', () => windows.delete(win));
  win.once('ready-to-show', () => win.show());
  // The window shows our page only: links open in the system browser, never in the app.
  win.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(APP_ORIGIN + '/')) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Only the app's own help pages open, in the system browser (never in the app).
    // Reviewed: url has passed the allow-list of externalUrlAllowed.
    if (externalUrlAllowed(url)) void shell.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK
    return { action: 'deny' };
  });
  const crashes = new CrashReloads();
  win.webContents.on('render-process-gone', (_e, details) => {
    if (details.reason === 'clean-exit' || win.isDestroyed()) return;
    // A crashed renderer is reloaded, a few times; the engine and its work carry on.
    if (crashes.shouldReload(Date.now())) win.webContents.reload();
    else
      void dialog.showMessageBox(win, {
        type: 'error',
        message: 'The window keeps crashing.',
        detail: `Its page crashed ${details.reason} several times in a minute, so it is no longer reloaded. Training and other work in the engine go on; close this window and open a new one (File > New Window).`,
      });
  });
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

app.whenReady().then(() => {
  // No web permission (camera, notifications, geolocation...) is ever granted.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  serveRenderer(path.join(distDir, 'renderer'));
  const engine = new EngineClient(spawnUtilityEngine(path.join(distDir, 'src', 'engine.js')));
  registerContractHandlers({
    ipcMain,
    engine,
    shell: shellHandlers,
    appWindowIds: () => new Set([...windows].filter((w) => !w.isDestroyed()).map((w) => w.webContents.id)),
    // Open Recent changes whenever a project is created, opened or saved elsewhere.
    onEngineResult: (channel) => {
      if (channel === 'project.create' || channel === 'project.open' || channel === 'project.saveAs') void rebuildMenu();
    },
  });
  forwardEngineEvents(engine, () => [...windows].filter((w) => !w.isDestroyed()).map((w) => w.webContents));
  void engine.start().catch(() => {}); // failures reach the UI as engine.state / error events
  const rebuildMenu = () =>
    buildMenu({
      newWindow: createWindow,
      send: (event) => (BrowserWindow.getFocusedWindow() ?? [...windows][0])?.webContents.send(ipcChannel.event, 'menu', event),
      recent: async () => (await engine.request('project.recent', {})).recent,
    });
  void rebuildMenu();
  createWindow();

  app.on('second-instance', () => {
    const [first] = windows;
    if (first) {
      if (first.isMinimized()) first.restore();
      first.focus();
    }
  });
  app.on('activate', () => {
    if (windows.size === 0) createWindow();
  });
  app.on('before-quit', () => engine.close());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
