import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { EngineProcess, FromEngine, SpawnEngine } from './protocol';

/**
 * The built engine entry (dist/src/engine.js). Hosts are bundled into dist/src/ too, so the
 * entry sits next to the bundle that imports this.
 */
export function engineEntryPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.join(here, 'engine.js'), path.join(here, '..', '..', 'dist', 'src', 'engine.js')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`Engine entry not found next to ${here}; run "npm run build" first.`);
}

/** Start the engine with child_process.fork (web mode, CLI, tests). */
export function spawnNodeEngine(options: { entry?: string; env?: NodeJS.ProcessEnv } = {}): SpawnEngine {
  return () => {
    const child = fork(options.entry ?? engineEntryPath(), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...options.env, LATENT_ATLAS_ENGINE: '1' },
      serialization: 'advanced',
    });
    // A write to an engine that has just died fails with EPIPE: its exit is what the client
    // acts on (pending requests fail with 'engine_died'), so the write error itself is dropped
    // instead of becoming an uncaught exception that takes the host (web server, CLI) down.
    child.on('error', () => {});
    const proc: EngineProcess = {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (child.connected) child.send(message, (err) => void err);
      },
      onMessage(listener) {
        child.on('message', (m) => listener(m as FromEngine));
      },
      onExit(listener) {
        child.once('exit', (code, signal) => listener(code, signal));
      },
      kill() {
        child.kill('SIGKILL');
      },
    };
    return proc;
  };
}
