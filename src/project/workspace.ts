import path from 'node:path';
import { realpathSync } from 'node:fs';
import { AtlasError } from '../errors';

/**
 * In web mode the browser may be on another machine, so projects live under one workspace
 * root on the server's disk and any path outside it is refused. The server sets
 * LATENT_ATLAS_CONFINE_TO_WORKSPACE=1 for its engine.
 */
export function confineToWorkspace(target: string, workspace: string, confine = process.env.LATENT_ATLAS_CONFINE_TO_WORKSPACE === '1'): string {
  const resolved = path.resolve(target);
  if (!confine) return resolved;
  const root = realOrSelf(path.resolve(workspace));
  // Resolve symlinks of the part that exists, so a link inside the workspace cannot lead out.
  const real = realOrSelf(resolved);
  if (real !== root && !real.startsWith(root + path.sep)) {
    throw new AtlasError('invalid_input', `${target} is outside the workspace (${root}). In web mode projects must live inside the workspace folder.`, { path: target, workspace: root });
  }
  return resolved;
}

/** `p` with the symlinks of its longest existing prefix resolved (the rest appended as given). */
export function realOrSelf(p: string): string {
  let probe = p;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(probe), ...rest.reverse());
    } catch {
      const parent = path.dirname(probe);
      if (parent === probe) return p;
      rest.push(path.basename(probe));
      probe = parent;
    }
  }
}
