import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireBuilt } from './built';

export interface WebModeServer {
  url: string;
  origin: string;
  token: string;
  port: number;
  /** The server's workspace folder (LATENT_ATLAS_WORKSPACE): the page may only use paths inside it (and --allow folders). */
  workspace: string;
  process: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Start the real CLI's `serve` on a free port and wait for the URL it prints; `args` go to serve (e.g. --allow DIR). */
export async function startWebMode(env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<WebModeServer> {
  // Never the user's ~/LatentAtlas: each server gets its own workspace unless one is given.
  const workspace = env.LATENT_ATLAS_WORKSPACE ?? mkdtempSync(path.join(tmpdir(), 'atlas-web-workspace-'));
  const child = spawn(process.execPath, [requireBuilt('src/cli.js'), 'serve', '--port', '0', '--json', ...args], {
    env: { ...process.env, ...env, LATENT_ATLAS_WORKSPACE: workspace },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const { url, port } = JSON.parse(line) as { url: string; port: number };
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token')!,
    port,
    workspace,
    process: child,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
