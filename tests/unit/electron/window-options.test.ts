import { describe, expect, it } from 'vitest';
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import { readFileSync } from 'node:fs';
import { APP_ORIGIN, createAppWindow, CrashReloads, externalUrlAllowed } from '../../../electron/window-options';
import { isTrustedSender, isValidRequestId } from '../../../electron/sender-check';

/** The options createAppWindow passes to the BrowserWindow constructor, caught by a stand-in class. */
function windowOptions(preload: string, dark: boolean): BrowserWindowConstructorOptions {
  let seen: BrowserWindowConstructorOptions | undefined;
  class FakeWindow {
    constructor(o: BrowserWindowConstructorOptions) {
      seen = o;
    }
  }
  createAppWindow(FakeWindow as unknown as typeof BrowserWindow, preload, dark);
  return seen!;
}

describe('Electron window options', () => {
  it('isolate and sandbox the renderer, with no Node and web security on', () => {
    const prefs = windowOptions('/app/preload.cjs', true).webPreferences!;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.preload).toBe('/app/preload.cjs');
    expect(prefs.disableBlinkFeatures).toBe('Auxclick');
  });

  it('open readable at 1280x800 and are shown only when ready', () => {
    const o = windowOptions('/p', false);
    expect([o.width, o.height]).toEqual([1280, 800]);
    expect(o.show).toBe(false);
  });
});

describe('external links and crash reloads', () => {
  it('opens only allow-listed https pages in the system browser', () => {
    expect(externalUrlAllowed('https://github.com/latent-atlas/latent-atlas#readme')).toBe(true);
    expect(externalUrlAllowed('https://projector.tensorflow.org/')).toBe(true);
    expect(externalUrlAllowed('https://github.com/latent-atlas.evil.example/')).toBe(false);
    expect(externalUrlAllowed('https://evil.example/?https://github.com/latent-atlas/')).toBe(false);
    expect(externalUrlAllowed('https://user:pw@github.com/latent-atlas/')).toBe(false);
    expect(externalUrlAllowed('http://github.com/latent-atlas/')).toBe(false);
    expect(externalUrlAllowed('file:///etc/passwd')).toBe(false);
    expect(externalUrlAllowed('not a url')).toBe(false);
  });

  it('reloads a crashed page three times a minute, then stops', () => {
    const c = new CrashReloads(3, 60_000);
    expect([0, 1000, 2000, 3000].map((t) => c.shouldReload(t))).toEqual([true, true, true, false]);
    // A minute after the first crashes they no longer count.
    expect(c.shouldReload(70_000)).toBe(true);
  });

  it('turns the file-protocol privileges fuse off in the packaged app', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(pkg.build.electronFuses).toMatchObject({ grantFileProtocolExtraPrivileges: false, runAsNode: false, onlyLoadAppFromAsar: true });
  });
});

describe('the IPC sender check', () => {
  const windows = new Set([7]);
  const main = { webContentsId: 7, frameUrl: `${APP_ORIGIN}/index.html`, isMainFrame: true };

  it('accepts the main frame of an app window showing the app page', () => {
    expect(isTrustedSender(main, windows)).toBe(true);
  });

  it('does not accept senders outside a known app window', () => {
    expect(isTrustedSender({ ...main, webContentsId: 8 }, windows)).toBe(false);
    expect(isTrustedSender({ ...main, webContentsId: undefined }, windows)).toBe(false);
  });

  it('does not accept sub-frames, foreign pages or gone frames', () => {
    expect(isTrustedSender({ ...main, isMainFrame: false }, windows)).toBe(false);
    expect(isTrustedSender({ ...main, frameUrl: 'https://evil.example/' }, windows)).toBe(false);
    expect(isTrustedSender({ ...main, frameUrl: 'file:///etc/passwd' }, windows)).toBe(false);
    expect(isTrustedSender({ ...main, frameUrl: 'app://other/index.html' }, windows)).toBe(false);
    expect(isTrustedSender({ ...main, frameUrl: null }, windows)).toBe(false);
  });

  it('accepts only short printable request ids', () => {
    expect(isValidRequestId('r1a:2')).toBe(true);
    expect(isValidRequestId('')).toBe(false);
    expect(isValidRequestId('x'.repeat(201))).toBe(false);
    expect(isValidRequestId('a b')).toBe(false);
    expect(isValidRequestId(42)).toBe(false);
  });
});
