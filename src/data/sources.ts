import fsSync, { promises as fs, constants as fsc } from 'node:fs';
import type { ResolvedImportOptions } from './options';
import type { SkipCode } from './skips';
import { makeGlobFilter, type WalkEntry } from './walk';

/** Where the importer's files come from: walked folders, or bytes handed over (uploads). */

/** A walk entry; uploaded files carry their bytes. */
export type SourceEntry = WalkEntry & { bytes?: Uint8Array; raw?: { rgba: Uint8Array; width: number; height: number } };

export interface SourceSkip {
  kind: 'skip';
  code: SkipCode;
  reason: string;
}

function skip(code: SkipCode, reason: string): SourceSkip {
  return { kind: 'skip', code, reason };
}

/**
 * Read a whole file without following it into a FIFO or past the size cap. Synchronous on
 * purpose: a sprite is read in microseconds, while an async read waits in libuv's four-thread
 * pool behind the sharp decodes, which would starve the decoders of input.
 */
export function readSource(file: Buffer, maxFileBytes: number): Uint8Array | SourceSkip {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO swapped in after the walk must not hang the import.
    fd = fsSync.openSync(file, fsc.O_RDONLY | fsc.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return skip('unreadable', 'The file disappeared during the import.');
    if (code === 'ELOOP') return skip('symlink_loop', 'The symbolic link points back to itself.');
    return skip('unreadable', `The file could not be opened (${code ?? 'error'}); check its permissions.`);
  }
  try {
    const st = fsSync.fstatSync(fd);
    if (!st.isFile()) return skip('not_a_file', 'It is not a regular file.');
    if (st.size === 0) return skip('empty_file', 'The file is empty (0 bytes).');
    if (st.size > maxFileBytes) return skip('too_large', `The file is ${st.size} bytes, over the ${maxFileBytes}-byte limit.`);
    const bytes = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < bytes.length) {
      const n = fsSync.readSync(fd, bytes, got, bytes.length - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got === 0) return skip('empty_file', 'The file is empty (0 bytes).');
    return got === bytes.length ? bytes : bytes.subarray(0, got);
  } catch (err) {
    return skip('unreadable', `The file could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  } finally {
    try {
      fsSync.closeSync(fd);
    } catch {
      // Closing a read-only descriptor cannot lose data.
    }
  }
}

export async function realOrNull(p: string): Promise<string | null> {
  try {
    return await fs.realpath(p);
  } catch {
    return null;
  }
}

/** Uploaded files as walk entries: same filters and labels as a folder. */
export async function* listFiles(files: Array<{ name: string; bytes: Uint8Array }>, o: ResolvedImportOptions): AsyncGenerator<SourceEntry> {
  const filter = makeGlobFilter(o);
  for (const f of files) {
    const parts = f.name
      .replace(/\\/g, '/')
      .split('/')
      .filter((p) => p !== '' && p !== '.' && p !== '..');
    const rel = parts.join('/') || '(unnamed)';
    if (!o.includeHidden && parts.some((p) => p.startsWith('.'))) {
      yield { kind: 'ignored', rel, why: 'hidden' };
    } else if (!filter.file(rel)) {
      yield { kind: 'ignored', rel, why: 'excluded' };
    } else {
      yield { kind: 'file', path: Buffer.alloc(0), rel, label: parts.length > 1 ? parts[0] : null, bytes: f.bytes };
    }
  }
}
