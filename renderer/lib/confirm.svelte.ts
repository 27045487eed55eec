/**
 * A question the app asks before an act that changes the user's work (importing over a
 * trained project's images): one at a time, answered by the window's ConfirmDialog.
 */
export interface ConfirmRequest {
  title: string;
  /** What will happen, in sentences. */
  message: string;
  /** The button that goes ahead ("Import and replace"). */
  confirmLabel: string;
}

export interface Confirmer {
  readonly pending: ConfirmRequest | null;
  /** Resolves true when the user goes ahead, false on Cancel, Esc or a newer question. */
  ask(request: ConfirmRequest): Promise<boolean>;
  answer(ok: boolean): void;
}

export function createConfirmer(): Confirmer {
  let pending = $state.raw<ConfirmRequest | null>(null);
  let settle: ((ok: boolean) => void) | null = null;
  const answer = (ok: boolean) => {
    const done = settle;
    settle = null;
    pending = null;
    done?.(ok);
  };
  return {
    get pending() {
      return pending;
    },
    ask(request) {
      answer(false);
      pending = request;
      return new Promise<boolean>((resolve) => (settle = resolve));
    },
    answer,
  };
}
