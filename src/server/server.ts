/**
 * Web mode: one HTTP server that serves the built renderer and a WebSocket that carries the
 * same contract the Electron preload exposes. Bound to 127.0.0.1 unless told otherwise; a
 * random token is required to load the page and to open the socket.
 */
import http from 'node:http';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { MAX_MESSAGE_BYTES, requests, type EventName, type Events } from '../contract';
import type { AtlasErrorData } from '../errors';
import { routeRequest, shownError } from '../host/router';
import type { EngineClient } from '../host/client';
import type { ShellHandlers } from '../host/handler';
import { appPaths } from '../util/app-paths';
import { confinePath, mapFsPaths, type PathRoots } from './confine';
import { resolveStatic } from './static-files';
import { webShellHandlers } from './shell-web';
import { CONTENT_SECURITY_POLICY, allowedHosts, hostAllowed, MalformedHeaderError, newToken, originAllowed, parseRequestUrl, readCookie, tokenCookieName, tokenMatches } from './security';
import type { ClientMessage, ServerMessage } from './wire';

export interface ServerOptions {
  engine: EngineClient;
  /** Folder with the built renderer (index.html and assets). */
  rendererDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  shell?: ShellHandlers;
  /** Where request paths may point; default: the workspace, and the bundled sample set for reading. */
  roots?: PathRoots;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  token: string;
  close(): Promise<void>;
}

