/**
 * Pause, resume and stop for a running train(). The loop looks at it between steps, so every
 * request takes effect at a clean step boundary; stop also saves a checkpoint there.
 * (Cancel is the AbortSignal: it ends the run at once, without saving.)
 */
export class TrainControl {
  private paused = false;
  private stopping = false;
  private wake: (() => void) | null = null;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.notify();
  }

  stop(): void {
    this.stopping = true;
    this.notify();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get stopRequested(): boolean {
    return this.stopping;
  }

  /** Resolves when resumed, stopped or aborted. */
  waitWhilePaused(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (!this.paused || this.stopping || signal?.aborted) return resolve();
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        this.wake = null;
        resolve();
      };
      this.wake = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private notify(): void {
    this.wake?.();
  }
}
