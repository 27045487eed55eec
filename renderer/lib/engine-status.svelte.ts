/**
 * What the status bar shows about the engine: its state, backend and versions (from a real
 * round trip), and the last engine-level error.
 */
import { createContext } from 'svelte';
import type { EngineInfo, EngineState } from '../../src/contract';
import type { Bridge } from './bridge-api';

export class EngineStatus {
  state = $state<EngineState | 'connecting'>('connecting');
  info = $state.raw<EngineInfo | null>(null);
  error = $state<string | null>(null);
  /** How often the engine was restarted after it died. */
  restarts = $state(0);
  #bridge: Bridge;

  constructor(bridge: Bridge) {
    this.#bridge = bridge;
    bridge.on('engine.state', (e) => {
      this.state = e.state;
      if (e.state === 'restarting') this.restarts += 1;
      if (e.reason) this.error = e.reason;
      // The fresh engine's info (new pid, maybe a new backend) comes from a real round trip.
      if (e.state === 'ready') void this.#refresh();
    });
    bridge.on('error', (e) => {
      this.error = e.message;
    });
    void this.#refresh();
  }

  async #refresh(): Promise<void> {
    try {
      this.info = await this.#bridge.call('engine.info', {});
      this.state = 'ready';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }
}

/** The engine's status: App provides it, the status bar and the Train panel read it. */
export const [useEngineStatus, provideEngineStatus] = createContext<EngineStatus>();
