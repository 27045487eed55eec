import { describe, expect, it } from 'vitest';
import { datasetIdentity, modelIdentity, scopeChange } from '../../../renderer/lib/session-scope';

const dataset = (createdAt: string, hash = 'h1') => ({ dir: '/w/projects/a/dataset', datasetHash: hash, createdAt });
const model = (runDir: string, step: number) => ({ runDir, report: { step } });

describe('what a change of dataset or model resets', () => {
  it('takes a re-import into the same folder for another dataset', () => {
    expect(datasetIdentity(dataset('2026-11-30T10:00:00Z'))).not.toBe(datasetIdentity(dataset('2026-11-30T11:00:00Z')));
    expect(datasetIdentity(dataset('t', 'h1'))).not.toBe(datasetIdentity(dataset('t', 'h2')));
    expect(datasetIdentity(dataset('t'))).toBe(datasetIdentity(dataset('t')));
    expect(datasetIdentity(null)).toBeNull();
  });

  it('takes a continued run (same folder, later step) for another model', () => {
    expect(modelIdentity(model('/r/run-1', 12))).not.toBe(modelIdentity(model('/r/run-1', 24)));
    expect(modelIdentity(model('/r/run-1', 12))).toBe(modelIdentity(model('/r/run-1', 12)));
    expect(modelIdentity(null)).toBeNull();
  });

  it('drops a model whose images were replaced under it, but not one that arrives with its images', () => {
    const trained = { dataset: 'd1', model: 'm1' };
    expect(scopeChange(trained, { dataset: 'd2', model: 'm1' })).toEqual({ dataset: true, model: false, dropModel: true });
    expect(scopeChange(trained, { dataset: 'd2', model: 'm2' })).toEqual({ dataset: true, model: true, dropModel: false });
    expect(scopeChange(trained, { dataset: null, model: null })).toEqual({ dataset: true, model: true, dropModel: false });
  });

  it('keeps the images (and the A/B ends) when only the model changes, and does nothing when neither does', () => {
    expect(scopeChange({ dataset: 'd1', model: 'm1' }, { dataset: 'd1', model: 'm2' })).toEqual({ dataset: false, model: true, dropModel: false });
    expect(scopeChange({ dataset: 'd1', model: null }, { dataset: 'd1', model: 'm1' })).toEqual({ dataset: false, model: true, dropModel: false });
    expect(scopeChange({ dataset: 'd1', model: 'm1' }, { dataset: 'd1', model: 'm1' })).toEqual({ dataset: false, model: false, dropModel: false });
  });
});
