/** Helpers every CLI command uses: flags checked by the contract's schemas, and the backend choice. */
import type { z } from 'zod';
import { initBackend, type BackendInfo } from '../backend/choose';
import { CliUsageError } from './output';

/** Validate against a contract schema; name the offending flag on failure. */
export function checked<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.output<S> {
  const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  const parsed = schema.safeParse(defined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new CliUsageError(`--${flag}: ${issue.message}`);
  }
  return parsed.data;
}

/** Start the backend named by --backend (or LATENT_ATLAS_BACKEND), else the fastest present. */
export async function cliBackend(values: Record<string, unknown>): Promise<BackendInfo> {
  const force = (values.backend ?? process.env.LATENT_ATLAS_BACKEND) as 'tensorflow' | 'wasm' | 'cpu' | undefined;
  return initBackend(force ? { force } : {});
}
