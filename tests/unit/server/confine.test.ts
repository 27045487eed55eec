import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { fsPath } from '../../../src/contract';
import { confinePath, fsPathFields, mapFsPaths, type PathRoots } from '../../../src/server/confine';

let base: string;
let roots: PathRoots;
beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'atlas-confine-'));
  for (const d of ['ws', 'allowed', 'sample', 'outside']) mkdirSync(path.join(base, d));
  symlinkSync(path.join(base, 'outside'), path.join(base, 'ws', 'link-out'));
  roots = { workspace: path.join(base, 'ws'), allowed: [path.join(base, 'allowed')], readOnly: [path.join(base, 'sample')] };
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('confinePath', () => {
  it('takes relative paths from the workspace and accepts the workspace and allowed folders', () => {
    expect(confinePath('exports/a', 'write', roots)).toBe(path.join(base, 'ws', 'exports', 'a'));
    expect(confinePath(path.join(base, 'allowed', 'x'), 'write', roots)).toBe(path.join(base, 'allowed', 'x'));
    expect(confinePath(roots.workspace, 'read', roots)).toBe(roots.workspace);
  });

  it('refuses paths outside, .. that climbs out, a folder whose name only starts like the workspace, and links that lead out', () => {
    expect(() => confinePath(path.join(base, 'outside', 'f'), 'read', roots)).toThrow(/outside the workspace.*--allow/);
    expect(() => confinePath('../outside', 'write', roots)).toThrow(/outside the workspace/);
    mkdirSync(path.join(base, 'ws-evil'), { recursive: true });
    expect(() => confinePath(path.join(base, 'ws-evil'), 'write', roots)).toThrow(/outside the workspace/);
    expect(() => confinePath(path.join(base, 'ws', 'link-out', 'new-file'), 'write', roots)).toThrow(/outside the workspace/);
  });

  it('lets the bundled sample set be read but not written', () => {
    expect(confinePath(path.join(base, 'sample'), 'read', roots)).toBe(path.join(base, 'sample'));
    expect(() => confinePath(path.join(base, 'sample', 'x'), 'write', roots)).toThrow(/can be read but not written/);
  });
});

describe('mapFsPaths and fsPathFields', () => {
  const schema = z
    .object({
      source: z.union([z.object({ folder: fsPath('read') }).strict(), z.object({ staged: z.string() }).strict()]),
      out: fsPath(),
      extra: z.array(z.object({ file: fsPath('read'), name: z.string() })).default([]),
      maybe: fsPath().optional(),
      label: z.string(),
    })
    .strict();

  it('finds every declared path with its access', () => {
    expect(fsPathFields(schema)).toEqual([
      { field: 'source.folder', access: 'read' },
      { field: 'out', access: 'write' },
      { field: 'extra.*.file', access: 'read' },
      { field: 'maybe', access: 'write' },
    ]);
  });

  it('maps exactly the path values, in unions, arrays and optionals, and leaves other strings alone', () => {
    const seen: string[] = [];
    const value = schema.parse({ source: { folder: 'in' }, out: 'o', extra: [{ file: 'f1', name: 'n1' }], label: 'keep' });
    const out = mapFsPaths(schema, value, (p, access) => (seen.push(`${access}:${p}`), `/abs/${p}`)) as typeof value;
    expect(out).toEqual({ source: { folder: '/abs/in' }, out: '/abs/o', extra: [{ file: '/abs/f1', name: 'n1' }], label: 'keep' });
    expect(seen).toEqual(['read:in', 'write:o', 'read:f1']);
    const staged = schema.parse({ source: { staged: 'abc' }, out: 'o', label: 'x' });
    expect((mapFsPaths(schema, staged, (p) => `/abs/${p}`) as typeof staged).source).toEqual({ staged: 'abc' });
  });
});
