import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve';

/**
 * The Electron binary if it is installed and usable, else null. `require('electron')` from
 * Node returns the binary's path, and throws when the package is present without a binary.
 */
export function findElectronBinary(): string | null {
  try {
    const binary: unknown = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** `npm start`: the desktop app where Electron is installed, else the same UI in web mode. */
export async function launch(options: { port: number }): Promise<void> {
  const electron = findElectronBinary();
  if (electron) {
    const appRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
    process.stdout.write('Starting Latent Atlas in Electron.\n');
    const child = spawn(electron, [appRoot], { stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }
  const { server } = await serve({ host: '127.0.0.1', port: options.port, open: false });
  process.stdout.write(`Electron is not installed here, so Latent Atlas runs in web mode: open ${server.url}\n`);
}
