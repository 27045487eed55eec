import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const distDir = path.join(repoRoot, 'dist');

/** Integration and e2e tests run the built app; `npm test` builds it first. */
export function requireBuilt(file: string): string {
  const full = path.join(distDir, file);
  if (!existsSync(full)) throw new Error(`${full} is missing: run "npm run build" (npm test does it for you).`);
  return full;
}
