import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { EngineClient } from '../host/client';
import { spawnNodeEngine } from '../host/spawn-node';
import { defaultRoots, startServer, type RunningServer } from '../server/server';
import { CliUsageError, shown } from './output';

export interface ServeOptions {
  host: string;
  port: number;
  open: boolean;
  /** More folders the page may use besides the workspace (serve --allow DIR). */
  allow?: string[];
}

/** The built renderer, next to the bundled CLI (dist/renderer beside dist/src). */
export function rendererDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.join(here, '..', 'renderer'), path.join(here, '..', '..', 'dist', 'renderer')]) {
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
  }
  throw new Error('The renderer is not built: run "npm run build" first.');
}

/** Start web mode: an engine process and the server; resolves once it listens. */
export async function serve(options: ServeOptions): Promise<{ server: RunningServer; engine: EngineClient }> {
  // The browser may be on another machine: projects stay inside the workspace folder.
  const engine = new EngineClient(spawnNodeEngine({ env: { LATENT_ATLAS_CONFINE_TO_WORKSPACE: '1' } }));
  engine.on('error', (e) => process.stderr.write(`engine: ${shown(e.message)}\n`));
  const allow = (options.allow ?? []).map((dir) => path.resolve(dir));
  for (const dir of allow) if (!existsSync(dir)) throw new CliUsageError(`--allow ${dir}: no such folder. Name a folder that exists.`);
  const server = await startServer({ engine, rendererDir: rendererDir(), host: options.host, port: options.port, roots: defaultRoots(allow) });
  if (!['127.0.0.1', 'localhost', '::1'].includes(options.host)) {
    process.stderr.write(`Warning: listening on ${options.host}: anyone on the network who has the URL (with its token) can use this app.\n`);
  }
  void engine.start().catch((err) => process.stderr.write(`engine failed to start: ${shown((err as Error).message)}\n`));
  if (options.open) openInBrowser(server.url);
  const shutdown = () => {
    engine.close();
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return { server, engine };
}

function openInBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`Could not open a browser; open ${url} yourself.\n`));
  child.unref();
}
