import type { BrowserWindowConstructorOptions } from 'electron';

/** The scheme and host the renderer is served from (never file://). */
export const APP_ORIGIN = 'app://latent-atlas';

/**
 * Options for every app window. The renderer gets no Node: it is sandboxed, isolated from the
 * preload, and reaches the engine only through the preload's named contract functions.
 */
export function mainWindowOptions(preloadPath: string, dark: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    title: 'Latent Atlas',
    show: false, // shown on ready-to-show, so the user never sees a white flash
    backgroundColor: dark ? '#15171c' : '#f5f6f8',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}
