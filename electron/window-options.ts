import type { BrowserWindow as BrowserWindowClass } from 'electron';

/** The scheme and host the renderer is served from (never file://). */
export const APP_ORIGIN = 'app://latent-atlas';

/**
 * Create an app window. The options are an object literal at the `new BrowserWindow` call so
 * that static checkers (Electronegativity) can read them: the renderer gets no Node, it is
 * sandboxed, isolated from the preload, and reaches the engine only through the preload's named
 * contract functions. The constructor is a parameter so the unit test can see the options
 * without Electron.
 */
export function createAppWindow(BrowserWindow: typeof BrowserWindowClass, preloadPath: string, dark: boolean): BrowserWindowClass {
  return new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    title: 'Latent Atlas',
    show: false, // shown on ready-to-show, so the user never sees a white flash
    backgroundColor: dark ? '#15171c' : '#f5f6f8',
    webPreferences: {
      // Reviewed: the preload only exposes the contract's named functions through contextBridge.
      preload: preloadPath, // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // A middle click must not open a link in a new window.
      disableBlinkFeatures: 'Auxclick',
    },
  });
}

/** Pages the app may open in the system browser (its help and project pages); nothing else. */
export const EXTERNAL_ALLOW_LIST = ['https://github.com/latent-atlas/', 'https://projector.tensorflow.org/'];

export function externalUrlAllowed(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password) return false;
  return EXTERNAL_ALLOW_LIST.some((prefix) => parsed.href.startsWith(prefix));
}

/**
 * Reload a crashed renderer at most `max` times in `windowMs`: a page that crashes on load
 * would otherwise reload forever, burning CPU while the user sees nothing.
 */
export class CrashReloads {
  private times: number[] = [];
  constructor(
    private readonly max = 3,
    private readonly windowMs = 60_000,
  ) {}

  /** Record a crash at `now`; true when the window should reload. */
  shouldReload(now: number): boolean {
    this.times = this.times.filter((t) => now - t < this.windowMs);
    this.times.push(now);
    return this.times.length <= this.max;
  }
}
