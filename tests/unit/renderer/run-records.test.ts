import { describe, expect, it } from 'vitest';
import { type RunRecord, runRecordSchema } from '../../../src/contract';
import { historyOf, importOverModelQuestion, modelToShow, sameDir, savedReport, savedStatus } from '../../../renderer/lib/run-records';

/** A run record as project.json holds it (checked against the contract's schema). */
function run(id: string, startedAt: string, epochs: number, status: RunRecord['status'] = 'completed', backend: string | null = 'wasm'): RunRecord {
  const history = Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, step: (i + 1) * 10, train: { recon: 100 - i, kl: 5, elbo: 105 - i }, val: null, seconds: 1 }));
  return runRecordSchema.parse({ id, dir: `runs/${id}`, startedAt, updatedAt: startedAt, status, settings: {}, epoch: epochs, step: epochs * 10, backend, history });
}

describe("reading a project's run records", () => {
  it('takes two spellings of one folder for the same folder, and different folders for different ones', () => {
    expect(sameDir('/w/p/runs/r1', '/w/p/runs/r1/')).toBe(true);
    expect(sameDir('C:\\w\\p\\runs\\r1', 'C:/w/p/runs/r1')).toBe(true);
    expect(sameDir('/w//p/runs/r1', '/w/p/runs/r1')).toBe(true);
    expect(sameDir('/w/p/runs/r1', '/w/p/runs/r10')).toBe(false);
  });

  it("shows a record as the report of its epochs, with the record's backend or the engine's", () => {
    const done = run('r1', '2026-11-30T10:00:00.000Z', 3);
    const report = savedReport(done, 'cpu');
    expect(report).toMatchObject({ status: 'completed', step: 30, epoch: 3, checkpoint: null, backend: 'wasm' });
    expect(report.history.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(historyOf(done)[2].train?.recon).toBe(98);
    expect(savedReport(run('r2', '2026-11-30T10:00:00.000Z', 1, 'stopped', null), 'cpu').backend).toBe('cpu');
  });

  it('calls an unfinished run stopped when it finished an epoch, and failed when it left none', () => {
    expect(savedStatus(run('a', '2026-11-30T10:00:00.000Z', 2, 'completed'))).toBe('completed');
    expect(savedStatus(run('b', '2026-11-30T10:00:00.000Z', 2, 'interrupted'))).toBe('stopped');
    expect(savedStatus(run('c', '2026-11-30T10:00:00.000Z', 0, 'failed'))).toBe('failed');
    expect(savedStatus(run('d', '2026-11-30T10:00:00.000Z', 0, 'stopped'))).toBe('failed');
  });

  it('shows the newest run with a finished epoch that trained on the images imported now', () => {
    const old = run('old', '2026-11-30T09:00:00.000Z', 4);
    const newer = run('newer', '2026-11-30T11:00:00.000Z', 2);
    const empty = run('empty', '2026-11-30T12:00:00.000Z', 0, 'failed');
    // Imported at 10:00: the run from 09:00 trained on the images before the re-import.
    expect(modelToShow([old, newer, empty], '2026-11-30T10:00:00.000Z')?.id).toBe('newer');
    expect(modelToShow([old], '2026-11-30T10:00:00.000Z')).toBeNull();
    expect(modelToShow([old, empty], null)?.id).toBe('old');
    expect(modelToShow([], '2026-11-30T10:00:00.000Z')).toBeNull();
  });

  it('asks before an import replaces the images of a trained model, naming the project and the newest trained run', () => {
    expect(importOverModelQuestion('Sprites', [run('r0', '2026-11-30T10:00:00.000Z', 0, 'failed')], false)).toBeNull();
    const asked = importOverModelQuestion('Sprites', [run('r1', '2026-11-30T10:00:00.000Z', 1), run('r2', '2026-11-30T11:00:00.000Z', 3)], false);
    expect(asked?.title).toBe('Import new images into “Sprites”?');
    expect(asked?.message).toContain('This project has a trained model (run r2, 3 epochs).');
    expect(asked?.message).toContain("replace the project's dataset");
    expect(asked?.confirmLabel).toBe('Import and replace');
    expect(importOverModelQuestion('Sprites', [run('r1', '2026-11-30T10:00:00.000Z', 1)], false)?.message).toContain('(run r1, 1 epoch)');
    // Without a project, a model on show is still asked about.
    const windowOnly = importOverModelQuestion(null, [], true);
    expect(windowOnly?.title).toBe('Import new images?');
    expect(windowOnly?.message).toContain('The window has a trained model.');
  });
});
