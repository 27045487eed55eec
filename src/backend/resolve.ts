import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * A `require` that resolves packages the way the app's own code would: from this module when
 * it runs unbundled, from the working directory as a fallback (a bundle may sit outside the
 * package tree, or be CommonJS where `import.meta.url` is empty).
 */
export function packageRequires(fromDirs?: string[]): NodeRequire[] {
  if (fromDirs) return fromDirs.map((dir) => createRequire(path.join(dir, 'noop.js')));
  const requires: NodeRequire[] = [];
  try {
    if (typeof import.meta !== 'undefined' && import.meta.url) requires.push(createRequire(import.meta.url));
  } catch {
    // Not an ES module context: fall through to the cwd-based require.
  }
  requires.push(createRequire(path.join(process.cwd(), 'noop.js')));
  return requires;
}

/** Absolute path of a package file, or null when no require can find it. */
export function resolvePackageFile(specifier: string, fromDirs?: string[]): { path: string; req: NodeRequire } | null {
  for (const req of packageRequires(fromDirs)) {
    try {
      return { path: req.resolve(specifier), req };
    } catch {
      // Try the next base.
    }
  }
  return null;
}

export type OptionalPackage = { state: 'absent' } | { state: 'broken'; error: string } | { state: 'loaded'; module: unknown };

/** Absent (cannot resolve), broken (resolves but throws on load), or loaded. `fromDirs` overrides where to look. */
export function loadOptionalPackage(name: string, fromDirs?: string[]): OptionalPackage {
  const found = resolvePackageFile(name, fromDirs);
  if (!found) return { state: 'absent' };
  try {
    return { state: 'loaded', module: found.req(found.path) };
  } catch (err) {
    return { state: 'broken', error: err instanceof Error ? err.message : String(err) };
  }
}

/** Folder holding the wasm backend's .wasm binaries, taken from the installed package. */
export function wasmBinaryFolder(): string | null {
  const found = resolvePackageFile('@tensorflow/tfjs-backend-wasm/package.json');
  if (!found) return null;
  return path.join(path.dirname(found.path), 'dist') + path.sep;
}
