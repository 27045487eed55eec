/**
 * Web mode's one path check. The page may be on another machine, so every path a request
 * carries must lie inside the workspace or a folder the user allowed when starting the server
 * (`latent-atlas serve --allow DIR`); paths the engine only reads may also name the app's
 * bundled sample set. Relative paths are taken from the workspace (never from the app's install
 * folder) and symlinks are resolved before the check, so a link inside the workspace cannot
 * lead out. Which fields are paths comes from the contract: fields declared with fsPath().
 * Electron does not use this: its paths come from native dialogs the user answered.
 */
import path from 'node:path';
import { z } from 'zod';
import { AtlasError } from '../errors';
import { realOrSelf } from '../project/workspace';

export interface PathRoots {
  /** Relative paths are resolved against this; it is also the first writable root. */
  workspace: string;
  /** More folders the user allowed (read and write). */
  allowed: string[];
  /** Folders that may only be read (the bundled sample set). */
  readOnly: string[];
}

type Access = 'read' | 'write';

/** The fsPath mark of a schema node, if any. */
function accessOf(schema: z.ZodType): Access | undefined {
  const meta = z.globalRegistry.get(schema) as { fsPath?: Access } | undefined;
  return meta?.fsPath;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
  items?: z.ZodType[];
  in?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  valueType?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Schema kinds that wrap one inner schema (optional, default, ...): every walker looks through them. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch']);

/**
 * A copy of `value` (a payload already parsed by `schema`) with every fsPath string replaced
 * by map(path, access). Walks objects, optionals, defaults, unions (the options whose keys
 * cover the value's), arrays, tuples, records, intersections and pipes.
 */
export function mapFsPaths(schema: z.ZodType, value: unknown, map: (p: string, access: Access) => string): unknown {
  const access = accessOf(schema);
  if (access && typeof value === 'string') return map(value, access);
  const def = defOf(schema);
  if (WRAPPERS.has(def.type)) return value === undefined || value === null ? value : mapFsPaths(def.innerType!, value, map);
  switch (def.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null) return value;
      const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const [key, child] of Object.entries(def.shape ?? {})) if (key in out && out[key] !== undefined) out[key] = mapFsPaths(child, out[key], map);
      return out;
    }
    case 'union': {
      let out = value;
      for (const option of def.options ?? []) if (covers(option, out)) out = mapFsPaths(option, out, map);
      return out;
    }
    case 'array':
      return Array.isArray(value) ? value.map((v) => mapFsPaths(def.element!, v, map)) : value;
    case 'tuple':
      return Array.isArray(value) ? value.map((v, i) => (def.items?.[i] ? mapFsPaths(def.items[i], v, map) : v)) : value;
    case 'record':
      return typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapFsPaths(def.valueType!, v, map)])) : value;
    case 'intersection':
      return mapFsPaths(def.right!, mapFsPaths(def.left!, value, map), map);
    case 'pipe':
      return mapFsPaths(def.in!, value, map);
    case 'lazy':
      return mapFsPaths(def.getter!(), value, map);
    default:
      return value;
  }
}

/** Whether a union option can be the one that parsed `value`: for objects, every key of the value is in its shape. */
function covers(option: z.ZodType, value: unknown): boolean {
  const def = defOf(option);
  if (def.type !== 'object') return true;
  if (typeof value !== 'object' || value === null) return false;
  const shape = def.shape ?? {};
  return Object.keys(value).every((k) => k in shape);
}

/** Every fsPath field of a schema, as dotted names ('*' for array items, '|' between union options). */
export function fsPathFields(schema: z.ZodType, prefix = ''): { field: string; access: Access }[] {
  const access = accessOf(schema);
  if (access) return [{ field: prefix || '(payload)', access }];
  const def = defOf(schema);
  const join = (k: string) => (prefix ? `${prefix}.${k}` : k);
  if (WRAPPERS.has(def.type)) return fsPathFields(def.innerType!, prefix);
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([k, child]) => fsPathFields(child, join(k)));
    case 'union':
      return (def.options ?? []).flatMap((o) => fsPathFields(o, prefix));
    case 'array':
      return fsPathFields(def.element!, join('*'));
    case 'intersection':
      return [...fsPathFields(def.left!, prefix), ...fsPathFields(def.right!, prefix)];
    case 'pipe':
      return fsPathFields(def.in!, prefix);
    default:
      return [];
  }
}

/** Every string field of a schema that is NOT an fsPath, with its dotted name (for the naming check). */
export function plainStringFields(schema: z.ZodType, prefix = ''): string[] {
  // fsPath fields, and a project file's own folders (relative, checked not to climb out), are not plain.
  if (accessOf(schema) || (z.globalRegistry.get(schema) as { projectRelative?: boolean } | undefined)?.projectRelative) return [];
  const def = defOf(schema);
  const join = (k: string) => (prefix ? `${prefix}.${k}` : k);
  if (WRAPPERS.has(def.type)) return plainStringFields(def.innerType!, prefix);
  switch (def.type) {
    case 'string':
      return [prefix];
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([k, child]) => plainStringFields(child, join(k)));
    case 'union':
      return (def.options ?? []).flatMap((o) => plainStringFields(o, prefix));
    case 'array':
      return plainStringFields(def.element!, join('*'));
    default:
      return [];
  }
}

const within = (real: string, root: string) => real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * The absolute path to use for `target`, or an AtlasError naming it and the way forward when it
 * (after resolving symlinks of the part that exists) is outside every root it may use.
 */
export function confinePath(target: string, access: Access, roots: PathRoots): string {
  const resolved = path.resolve(roots.workspace, target);
  const real = realOrSelf(resolved);
  const usable = [roots.workspace, ...roots.allowed, ...(access === 'read' ? roots.readOnly : [])].map((r) => realOrSelf(path.resolve(r)));
  if (usable.some((root) => within(real, root))) return resolved;
  const where = access === 'write' && roots.readOnly.some((r) => within(real, realOrSelf(path.resolve(r)))) ? ' The bundled sample set can be read but not written.' : '';
  throw new AtlasError(
    'invalid_input',
    `${target} is outside the workspace (${realOrSelf(path.resolve(roots.workspace))}).${where} In web mode the page may only use files inside the workspace or a folder allowed with "latent-atlas serve --allow DIR".`,
    { path: target, workspace: roots.workspace },
  );
}
