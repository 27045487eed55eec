/**
 * What the status bar shows about the engine: its state, backend and versions (from a real
 * round trip), and the last engine-level error. Rune state shared through one object.
 */
import type { EngineInfo, EngineState } from '../../src/contract';
import type { Bridge } from './bridge';

export interface EngineStatus {
  readonly state: EngineState | 'connecting';
  readonly info: EngineInfo | null;
  readonly error: string | null;
  readonly restarts: number;
}

export function createEngineStatus(bridge: Bridge): EngineStatus {
  const status = $state<{ state: EngineStatus['state']; info: EngineInfo | null; error: string | null; restarts: number }>({
    state: 'connecting',
    info: null,
    error: null,
    restarts: 0,
  });

  async function refresh(): Promise<void> {
    try {
      status.info = await bridge.call('engine.info', {});
      status.state = 'ready';
    } catch (err) {
      status.error = (err as Error).message;
    }
  }

  bridge.on('engine.state', (e) => {
    status.state = e.state;
    if (e.state === 'restarting') status.restarts += 1;
    if (e.reason) status.error = e.reason;
    // The fresh engine's info (new pid, maybe a new backend) comes from a real round trip.
    if (e.state === 'ready') void refresh();
  });
  bridge.on('error', (e) => {
    status.error = e.message;
  });
  void refresh();
  return status;
}
