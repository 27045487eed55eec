import { promises as fs, type Dirent } from 'node:fs';
import picomatch from 'picomatch';
import { AtlasError } from '../errors';
import type { SkipCode } from './skips';

/**
 * Recursive folder walk over Buffer paths, so names that are not valid UTF-8 can still be
 * opened. Yields every entry it meets as a file to import, a skip with a reason, or an
 * ignored entry (hidden or excluded by a glob): nothing disappears without a trace.
 */

export type WalkEntry =
  | { kind: 'file'; path: Buffer; rel: string; label: string | null }
  | { kind: 'skip'; rel: string; code: SkipCode; reason: string }
  | { kind: 'ignored'; rel: string; why: 'hidden' | 'excluded' | 'own_output' };

export interface WalkOptions {
  includeHidden: boolean;
  include: string[];
  exclude: string[];
  maxDepth: number;
  /** Real paths of folders never to walk into (the output dataset and the cache, when inside the root). */
  skipDirs?: string[];
}

const SEP = Buffer.from('/');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A name as text: UTF-8 when valid, else ASCII with every other byte as %XX (readable, unambiguous). */
export function displayName(name: Uint8Array): string {
  try {
    return utf8.decode(name);
  } catch {
    let out = '';
    for (const b of name) out += b >= 0x20 && b < 0x7f && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    return out;
  }
}

export function makeGlobFilter(opts: Pick<WalkOptions, 'include' | 'exclude' | 'includeHidden'>): { file(rel: string): boolean; dir(rel: string): boolean } {
  const inc = opts.include.length ? picomatch(opts.include, { dot: opts.includeHidden }) : null;
  const exc = opts.exclude.length ? picomatch(opts.exclude, { dot: true }) : null;
  return {
    file: (rel) => (!inc || inc(rel)) && !exc?.(rel),
    dir: (rel) => !(exc && (exc(rel) || exc(`${rel}/`))),
  };
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'EIO';
}

export async function* walkFolder(root: string | Buffer, opts: WalkOptions): AsyncGenerator<WalkEntry> {
  const rootBuf = typeof root === 'string' ? Buffer.from(root) : root;
  let rootReal: Buffer;
  try {
    const st = await fs.stat(rootBuf);
    if (!st.isDirectory()) throw new AtlasError('invalid_input', `${displayName(rootBuf)} is a file, not a folder. Choose the folder that holds your images.`, { path: displayName(rootBuf) });
    rootReal = await fs.realpath(rootBuf, { encoding: 'buffer' });
  } catch (err) {
    if (err instanceof AtlasError) throw err;
    const code = errCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AtlasError('not_found', `The folder ${displayName(rootBuf)} does not exist.`, { path: displayName(rootBuf) });
    throw new AtlasError('io_error', `Could not open the folder ${displayName(rootBuf)} (${code}). Check its permissions.`, { path: displayName(rootBuf) });
  }
  const filter = makeGlobFilter(opts);
  // Real paths (latin1 keys keep arbitrary bytes) of every folder and file met, so a link
  // to something already walked is reported once instead of imported twice or looping.
  const seenDirs = new Set<string>([rootReal.toString('latin1')]);
  const seenFiles = new Set<string>();
  const skipDirs = new Set((opts.skipDirs ?? []).map((d) => Buffer.from(d).toString('latin1')));

  async function* visit(dir: Buffer, dirReal: Buffer, relParts: string[], ancestors: Set<string>): AsyncGenerator<WalkEntry> {
    const relDir = relParts.join('/');
    let entries: Dirent<Buffer>[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      yield { kind: 'skip', rel: relDir || '.', code: 'unreadable', reason: `The folder could not be read (${errCode(err)}).` };
      return;
    }
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const entry of entries) {
      const name = entry.name;
      const rel = relParts.length ? `${relDir}/${displayName(name)}` : displayName(name);
      if (name[0] === 0x2e && !opts.includeHidden) {
        yield { kind: 'ignored', rel, why: 'hidden' };
        continue;
      }
      const full = Buffer.concat([dir, SEP, name]);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      const isLink = entry.isSymbolicLink();
      if (isLink) {
        try {
          const st = await fs.stat(full);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch (err) {
          const code = errCode(err);
          if (code === 'ENOENT' || code === 'ENOTDIR') yield { kind: 'skip', rel, code: 'broken_symlink', reason: 'The symbolic link points to nothing.' };
          else if (code === 'ELOOP') yield { kind: 'skip', rel, code: 'symlink_loop', reason: 'The symbolic link points back to itself.' };
          else yield { kind: 'skip', rel, code: 'unreadable', reason: `The symbolic link could not be followed (${code}).` };
          continue;
        }
      }
      if (isDir) {
        if (!filter.dir(rel)) {
          yield { kind: 'ignored', rel, why: 'excluded' };
          continue;
        }
        let real: Buffer;
        try {
          real = isLink ? await fs.realpath(full, { encoding: 'buffer' }) : Buffer.concat([dirReal, SEP, name]);
        } catch (err) {
          yield { kind: 'skip', rel, code: 'unreadable', reason: `The folder link could not be resolved (${errCode(err)}).` };
          continue;
        }
        const key = real.toString('latin1');
        if (skipDirs.has(key)) {
          yield { kind: 'ignored', rel, why: 'own_output' };
          continue;
        }
        if (ancestors.has(key)) {
          yield { kind: 'skip', rel, code: 'symlink_loop', reason: 'The link points back to a folder that contains it; its files are imported once, from their own folder.' };
          continue;
        }
        if (seenDirs.has(key)) {
          yield { kind: 'skip', rel, code: 'duplicate_path', reason: 'The link points to a folder that is already imported under another path.' };
          continue;
        }
        if (relParts.length + 1 > opts.maxDepth) {
          yield { kind: 'skip', rel, code: 'too_deep', reason: `The folder is nested more than ${opts.maxDepth} levels deep.` };
          continue;
        }
        seenDirs.add(key);
        yield* visit(full, real, [...relParts, displayName(name)], new Set([...ancestors, key]));
      } else if (isFile) {
        if (!filter.file(rel)) {
          yield { kind: 'ignored', rel, why: 'excluded' };
          continue;
        }
        let key: string;
        try {
          key = (isLink ? await fs.realpath(full, { encoding: 'buffer' }) : Buffer.concat([dirReal, SEP, name])).toString('latin1');
        } catch (err) {
          yield { kind: 'skip', rel, code: 'unreadable', reason: `The file link could not be resolved (${errCode(err)}).` };
          continue;
        }
        if (seenFiles.has(key)) {
          yield { kind: 'skip', rel, code: 'duplicate_path', reason: 'Another link to this same file was already imported.' };
          continue;
        }
        seenFiles.add(key);
        yield { kind: 'file', path: full, rel, label: relParts.length ? relParts[0] : null };
      } else {
        yield { kind: 'skip', rel, code: 'not_a_file', reason: 'It is a socket, pipe or device, not a regular file.' };
      }
    }
  }

  yield* visit(rootBuf, rootReal, [], new Set([rootReal.toString('latin1')]));
}
