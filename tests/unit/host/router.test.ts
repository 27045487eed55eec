import { describe, expect, it } from 'vitest';
import { AtlasError } from '../../../src/errors';
import { routeRequest } from '../../../src/host/router';
import type { ShellHandlers } from '../../../src/host/handler';

/** A stand-in engine that records what reached it. */
function fakeEngine(answer: (channel: string, payload: unknown) => unknown) {
  const calls: { channel: string; payload: unknown; requestId: string }[] = [];
  return {
    calls,
    request: async (channel: string, payload: unknown, o: { requestId: string }) => {
      calls.push({ channel, payload, requestId: o.requestId });
      return answer(channel, payload);
    },
  };
}
const shell = {
  'shell.openFolder': async () => ({ path: '/picked' }),
  'shell.saveTo': async () => ({ path: null }),
  'shell.reveal': async () => {
    throw new AtlasError('unsupported', 'Not in web mode.');
  },
} as unknown as ShellHandlers;

describe('the request router both hosts use', () => {
  it('validates, fills defaults and sends an engine request with the host-scoped id', async () => {
    const engine = fakeEngine(() => ({ backend: 'cpu' }));
    const done: string[] = [];
    const r = await routeRequest('engine.measureSpeed', {}, { engine: engine as never, shell, requestId: 'w1:r7', onEngineResult: (c) => done.push(c) });
    expect(r).toEqual({ ok: true, result: { backend: 'cpu' } });
    expect(engine.calls).toEqual([{ channel: 'engine.measureSpeed', payload: { seconds: 2, size: 256 }, requestId: 'w1:r7' }]);
    expect(done).toEqual(['engine.measureSpeed']);
  });

  it('answers an unknown channel and a bad payload with an envelope, never reaching the engine', async () => {
    const engine = fakeEngine(() => ({}));
    expect(await routeRequest('fs.deleteEverything', {}, { engine: engine as never, shell, requestId: 'x' })).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    expect(await routeRequest('engine.measureSpeed', { seconds: 'x' }, { engine: engine as never, shell, requestId: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringContaining('seconds') },
    });
    expect(engine.calls).toEqual([]);
  });

  it('sends shell requests to the host, and lets the host refuse a payload (web mode: paths)', async () => {
    const engine = fakeEngine(() => ({}));
    expect(await routeRequest('shell.openFolder', {}, { engine: engine as never, shell, requestId: 'x' })).toEqual({ ok: true, result: { path: '/picked' } });
    expect(await routeRequest('shell.reveal', { path: '/a' }, { engine: engine as never, shell, requestId: 'x' })).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    const refused = await routeRequest(
      'dataset.info',
      { path: '/outside' },
      {
        engine: engine as never,
        shell,
        requestId: 'x',
        adjust: () => {
          throw new AtlasError('invalid_input', '/outside is outside the workspace');
        },
      },
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('outside') } });
    expect(engine.calls).toEqual([]);
  });

  it('passes an internal error on without its stack', async () => {
    const engine = fakeEngine(() => {
      throw new RangeError('boom');
    });
    const r = await routeRequest('engine.info', {}, { engine: engine as never, shell, requestId: 'x' });
    expect(r).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
  });
});
