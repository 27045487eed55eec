import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { ipcChannel, requestChannels } from '../../../src/contract';
import { requireBuilt } from '../../helpers/built';

/** Run the built, sandbox-ready preload with a recording stand-in for the electron module. */
function loadPreload() {
  const exposed: Record<string, unknown> = {};
  const invoked: Array<[string, unknown[]]> = [];
  const sent: Array<[string, unknown[]]> = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
    ipcRenderer: {
      invoke: async (channel: string, ...args: unknown[]) => void invoked.push([channel, args]),
      send: (channel: string, ...args: unknown[]) => void sent.push([channel, args]),
      on: () => {},
      removeListener: () => {},
    },
  };
  const requireShim = (name: string) => {
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  const module = { exports: {} };
  vm.runInNewContext(readFileSync(requireBuilt('electron/preload.cjs'), 'utf8'), { require: requireShim, module, exports: module.exports, console });
  return { exposed, invoked, sent };
}

describe('the preload', () => {
  it('exposes exactly one named function per contract channel, cancel and onEvent', () => {
    const { exposed } = loadPreload();
    expect(Object.keys(exposed)).toEqual(['atlas']);
    const atlas = exposed.atlas as { requests: Record<string, unknown>; cancel: unknown; onEvent: unknown };
    expect(Object.keys(atlas).sort()).toEqual(['cancel', 'onEvent', 'requests']);
    expect(Object.keys(atlas.requests).sort()).toEqual([...requestChannels].sort());
  });

  it('sends each request on its own IPC channel, never a generic one', async () => {
    const { exposed, invoked, sent } = loadPreload();
    const atlas = exposed.atlas as { requests: Record<string, (p: unknown, id: string) => Promise<unknown>>; cancel: (id: string) => void };
    for (const channel of requestChannels) await atlas.requests[channel]({}, 'id1');
    expect(invoked.map(([c]) => c)).toEqual(requestChannels.map((c) => ipcChannel.request(c)));
    atlas.cancel('id1');
    expect(sent).toEqual([[ipcChannel.cancel, ['id1']]]);
  });
});
