/**
 * Long-running work the user can see and cancel (imports, uploads, training): the status bar
 * shows the newest task with its progress, and Esc cancels it.
 */
import { createContext } from 'svelte';

export interface Task {
  readonly id: number;
  label: string;
  /** 0..1, or null while the total is unknown. */
  fraction: number | null;
  detail: string;
  cancel?: () => void;
}

export interface TaskHandle {
  update(fraction: number | null, detail?: string): void;
  end(): void;
}

let nextId = 1;

export class Tasks {
  /** Oldest first; the status bar shows the last. */
  list = $state<Task[]>([]);
  current = $derived<Task | null>(this.list.at(-1) ?? null);

  start(label: string, cancel?: () => void): TaskHandle {
    const id = nextId++;
    this.list.push({ id, label, fraction: null, detail: '', cancel });
    const find = () => this.list.find((t) => t.id === id);
    return {
      update: (fraction, detail) => {
        const task = find();
        if (!task) return;
        task.fraction = fraction;
        if (detail !== undefined) task.detail = detail;
      },
      end: () => {
        const i = this.list.findIndex((t) => t.id === id);
        if (i >= 0) this.list.splice(i, 1);
      },
    };
  }

  /** Esc: cancel the newest task that can be cancelled; false when none can. */
  cancelCurrent(): boolean {
    const task = this.list.findLast((t) => t.cancel);
    task?.cancel?.();
    return Boolean(task);
  }
}

/** The window's tasks: App provides them, the status bar and the panels use them. */
export const [useTasks, provideTasks] = createContext<Tasks>();
