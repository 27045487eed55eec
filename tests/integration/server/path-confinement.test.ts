/**
 * Web mode confines every path a page can name (src/server/confine.ts). Table-driven: every
 * request channel that carries a path has example payloads here, each path marked "@"; the test
 * sends each example once per path with that one path pointing outside the workspace and
 * expects a refusal, then checks nothing outside changed. It fails when
 *  - a channel gains a path field (declared with fsPath()) that no example here covers;
 *  - a request field is named like a path but is a plain string (not declared with fsPath()).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parsePayload, requestChannels, requests, type RequestChannel } from '../../../src/contract';
import { fsPathFields, plainStringFields } from '../../../src/server/confine';
import type { ServerMessage } from '../../../src/server/wire';
import { startWebMode, type WebModeServer } from '../../helpers/web-mode';

/** Example payloads; every string starting with "@" is a path (the rest of it a name inside the workspace). */
const EXAMPLES: Partial<Record<RequestChannel, unknown[]>> = {
  'dataset.import': [
    { source: { folder: '@in' }, output: '@out' },
    { source: { sheet: '@s.png', slicing: { mode: 'atlas', atlas: '@s.json' } }, output: '@out' },
  ],
  'dataset.sheetPreview': [{ sheet: '@s.png', slicing: { mode: 'atlas', atlas: '@s.json' } }],
  'dataset.copy': [{ from: '@a', to: '@b' }],
  'dataset.info': [{ path: '@ds' }],
  'dataset.item': [{ path: '@ds', index: 0 }],
  'dataset.items': [{ path: '@ds', from: 0, count: 1 }],
  'dataset.thumbnails': [{ path: '@ds', page: 0 }],
  'train.run': [{ dataset: '@ds', runDir: '@run', project: { dir: '@proj', runId: 'r1' } }],
  'train.estimate': [{ dataset: '@ds' }],
  'project.create': [{ dir: '@proj', name: 'p' }],
  'project.open': [{ dir: '@proj' }],
  'project.saveAs': [{ dir: '@proj', to: '@proj2' }],
  'project.restoreBackup': [{ dir: '@proj', backup: 1 }],
  'latent.encode': [{ runDir: '@run', dataset: '@ds' }],
  'latent.project': [{ runDir: '@run', dataset: '@ds' }],
  'latent.layout': [{ runDir: '@run', dataset: '@ds', method: 'umap' }],
  'latent.place': [{ runDir: '@run', dataset: '@ds', method: 'umap', z: [[0, 0]] }],
  'latent.decode': [
    { runDir: '@run', z: [[0, 0]] },
    { runDir: '@run', dataset: '@ds', points: [[0, 0, 0]] },
  ],
  'latent.neighbours': [{ runDir: '@run', dataset: '@ds', queries: [{ index: 0 }] }],
  'latent.interpolate': [{ runDir: '@run', dataset: '@ds', waypoints: [{ index: 0 }, { index: 1 }] }],
  'latent.sample': [{ runDir: '@run', dataset: '@ds' }],
  'latent.traverse': [{ runDir: '@run', dataset: '@ds' }],
  'latent.relabel': [{ runDir: '@run', dataset: '@ds', images: [{ index: 0 }] }],
  'latent.labelPath': [{ runDir: '@run', dataset: '@ds', at: { index: 0 }, from: 'a', to: 'b' }],
  'latent.attribute': [{ runDir: '@run', dataset: '@ds', positive: [0], negative: [1], base: { index: 2 } }],
  'selection.exportCsv': [{ dataset: '@ds', indices: [0], file: '@sel.csv' }],
  'export.frames': [
    { source: { interpolate: { runDir: '@run', dataset: '@ds', waypoints: [{ index: 0 }, { index: 1 }] } }, outDir: '@out' },
    { source: { sample: { runDir: '@run', dataset: '@ds' } }, outDir: '@out' },
    { source: { traverse: { runDir: '@run', dataset: '@ds' } }, outDir: '@out' },
    { source: { attribute: { runDir: '@run', dataset: '@ds', positive: [0], negative: [1], base: { index: 2 } } }, outDir: '@out' },
    { source: { latents: { runDir: '@run', z: [[0, 0]], dataset: '@ds' } }, outDir: '@out' },
  ],
  'export.projector': [{ runDir: '@run', dataset: '@ds', outDir: '@out' }],
  'shell.reveal': [{ path: '@somewhere' }],
};

/** A project file's payload is filled in at run time (project.save needs a valid project). */
const PROJECT_SAVE = 'project.save';

/** Last name segments that mean "a path" in this contract. */
const PATH_LIKE = /^(dir|path|folder|file|output|out|outDir|runDir|dataset|sheet|atlas|from|to|source|target|root)$/i;
/** Fields named like paths that are not paths, each with what it is. */
const NOT_PATHS: Record<string, string> = {
  'latent.labelPath: from': 'a label name of a conditional model',
  'latent.labelPath: to': 'a label name of a conditional model',
};

/** Dotted field names of the "@" strings in a value (array items as "*"), and a setter per occurrence. */
function markedLeaves(value: unknown, prefix = ''): { field: string; set: (root: unknown, v: string) => unknown }[] {
  if (typeof value === 'string') return value.startsWith('@') ? [{ field: prefix, set: (_root, v) => v }] : [];
  if (Array.isArray(value))
    return value.flatMap((item, i) =>
      markedLeaves(item, prefix ? `${prefix}.*` : '*').map((l) => ({ field: l.field, set: (root: unknown, v: string) => (root as unknown[]).map((x, j) => (j === i ? l.set(x, v) : x)) })),
    );
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, child]) =>
      markedLeaves(child, prefix ? `${prefix}.${k}` : k).map((l) => ({
        field: l.field,
        set: (root: unknown, v: string) => ({ ...(root as object), [k]: l.set((root as Record<string, unknown>)[k], v) }),
      })),
    );
  return [];
}

