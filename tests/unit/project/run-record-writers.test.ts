import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { engineRequests, parsePayload, requestChannels, shellRequests } from '../../../src/contract';

/**
 * Run records have one writer, the engine. No request the UI can send carries one: the
 * dependency rules (tests/integration/tooling/import-rules.test.ts) keep the renderer from
 * importing the engine's writers, and this keeps the wire from being a second way in.
 */
const RUN_RECORD_KEYS = ['id', 'dir', 'status', 'epoch', 'step', 'history'];

/** Every object in a JSON schema, however deep. */
function objectsIn(schema: unknown, found: Array<{ properties: Record<string, unknown> }> = []) {
  if (schema && typeof schema === 'object') {
    const s = schema as { properties?: Record<string, unknown> };
    if (s.properties) found.push({ properties: s.properties });
    for (const value of Object.values(schema)) objectsIn(value, found);
  }
  return found;
}

describe('who writes run records', () => {
  it('no request payload has a field for run records or an object shaped like one', () => {
    const all = { ...engineRequests, ...shellRequests } as Record<string, { payload: z.ZodType }>;
    const carriers: string[] = [];
    for (const channel of requestChannels) {
      const json = z.toJSONSchema(all[channel].payload, { unrepresentable: 'any', io: 'input' });
      for (const { properties } of objectsIn(json)) {
        if ('runs' in properties || RUN_RECORD_KEYS.every((k) => k in properties)) carriers.push(channel);
      }
    }
    expect([...new Set(carriers)]).toEqual([]);
  });

  it('drops the runs of a project sent to project.save (an older page still sends them)', () => {
    const project = { schemaVersion: 1, name: 'p', createdAt: 'a', updatedAt: 'b', dataset: null, trainSettings: {}, paths: [], selections: [] };
    const record = { id: 'r1', dir: 'runs/r1', startedAt: 'a', updatedAt: 'b', status: 'completed', settings: {}, epoch: 1, step: 2, backend: null, history: [] };
    const parsed = parsePayload('project.save', { dir: '/tmp/p', project: { ...project, runs: [record] } });
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.value.project).toEqual(project);
  });
});