/** ws closes the connection above this; below it (and above MAX_MESSAGE_BYTES) we reply with an error. */
const HARD_LIMIT_BYTES = MAX_MESSAGE_BYTES * 2;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const shell = options.shell ?? webShellHandlers;
  const rendererDir = await fs.realpath(options.rendererDir);
  const roots: PathRoots = options.roots ?? defaultRoots([]);
  let allowed = new Set<string>();
  let cookieName = '';

  const server = http.createServer((req, res) => {
    serveHttp(req, res).catch((err: unknown) => {
      // Whatever went wrong, the server stays up and the client learns only that it failed.
      const status = err instanceof MalformedHeaderError ? 400 : 500;
      const text = err instanceof MalformedHeaderError ? err.message : 'Internal error: the request could not be served.';
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(text + '\n');
    });
  });

  async function serveHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refuse = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(text + '\n');
    };
    if (!hostAllowed(req.headers.host, allowed)) return refuse(403, 'Forbidden: unexpected Host header.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'Method not allowed.');
    const url = parseRequestUrl(req.url);
    if (!url) return refuse(400, 'Bad request: the URL cannot be parsed.');
    const queryToken = url.searchParams.get('token');
    const viaQuery = tokenMatches(token, queryToken);
    const viaCookie = tokenMatches(token, readCookie(req.headers.cookie, cookieName));
    if (!viaQuery && !viaCookie) {
      return refuse(403, 'Forbidden: this Latent Atlas server needs its access token. Open the full URL that "npm start" or "latent-atlas serve" printed.');
    }
    const found = await resolveStatic(rendererDir, url.pathname);
    if (!found) return refuse(404, `Not found: ${url.pathname}`);
    const headers: http.OutgoingHttpHeaders = {
      'content-type': found.mime,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    // The page's own requests (scripts, styles) carry the cookie, so the token need not be in every URL.
    if (viaQuery) headers['set-cookie'] = `${cookieName}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    res.end(await fs.readFile(found.file));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_LIMIT_BYTES });

  server.on('upgrade', (req, socket, head) => {
    // A client that hangs up while we answer must not become an uncaught error.
    socket.on('error', () => socket.destroy());
    const reject = (text: string, status = '403 Forbidden') => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${text}\n`);
    };
    const url = parseRequestUrl(req.url);
    if (!url) return reject('Bad request: the URL cannot be parsed.', '400 Bad Request');
    if (url.pathname !== '/ws') return reject('Unknown path.');
    if (!hostAllowed(req.headers.host, allowed)) return reject('Forbidden: unexpected Host header.');
    if (!originAllowed(req.headers.origin, allowed)) return reject('Forbidden: the page that opened this socket is not this app.');
    if (!tokenMatches(token, url.searchParams.get('token'))) return reject('Forbidden: missing or wrong access token.');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  let connectionCounter = 0;
  const connections = new Set<WebSocket>();

  // Engine events reach every page; progress only the page that asked (ids are prefixed per page).
  const unsubscribe = (['progress', 'log', 'error', 'engine.state'] as EventName[]).map((name) => options.engine.on(name, (data) => broadcast(name, data)));

  function broadcast<E extends EventName>(name: E, data: Events[E]): void {
    for (const ws of connections) {
      if (name === 'progress') {
        const progress = data as Events['progress'];
        const prefix = (ws as WebSocket & { prefix?: string }).prefix!;
        if (!progress.requestId.startsWith(prefix)) continue;
        send(ws, { type: 'event', name, data: { ...progress, requestId: progress.requestId.slice(prefix.length) } });
      } else {
        send(ws, { type: 'event', name, data });
      }
    }
  }

  function onConnection(ws: WebSocket): void {
    const prefix = `c${++connectionCounter}:`;
    (ws as WebSocket & { prefix?: string }).prefix = prefix;
    connections.add(ws);
    ws.on('close', () => connections.delete(ws));
    ws.on('error', () => connections.delete(ws));
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      const size = Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : (raw as Buffer).byteLength;
      if (size > MAX_MESSAGE_BYTES) {
        return sendError(ws, undefined, {
          code: 'bad_request',
          message: `Message of ${size} bytes refused: the limit is ${MAX_MESSAGE_BYTES} bytes. Send large uploads in smaller parts.`,
        });
      }
      if (isBinary) return sendError(ws, undefined, { code: 'bad_request', message: 'Binary messages are not part of the contract; send JSON text.' });
      let message: ClientMessage;
      try {
        message = JSON.parse(raw.toString()) as ClientMessage;
      } catch {
        return sendError(ws, undefined, { code: 'bad_request', message: 'Message is not valid JSON.' });
      }
      void onClientMessage(ws, prefix, message);
    });
  }

  async function onClientMessage(ws: WebSocket, prefix: string, message: ClientMessage): Promise<void> {
    if (typeof message !== 'object' || message === null || typeof (message as { id?: unknown }).id !== 'string' || message.id.length > 200) {
      return sendError(ws, undefined, { code: 'bad_request', message: 'Message must be an object with a string "id" (at most 200 characters).' });
    }
    if (message.type === 'cancel') {
      options.engine.cancel(prefix + message.id);
      return;
    }
    if (message.type !== 'request') {
      // Anything else came from a client that does not follow the contract.
      const unknown = message as { id: string; type?: unknown };
      return sendError(ws, unknown.id, { code: 'bad_request', message: `Unknown message type ${JSON.stringify(unknown.type)}.` });
    }
    const { id, channel, payload } = message;
    const reply = await routeRequest(channel, payload, {
      engine: options.engine,
      shell,
      requestId: prefix + id,
      // Every path in the payload made absolute and confined (src/server/confine.ts).
      adjust: (c, value) => mapFsPaths(requests[c].payload, value, (p, access) => confinePath(p, access, roots)),
    });
    send(ws, reply.ok ? { type: 'result', id, ok: true, result: reply.result } : { type: 'result', id, ok: false, error: reply.error });
  }

  function sendError(ws: WebSocket, id: string | undefined, error: AtlasErrorData): void {
    const shown = shownError(error);
    send(ws, id === undefined ? { type: 'error', error: shown } : { type: 'result', id, ok: false, error: shown });
  }

  function send(ws: WebSocket, message: ServerMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(host, port);
  cookieName = tokenCookieName(port);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    host,
    token,
    close: async () => {
      unsubscribe.forEach((off) => off());
      for (const ws of connections) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The workspace (writable), folders the user allowed with --allow, and the bundled sample set (read only). */
export function defaultRoots(allowed: string[]): PathRoots {
  const paths = appPaths();
  return { workspace: paths.workspace, allowed, readOnly: paths.sampleDataset ? [paths.sampleDataset] : [] };
}
