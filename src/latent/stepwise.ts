/**
 * Long CPU-bound fits (the fitted prior's EM and PCA) written as generators that yield after each
 * iteration, so one body serves both callers: tests and the bench run them straight through, the
 * engine runs them with a cancel point (a yield to the event loop, where a cancel message can
 * arrive) and a progress report between iterations.
 */
import { cancelPoint } from '../errors';

/** One iteration done: `done` of at most `total` (a fit that converges early ends sooner). */
export interface FitStep<Stage extends string = string> {
  stage: Stage;
  done: number;
  total: number;
}

/** Cancel and progress for a long fit. */
export interface FitWork<Stage extends string = string> {
  signal?: AbortSignal;
  onStep?: (step: FitStep<Stage>) => void;
}

export type Stepwise<T, Stage extends string = string> = Generator<FitStep<Stage>, T, void>;

/** Run a stepwise fit to its end without yielding (tests, the bench, the CLI's own process). */
export function runToEnd<T>(fit: Stepwise<T>): T {
  for (;;) {
    const r = fit.next();
    if (r.done) return r.value;
  }
}

/**
 * Run a stepwise fit, reporting each step and letting the event loop in between steps; a cancel
 * ends it with AtlasError('cancelled') at the next step (the generator's finally blocks run).
 */
export async function runCancellable<T, Stage extends string>(fit: Stepwise<T, Stage>, work: FitWork<Stage>): Promise<T> {
  try {
    for (;;) {
      const r = fit.next();
      if (r.done) return r.value;
      work.onStep?.(r.value);
      await cancelPoint(work.signal);
    }
  } finally {
    fit.return(undefined as never);
  }
}
