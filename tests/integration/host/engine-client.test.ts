import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineClient } from '../../../src/host/client';
import { spawnNodeEngine } from '../../../src/host/spawn-node';
import type { Events } from '../../../src/contract';
import { requireBuilt } from '../../helpers/built';

let client: EngineClient | undefined;
afterEach(() => client?.close());

function newClient(): EngineClient {
  client = new EngineClient(spawnNodeEngine({ entry: requireBuilt('src/engine.js') }));
  return client;
}

describe('the engine host', () => {
  it('answers a round trip from a separate process with its backend', async () => {
    const engine = newClient();
    const info = await engine.request('engine.info', {});
    expect(['tfjs-node', 'wasm', 'cpu']).toContain(info.backend);
    expect(info.pid).not.toBe(process.pid);
    expect(info.backendReason.length).toBeGreaterThan(5);
    expect(info.tfjsVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('prefers wasm over cpu when tfjs-node is absent', async () => {
    const engine = newClient();
    const info = await engine.request('engine.info', {});
    let nodeInstalled = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      nodeInstalled = false;
    }
    expect(info.backend).toBe(nodeInstalled ? 'tfjs-node' : 'wasm');
  });

  it('streams progress events for the request that asked', async () => {
    const engine = newClient();
    const seen: Events['progress'][] = [];
    engine.on('progress', (p) => p.requestId === 'speed-1' && seen.push(p));
    const result = await engine.request('engine.measureSpeed', { seconds: 0.5, size: 128 }, { requestId: 'speed-1' });
    expect(result.gflops).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.channel === 'engine.measureSpeed' && p.total === 0.5)).toBe(true);
  });

  it('cancels a running request with code "cancelled" and stays usable', async () => {
    const engine = newClient();
    await engine.start();
    const controller = new AbortController();
    const running = engine.request('engine.measureSpeed', { seconds: 30, size: 64 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    const info = await engine.request('engine.info', {});
    expect(info.pid).toBe(engine.pid); // the same engine, not a restarted one
  });

  it('refuses an invalid payload before it reaches the engine', async () => {
    const engine = newClient();
    await expect(engine.request('engine.measureSpeed', { seconds: -1 } as never)).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('reports a killed engine as an error and starts a fresh one for the next request', async () => {
    const engine = newClient();
    const first = await engine.request('engine.info', {});
    const errors: Events['error'][] = [];
    const states: string[] = [];
    engine.on('error', (e) => errors.push(e));
    engine.on('engine.state', (s) => states.push(s.state));
    const running = engine.request('engine.measureSpeed', { seconds: 30, size: 64 });
    setTimeout(() => process.kill(first.pid, 'SIGKILL'), 300);
    await expect(running).rejects.toMatchObject({ code: 'engine_died' });
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('engine.measureSpeed');
    const second = await engine.request('engine.info', {});
    expect(second.pid).not.toBe(first.pid);
    expect(states).toEqual(expect.arrayContaining(['restarting', 'starting', 'ready']));
  });

  it('survives writing to an engine that has just died (EPIPE), and reports its exit', async () => {
    // An engine that says it is ready and dies at once.
    const entry = path.join(mkdtempSync(path.join(tmpdir(), 'atlas-dying-engine-')), 'engine.mjs');
    writeFileSync(entry, "process.send({ type: 'ready', info: {} }, () => process.kill(process.pid, 'SIGKILL'));\n");
    const proc = spawnNodeEngine({ entry })();
    const uncaught: Error[] = [];
    const onUncaught = (err: Error) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const exited = new Promise<string | null>((resolve) => proc.onExit((_code, signal) => resolve(signal)));
      proc.onMessage((m) => {
        if (m.type !== 'ready') return;
        // Block until the engine is dead (a zombie: its end of the pipe is closed) but before
        // this process has noticed, then send a big request: the write fails with EPIPE.
        const stat = `/proc/${proc.pid}/stat`;
        while (existsSync(stat) && readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        proc.send({ type: 'request', id: 'big', channel: 'engine.info', payload: { pad: 'x'.repeat(12 * 1024 * 1024) } });
      });
      expect(await exited).toBe('SIGKILL');
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
