import { describe, expect, it, vi } from 'vitest';
import { Tasks } from '../../../renderer/lib/tasks.svelte';

describe('Tasks (the status bar and Esc)', () => {
  it('shows the newest task, with the progress and detail it reports, until it ends', () => {
    const tasks = new Tasks();
    expect(tasks.current).toBeNull();
    const importing = tasks.start('Importing');
    const training = tasks.start('Training');
    expect(tasks.current?.label).toBe('Training');
    training.update(0.25, 'epoch 1 / 4');
    expect(tasks.current).toMatchObject({ label: 'Training', fraction: 0.25, detail: 'epoch 1 / 4' });
    // A later update without detail keeps the last one.
    training.update(null);
    expect(tasks.current).toMatchObject({ fraction: null, detail: 'epoch 1 / 4' });
    training.end();
    expect(tasks.current?.label).toBe('Importing');
    importing.end();
    expect(tasks.current).toBeNull();
    expect(tasks.list).toHaveLength(0);
  });

  it('ends and updates only its own task, also after others ended', () => {
    const tasks = new Tasks();
    const a = tasks.start('a');
    const b = tasks.start('b');
    a.end();
    a.end();
    a.update(0.5, 'late');
    expect(tasks.list.map((t) => t.label)).toEqual(['b']);
    expect(tasks.current?.fraction).toBeNull();
    b.end();
  });

  it('Esc cancels the newest task that can be cancelled, and says when none can', () => {
    const tasks = new Tasks();
    const cancelOld = vi.fn();
    const cancelNew = vi.fn();
    tasks.start('old', cancelOld);
    tasks.start('new', cancelNew);
    tasks.start('reading names');
    expect(tasks.cancelCurrent()).toBe(true);
    expect(cancelNew).toHaveBeenCalledOnce();
    expect(cancelOld).not.toHaveBeenCalled();
    expect(new Tasks().cancelCurrent()).toBe(false);
    const plain = new Tasks();
    plain.start('not cancellable');
    expect(plain.cancelCurrent()).toBe(false);
  });
});
