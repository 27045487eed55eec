import { describe, expect, it } from 'vitest';
import { APP_ORIGIN, mainWindowOptions } from '../../../electron/window-options';
import { isTrustedSender, isValidRequestId } from '../../../electron/sender-check';

describe('Electron window options', () => {
  it('isolate and sandbox the renderer, with no Node and web security on', () => {
    const prefs = mainWindowOptions('/app/preload.cjs', true).webPreferences!;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.preload).toBe('/app/preload.cjs');
  });

  it('open readable at 1280x800 and are shown only when ready', () => {
    const o = mainWindowOptions('/p', false);
    expect([o.width, o.height]).toEqual([1280, 800]);
    expect(o.show).toBe(false);
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
