import { describe, expect, it } from 'vitest';
import { Confirmer } from '../../../renderer/lib/confirm.svelte';

const question = { title: 'Replace the images?', message: 'The trained model was made from them.', confirmLabel: 'Import and replace' };

describe('Confirmer (one question at a time)', () => {
  it('shows the question until it is answered, and resolves with the answer', async () => {
    const confirmer = new Confirmer();
    const yes = confirmer.ask(question);
    expect(confirmer.pending).toEqual(question);
    confirmer.answer(true);
    expect(confirmer.pending).toBeNull();
    await expect(yes).resolves.toBe(true);
    const no = confirmer.ask(question);
    confirmer.answer(false);
    await expect(no).resolves.toBe(false);
  });

  it('a newer question answers the older one with No', async () => {
    const confirmer = new Confirmer();
    const first = confirmer.ask(question);
    const second = confirmer.ask({ ...question, title: 'Start a new project?' });
    await expect(first).resolves.toBe(false);
    expect(confirmer.pending?.title).toBe('Start a new project?');
    confirmer.answer(true);
    await expect(second).resolves.toBe(true);
  });
});
