import { describe, expect, it } from 'vitest';
import { MAX_TIME_BUDGET_SEC, PRESETS, presetForm, toTrainSettings } from '../../../renderer/lib/presets';

describe('training presets', () => {
  it('are time budgets of about 2, 10 and 30 minutes, said so on the button', () => {
    expect(PRESETS.map((p) => [p.id, p.form.timeBudgetSec, p.expect])).toEqual([
      ['quick', 120, '≈ 2 min'],
      ['balanced', 600, '≈ 10 min'],
      ['quality', 1800, '≈ 30 min'],
    ]);
  });

  it('grow the model with the budget', () => {
    const dims = PRESETS.map((p) => p.form.latentDim);
    expect(dims).toEqual([...dims].sort((a, b) => a - b));
    expect(dims[2]).toBeGreaterThan(dims[0]);
  });

  it('hand out a copy: editing the form leaves the preset as it was', () => {
    const form = presetForm('quick');
    form.latentDim = 3;
    form.timeBudgetSec = 1;
    expect(presetForm('quick').latentDim).toBe(PRESETS[0].form.latentDim);
    expect(PRESETS[0].form.timeBudgetSec).toBe(120);
  });
});

describe("the Train panel's settings", () => {
  it('add the validation and preview sizes the panel does not edit', () => {
    const result = toTrainSettings(presetForm('balanced'));
    expect(result).toEqual({ ok: true, settings: { ...PRESETS[1].form, valMaxImages: 512, previewCount: 8 } });
  });

  it('name the first bad field, its limit and the value typed', () => {
    expect(toTrainSettings({ ...presetForm('quick'), latentDim: 1 })).toEqual({ ok: false, error: 'Latent size must be a whole number from 2 to 64; got 1.' });
    expect(toTrainSettings({ ...presetForm('quick'), batchSize: 0, latentDim: 1 })).toEqual({ ok: false, error: 'Latent size must be a whole number from 2 to 64; got 1.' });
    expect(toTrainSettings({ ...presetForm('quick'), learningRate: 0 })).toEqual({ ok: false, error: 'Learning rate must be a number above 0 and below 1; got 0.' });
  });

  it('state the time budget in minutes, up to a week', () => {
    expect(MAX_TIME_BUDGET_SEC).toBe(7 * 24 * 3600);
    expect(toTrainSettings({ ...presetForm('quick'), timeBudgetSec: MAX_TIME_BUDGET_SEC }).ok).toBe(true);
    expect(toTrainSettings({ ...presetForm('quick'), timeBudgetSec: MAX_TIME_BUDGET_SEC + 60 })).toEqual({
      ok: false,
      error: 'The time budget must be from 0 (off) to 10080 minutes; got 10081.',
    });
  });
});
