import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import http from 'node:http';
import net from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_MESSAGE_BYTES } from '../../../src/contract';
import type { ServerMessage } from '../../../src/server/wire';
import { startWebMode, type WebModeServer } from '../../helpers/web-mode';

let server: WebModeServer;
beforeAll(async () => {
  server = await startWebMode();
});
afterAll(() => server.stop());

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

/** Open a socket; resolves with it, or with the HTTP status the upgrade was refused with. */
function connect(query: string, origin: string | undefined): Promise<{ ws?: WebSocket; status?: number; body?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, origin ? { origin } : {});
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    ws.once('error', () => resolve({ status: -1 }));
  });
}

function nextMessage(ws: WebSocket, match: (m: ServerMessage) => boolean = () => true): Promise<ServerMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (match(m)) {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
  });
}

const resultFor = (id: string) => (m: ServerMessage) => m.type === 'result' && m.id === id;

describe('web mode', () => {
  it('serves the page with the token, sets a cookie and sends the CSP', async () => {
    const res = await get(`/?token=${server.token}`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<div id="app">');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("object-src 'none'");
    expect(String(res.headers['set-cookie'])).toContain('HttpOnly');
  });

  it('refuses a page load without the token, with a message saying what to do', async () => {
    const res = await get('/');
    expect(res.status).toBe(403);
    expect(res.body).toContain('access token');
    expect((await get('/?token=wrong')).status).toBe(403);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await get(`/?token=${server.token}`, { host: `attacker.example:${server.port}` });
    expect(res.status).toBe(403);
    expect(res.body).toContain('Host');
  });

  it('refuses a socket without the token or from a foreign origin', async () => {
    const noToken = await connect('', server.origin);
    expect(noToken.status).toBe(403);
    expect(noToken.body).toContain('token');
    const foreign = await connect(`?token=${server.token}`, 'https://evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain('not this app');
    const noOrigin = await connect(`?token=${server.token}`, undefined);
    expect(noOrigin.status).toBe(403);
  });

  it('answers contract requests over the socket', async () => {
    const { ws } = await connect(`?token=${server.token}`, server.origin);
    ws!.send(JSON.stringify({ type: 'request', id: 'a', channel: 'engine.info', payload: {} }));
    const reply = await nextMessage(ws!, resultFor('a'));
    expect(reply).toMatchObject({ type: 'result', id: 'a', ok: true });
    ws!.close();
  });

  it('refuses unknown channels, bad payloads, bad JSON and oversized messages, and lives on', async () => {
    const { ws } = await connect(`?token=${server.token}`, server.origin);
    ws!.send(JSON.stringify({ type: 'request', id: 'u', channel: 'fs.deleteEverything', payload: {} }));
    expect(await nextMessage(ws!, resultFor('u'))).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });

    ws!.send(JSON.stringify({ type: 'request', id: 'p', channel: 'engine.measureSpeed', payload: { seconds: 'x' } }));
    const bad = await nextMessage(ws!, resultFor('p'));
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    ws!.send('{not json');
    expect(await nextMessage(ws!, (m) => m.type === 'error')).toMatchObject({ error: { code: 'bad_request', message: expect.stringContaining('JSON') } });

    ws!.send(JSON.stringify({ type: 'request', id: 'big', channel: 'engine.info', payload: { pad: 'x'.repeat(MAX_MESSAGE_BYTES + 10) } }));
    const big = await nextMessage(ws!, (m) => m.type === 'error');
    expect(big).toMatchObject({ error: { code: 'bad_request', message: expect.stringContaining('limit') } });

    // The same socket and the server still work.
    ws!.send(JSON.stringify({ type: 'request', id: 'after', channel: 'engine.info', payload: {} }));
    expect(await nextMessage(ws!, resultFor('after'))).toMatchObject({ ok: true });
    ws!.close();
    expect(server.process.exitCode).toBeNull();
  });

  it('says a native dialog is unsupported in web mode, so the UI offers a path field', async () => {
    const { ws } = await connect(`?token=${server.token}`, server.origin);
    ws!.send(JSON.stringify({ type: 'request', id: 'd', channel: 'shell.openFolder', payload: {} }));
    expect(await nextMessage(ws!, resultFor('d'))).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    ws!.send(JSON.stringify({ type: 'request', id: 'r', channel: 'shell.reveal', payload: { path: server.workspace } }));
    expect(await nextMessage(ws!, resultFor('r'))).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringContaining('web mode') } });
    ws!.close();
  });

  it('names the token cookie after its port (cookies ignore ports) and answers a malformed Cookie header with 400, never a crash', async () => {
    const page = await get(`/?token=${server.token}`);
    expect(String(page.headers['set-cookie'])).toMatch(new RegExp(`^latent_atlas_token_${server.port}=`));
    // A page on another 127.0.0.1 port can plant a cookie: one not named for this port is not
    // read at all (the page still loads with its token), a malformed one of ours gets 400.
    expect((await get('/', { cookie: 'latent_atlas_token=%' })).status).toBe(403);
    expect((await get(`/?token=${server.token}`, { cookie: 'latent_atlas_token=%; latent_atlas_token_1=%' })).status).toBe(200);
    for (const cookie of [`latent_atlas_token_${server.port}=%`, `a=b; latent_atlas_token_${server.port}=%E0%A4%A`]) {
      const res = await get('/', { cookie });
      expect(res.status).toBe(400);
      expect(res.body).toMatch(/Cookie/);
    }
    // The cookie alone (the way the page's own requests authenticate) still works.
    const token = /^(latent_atlas_token_\d+=[^;]+)/.exec(String(page.headers['set-cookie']))![1];
    expect((await get('/', { cookie: `other=1; ${token}` })).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
    expect((await get(`/?token=${server.token}`)).status).toBe(200);
  });

  it('answers a request line it cannot parse as a URL with 400, on a page load and on a socket upgrade', async () => {
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(server.port, '127.0.0.1', () => socket.write(text));
        let data = '';
        socket.on('data', (d) => (data += d));
        socket.on('close', () => resolve(data));
        socket.on('error', () => resolve(data));
      });
    const host = `127.0.0.1:${server.port}`;
    const pageLoad = await raw(`GET //[ HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(pageLoad).toMatch(/^HTTP\/1\.1 400/);
    const upgrade = await raw(`GET //[ HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    expect(upgrade).toMatch(/^HTTP\/1\.1 400/);
    expect(server.process.exitCode).toBeNull();
    expect((await get(`/?token=${server.token}`)).status).toBe(200);
  });

  it('sends only the code and message of an internal error, never its stack', async () => {
    // A dataset whose images are 100000 pixels square: making a thumbnail page fails with a plain RangeError.
    const dir = path.join(server.workspace, 'internal-error', 'ds');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'index.json'),
      JSON.stringify({
        format: 'latent-atlas-dataset',
        schemaVersion: 1,
        size: 100000,
        channels: 1,
        count: 0,
        datasetHash: 'x',
        options: {},
        items: [],
        labels: [],
        createdAt: new Date().toISOString(),
      }),
    );
    writeFileSync(path.join(dir, 'pixels.bin'), '');
    const { ws } = await connect(`?token=${server.token}`, server.origin);
    ws!.send(JSON.stringify({ type: 'request', id: 'i', channel: 'dataset.thumbnails', payload: { path: dir, page: 0, perPage: 1 } }));
    const reply = (await nextMessage(ws!, resultFor('i'))) as Extract<ServerMessage, { type: 'result'; ok: false }>;
    ws!.close();
    expect(reply.ok).toBe(false);
    expect(reply.error.code).toBe('internal');
    expect(reply.error.message.length).toBeGreaterThan(0);
    expect(Object.keys(reply.error).sort()).toEqual(['code', 'message']);
    expect(JSON.stringify(reply)).not.toMatch(/\n\s+at |\.js:\d+/);
  });
});
