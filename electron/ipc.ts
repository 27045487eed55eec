/**
 * Every IPC handler goes through `registerContractHandlers`: it checks the sender frame, then
 * the shared router (src/host/router.ts, also web mode's) validates the payload against the
 * contract and returns an Envelope (never a throw, so the renderer gets {code, message, detail}
 * intact).
 */
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { ipcChannel, requestChannels, type EngineChannel, type Envelope, type EventName, type Events } from '../src/contract';
import type { EngineClient } from '../src/host/client';
import type { ShellHandlers } from '../src/host/handler';
import { routeRequest } from '../src/host/router';
import { isTrustedSender, isValidRequestId } from './sender-check';

function senderFacts(event: IpcMainEvent | IpcMainInvokeEvent) {
  const frame = event.senderFrame;
  return {
    webContentsId: event.sender?.id,
    frameUrl: frame?.url ?? null,
    isMainFrame: !!frame && frame === event.sender.mainFrame,
  };
}

export function registerContractHandlers(options: {
  ipcMain: IpcMain;
  engine: EngineClient;
  shell: (sender: WebContents) => ShellHandlers;
  appWindowIds: () => ReadonlySet<number>;
  /** Called after an engine request succeeded (main refreshes its menu on project changes). */
  onEngineResult?: (channel: EngineChannel) => void;
}): void {
  const { ipcMain, engine } = options;
  const refused = (what: string): Envelope<never> => ({ ok: false, error: { code: 'bad_request', message: `Refused ${what}: it did not come from a Latent Atlas window.` } });

  // Request ids are namespaced per window so two windows cannot cancel each other's work.
  const scoped = (event: IpcMainInvokeEvent | IpcMainEvent, id: string) => `w${event.sender.id}:${id}`;

  for (const channel of requestChannels) {
    ipcMain.handle(ipcChannel.request(channel), async (event, payload: unknown, requestId: unknown): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(senderFacts(event), options.appWindowIds())) return refused(channel);
      // Shell requests need no id (nothing to cancel); engine requests do.
      const id = requestId === undefined ? 'shell' : requestId;
      if (!isValidRequestId(id)) return { ok: false, error: { code: 'bad_request', message: 'A request id must be a short string of letters, digits and :._-' } };
      return routeRequest(channel, payload, { engine, shell: options.shell(event.sender), requestId: scoped(event, id), onEngineResult: options.onEngineResult });
    });
  }

  ipcMain.on(ipcChannel.cancel, (event, requestId: unknown) => {
    if (!isTrustedSender(senderFacts(event), options.appWindowIds()) || !isValidRequestId(requestId)) return;
    engine.cancel(scoped(event, requestId));
  });
}

/** Forward engine events to every app window; progress only to the window that asked. */
export function forwardEngineEvents(engine: EngineClient, windows: () => WebContents[]): void {
  const names: EventName[] = ['progress', 'log', 'error', 'engine.state'];
  for (const name of names) {
    engine.on(name, (data: Events[EventName]) => {
      for (const wc of windows()) {
        if (name === 'progress') {
          const p = data as Events['progress'];
          const prefix = `w${wc.id}:`;
          if (!p.requestId.startsWith(prefix)) continue;
          wc.send(ipcChannel.event, name, { ...p, requestId: p.requestId.slice(prefix.length) });
        } else {
          wc.send(ipcChannel.event, name, data);
        }
      }
    });
  }
}
