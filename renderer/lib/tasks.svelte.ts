/**
 * Long-running work the user can see and cancel (imports, uploads, training): the status bar
 * shows the newest task with its progress, and Esc cancels it.
 */
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

export interface Tasks {
  readonly list: readonly Task[];
  readonly current: Task | null;
  start(label: string, cancel?: () => void): TaskHandle;
  cancelCurrent(): boolean;
}

let nextId = 1;

export function createTasks(): Tasks {
  const list = $state<Task[]>([]);
  return {
    get list() {
      return list;
    },
    get current() {
      return list.at(-1) ?? null;
    },
    start(label, cancel) {
      const id = nextId++;
      list.push({ id, label, fraction: null, detail: '', cancel });
      const find = () => list.find((t) => t.id === id);
      return {
        update(fraction, detail) {
          const task = find();
          if (!task) return;
          task.fraction = fraction;
          if (detail !== undefined) task.detail = detail;
        },
        end() {
          const i = list.findIndex((t) => t.id === id);
          if (i >= 0) list.splice(i, 1);
        },
      };
    },
    cancelCurrent() {
      const task = [...list].reverse().find((t) => t.cancel);
      task?.cancel?.();
      return Boolean(task);
    },
  };
}