/** Replace every "@name" by a path inside `dir`. */
function inside(value: unknown, dir: string): unknown {
  if (typeof value === 'string') return value.startsWith('@') ? path.join(dir, value.slice(1)) : value;
  if (Array.isArray(value)) return value.map((v) => inside(v, dir));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inside(v, dir)]));
  return value;
}

/** Every file under a folder with its size and mtime: "nothing outside changed" is this staying equal. */
function snapshot(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort().map((f) => {
    const s = statSync(path.join(dir, f));
    return `${f} ${s.isDirectory() ? 'dir' : s.size} ${s.mtimeMs}`;
  });
}

let server: WebModeServer;
let ws: WebSocket;
let outside: string;
let counter = 0;

function request(channel: string, payload: unknown): Promise<Extract<ServerMessage, { type: 'result' }>> {
  const id = `q${++counter}`;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (m.type === 'result' && m.id === id) {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'request', id, channel, payload }));
  });
}

beforeAll(async () => {
  outside = mkdtempSync(path.join(tmpdir(), 'atlas-outside-'));
  // What an attacker wants to read or overwrite: files, a dataset-looking folder, a project.
  writeFileSync(path.join(outside, 'id_rsa'), 'secret');
  for (const d of ['in', 'ds', 'run', 'proj', 'out', 'a', 'b']) mkdirSync(path.join(outside, d));
  writeFileSync(path.join(outside, 'in', 'passwords.png'), 'not really a png');
  server = await startWebMode();
  mkdirSync(server.workspace, { recursive: true });
  symlinkSync(outside, path.join(server.workspace, 'link-out'));
  ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin: server.origin });
  await new Promise((resolve) => ws.once('open', resolve));
});
afterAll(async () => {
  ws?.close();
  await server.stop();
  rmSync(outside, { recursive: true, force: true });
});

describe('web mode path confinement, every channel', () => {
  it('declares every path-like request field as a path (fsPath)', () => {
    const undeclared = requestChannels.flatMap((c) =>
      plainStringFields(requests[c].payload as never)
        .filter((f) => PATH_LIKE.test(f.split('.').at(-1)!))
        .map((f) => `${c}: ${f}`)
        .filter((f) => !(f in NOT_PATHS)),
    );
    expect(undeclared, 'declare these with fsPath() in src/contract/').toEqual([]);
  });

  it('has an example here for every path field of every channel, and each example is a valid payload', () => {
    const missing: string[] = [];
    for (const c of requestChannels) {
      const fields = new Set(fsPathFields(requests[c].payload as never).map((f) => f.field));
      if (c === PROJECT_SAVE) continue; // its one path, dir, is covered below
      const covered = new Set((EXAMPLES[c] ?? []).flatMap((e) => markedLeaves(e).map((l) => l.field)));
      for (const f of fields) if (!covered.has(f)) missing.push(`${c}: ${f}`);
      for (const e of EXAMPLES[c] ?? []) {
        const parsed = parsePayload(c, inside(e, '/x'));
        expect(parsed.ok ? null : parsed.error.message, `${c} example ${JSON.stringify(e)}`).toBeNull();
      }
    }
    expect(missing, 'add an example with these fields to EXAMPLES').toEqual([]);
  });

  it('refuses each path pointing outside the workspace, directly, with "..", or through a link inside it, and changes nothing outside', async () => {
    const before = snapshot(outside);
    const created = await request('project.create', { dir: path.join(server.workspace, 'p0'), name: 'p0' });
    expect(created.ok).toBe(true);
    const project = (created as { result: { project: unknown } }).result.project;
    const examples: [string, unknown][] = [...Object.entries(EXAMPLES).flatMap(([c, list]) => list!.map((e) => [c, e] as [string, unknown])), [PROJECT_SAVE, { dir: '@proj', project }]];
    const escapes = [
      (name: string) => path.join(outside, name),
      (name: string) => path.join(server.workspace, '..', path.basename(outside), name),
      (name: string) => path.join(server.workspace, 'link-out', name),
    ];
    let refused = 0;
    let sent = 0;
    for (const [channel, example] of examples) {
      for (const leaf of markedLeaves(example)) {
        for (const escapeTo of escapes) {
          const payload = leaf.set(inside(example, server.workspace), escapeTo('ds'));
          const reply = await request(channel, payload);
          sent++;
          expect(reply.ok, `${channel} ${leaf.field} ${JSON.stringify(payload)}`).toBe(false);
          if (!reply.ok) {
            expect(reply.error.message, `${channel} ${leaf.field}`).toMatch(/outside the workspace/);
            // The refusal names no file of the outside folder.
            expect(reply.error.message).not.toMatch(/id_rsa|passwords/);
            refused++;
          }
        }
      }
    }
    expect(refused).toBe(sent);
    expect(sent).toBeGreaterThan(100);
    expect(snapshot(outside)).toEqual(before);
    expect(readFileSync(path.join(outside, 'id_rsa'), 'utf8')).toBe('secret');
    console.log(JSON.stringify({ confinement: { channels: examples.length, refused, sent } }));
  });

  it('takes a relative path from the workspace, not from the app folder', async () => {
    mkdirSync(path.join(server.workspace, 'rel'), { recursive: true });
    const reply = await request('dataset.info', { path: 'rel' });
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.message).not.toMatch(/outside the workspace/);
      expect(reply.error.message).toContain(path.join(server.workspace, 'rel'));
    }
  });
});
