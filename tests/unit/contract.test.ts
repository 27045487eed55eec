import { describe, expect, it } from 'vitest';
import { engineChannels, parsePayload, requestChannels, shellChannels, isRequestChannel } from '../../src/contract';
import { handlers } from '../../src/engine';
import { webShellHandlers } from '../../src/server/shell-web';
import { createShellHandlers } from '../../electron/shell-handlers';

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('the contract', () => {
  it('has exactly one engine handler per engine channel, and no handler without a channel', () => {
    expect(sorted(Object.keys(handlers))).toEqual(sorted(engineChannels));
    for (const channel of engineChannels) expect(typeof handlers[channel]).toBe('function');
  });

  it('has exactly one shell handler per shell channel in web mode and in Electron', () => {
    expect(sorted(Object.keys(webShellHandlers))).toEqual(sorted(shellChannels));
    const electronShell = createShellHandlers(
      { showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showSaveDialog: async () => ({ canceled: true }) } as never,
      { showItemInFolder: () => {} },
      () => undefined,
    );
    expect(sorted(Object.keys(electronShell))).toEqual(sorted(shellChannels));
  });

  it('keeps engine and shell channel names apart', () => {
    expect(engineChannels.filter((c) => (shellChannels as string[]).includes(c))).toEqual([]);
    expect(requestChannels.length).toBe(engineChannels.length + shellChannels.length);
  });

  it('rejects an unknown channel name, including inherited object keys', () => {
    expect(isRequestChannel('engine.info')).toBe(true);
    expect(isRequestChannel('engine.nope')).toBe(false);
    expect(isRequestChannel('toString')).toBe(false);
    expect(isRequestChannel('__proto__')).toBe(false);
  });

  it('validates payloads, fills defaults and names the bad field', () => {
    const ok = parsePayload('engine.measureSpeed', {});
    expect(ok).toEqual({ ok: true, value: { seconds: 2, size: 256 } });
    const bad = parsePayload('engine.measureSpeed', { seconds: 'long' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('bad_request');
      expect(bad.error.message).toContain('engine.measureSpeed');
      expect(bad.error.message).toContain('seconds');
    }
    const extra = parsePayload('engine.info', { sneaky: true });
    expect(extra.ok).toBe(false);
  });
});
