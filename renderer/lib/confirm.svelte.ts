/**
 * A question the app asks before an act that changes the user's work (importing over a
 * trained project's images): one at a time, answered by the window's ConfirmDialog.
 */
import { createContext } from 'svelte';

export interface ConfirmRequest {
  title: string;
  /** What will happen, in sentences. */
  message: string;
  /** The button that goes ahead ("Import and replace"). */
  confirmLabel: string;
}

export class Confirmer {
  /** The question on screen, if any. */
  pending = $state.raw<ConfirmRequest | null>(null);
  #settle: ((ok: boolean) => void) | null = null;

  /** Resolves true when the user goes ahead, false on Cancel, Esc or a newer question. */
  ask(request: ConfirmRequest): Promise<boolean> {
    this.answer(false);
    this.pending = request;
    return new Promise<boolean>((resolve) => (this.#settle = resolve));
  }

  answer(ok: boolean): void {
    const done = this.#settle;
    this.#settle = null;
    this.pending = null;
    done?.(ok);
  }
}

/** The window's one question at a time: App provides it, the dialog answers it. */
export const [useConfirmer, provideConfirmer] = createContext<Confirmer>();
