/**
 * The preload: exposes window.atlas with one named function per contract channel, cancel,
 * and an event subscription. Nothing else: no generic invoke, no Node, no ipcRenderer.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { ipcChannel, isEventName, requestChannels, type PreloadApi, type PreloadRequests } from '../src/contract';

const requests = Object.fromEntries(
  requestChannels.map((channel) => [channel, (payload: unknown, requestId: string) => ipcRenderer.invoke(ipcChannel.request(channel), payload, requestId)]),
) as PreloadRequests;

const api: PreloadApi = {
  requests,
  cancel: (requestId) => ipcRenderer.send(ipcChannel.cancel, requestId),
  onEvent: (listener) => {
    const wrapped = (_event: unknown, name: unknown, data: unknown) => {
      if (isEventName(name)) listener(name, data as never);
    };
    ipcRenderer.on(ipcChannel.event, wrapped);
    return () => ipcRenderer.removeListener(ipcChannel.event, wrapped);
  },
};

contextBridge.exposeInMainWorld('atlas', api);
