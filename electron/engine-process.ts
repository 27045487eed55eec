import { utilityProcess } from 'electron';
import type { EngineProcess, FromEngine, SpawnEngine } from '../src/host/protocol';

/**
 * Start the engine in an Electron utility process: a Node process of its own, so TensorFlow's
 * synchronous work never blocks the main process (and with it every window).
 */
export function spawnUtilityEngine(entry: string): SpawnEngine {
  return () => {
    const child = utilityProcess.fork(entry, [], {
      serviceName: 'Latent Atlas engine',
      stdio: 'inherit',
      env: { ...process.env, LATENT_ATLAS_ENGINE: '1' },
    });
    const proc: EngineProcess = {
      get pid() {
        return child.pid;
      },
      send: (message) => child.postMessage(message),
      onMessage: (listener) => child.on('message', (m: unknown) => listener(m as FromEngine)),
      onExit: (listener) => child.once('exit', (code: number) => listener(code, null)),
      kill: () => void child.kill(),
    };
    return proc;
  };
}
