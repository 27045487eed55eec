/**
 * Which IPC senders are allowed: only the main frame of a window this app created, showing
 * our own app:// page. This rejects IPC from webviews, sub-frames, detached windows and any
 * page that navigated elsewhere.
 */
import { APP_ORIGIN } from './window-options';

export interface SenderFacts {
  /** webContents id of the sender, if any. */
  webContentsId: number | undefined;
  /** URL of the frame that sent the message (null when the frame is gone). */
  frameUrl: string | null;
  /** Whether the sending frame is its page's main frame. */
  isMainFrame: boolean;
}

export function isTrustedSender(sender: SenderFacts, appWindowIds: ReadonlySet<number>): boolean {
  if (sender.webContentsId === undefined || !appWindowIds.has(sender.webContentsId)) return false;
  if (!sender.isMainFrame || !sender.frameUrl) return false;
  let url: URL;
  try {
    url = new URL(sender.frameUrl);
  } catch {
    return false;
  }
  return `${url.protocol}//${url.host}` === APP_ORIGIN;
}

/** A request id from the renderer: a short printable string, or the request is refused. */
export function isValidRequestId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= 200 && /^[\w:.-]+$/.test(id);
}
