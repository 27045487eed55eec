import { describe, expect, it } from 'vitest';
import { formFromSettings, presetOf, relativePath, sameSettings } from '../../../renderer/lib/project-settings';
import { PRESETS, presetForm, toTrainSettings } from '../../../renderer/lib/presets';

describe("a project's saved training settings and the Train panel's form", () => {
  it('round-trips every preset: form -> settings -> form is the same preset again', () => {
    for (const preset of PRESETS) {
      const result = toTrainSettings(presetForm(preset.id));
      if (!result.ok) throw new Error(result.error);
      const form = formFromSettings(result.settings);
      expect(form).toEqual(preset.form);
      expect(presetOf(form)).toBe(preset.id);
    }
  });

  it('calls a changed form custom', () => {
    expect(presetOf({ ...presetForm('balanced'), seed: 7 })).toBe('custom');
    expect(presetOf({ ...presetForm('quick'), timeBudgetSec: 0 })).toBe('custom');
  });

  it('fills fields the saved settings lack from the Quick preset, and reads settings from before time budgets as epoch-trained', () => {
    const old = { latentDim: 8, epochs: 3 } as Parameters<typeof formFromSettings>[0];
    const form = formFromSettings(old);
    expect(form.latentDim).toBe(8);
    expect(form.epochs).toBe(3);
    expect(form.batchSize).toBe(presetForm('quick').batchSize);
    expect(form.timeBudgetSec).toBe(0);
  });

  it('ignores keys the form does not edit', () => {
    const result = toTrainSettings(presetForm('quick'));
    if (!result.ok) throw new Error(result.error);
    expect(formFromSettings(result.settings)).not.toHaveProperty('valMaxImages');
  });

  it('compares settings whatever their key order, and sees one changed value', () => {
    const a = { latentDim: 16, epochs: 4, beta: 1 } as Parameters<typeof sameSettings>[0];
    const b = { beta: 1, epochs: 4, latentDim: 16 } as Parameters<typeof sameSettings>[0];
    expect(sameSettings(a, b)).toBe(true);
    expect(sameSettings(a, { ...b, beta: 2 })).toBe(false);
    expect(sameSettings(a, { ...b, seed: 1 })).toBe(false);
  });
});

describe('relative paths between engine folders', () => {
  it('walks down, up and across', () => {
    expect(relativePath('/p/project', '/p/project/runs/r1')).toBe('runs/r1');
    expect(relativePath('/p/project', '/p/data/set')).toBe('../data/set');
    expect(relativePath('/p/a/b/c', '/p/x')).toBe('../../../x');
    expect(relativePath('/p/project', '/p/project')).toBe('.');
  });
  it('ignores trailing slashes and reads back slashes too', () => {
    expect(relativePath('/p/project/', '/p/project/runs/')).toBe('runs');
    expect(relativePath('C:\\Users\\me\\proj', 'C:\\Users\\me\\data')).toBe('../data');
  });
  it('keeps the absolute path when the two share no root (another drive)', () => {
    expect(relativePath('C:\\proj', 'D:\\data')).toBe('D:\\data');
  });
});
