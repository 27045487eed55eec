/**
 * The Train panel's form and a project's saved training settings, both ways, so a reopened
 * project shows the settings it was saved with (and the preset they match, if any).
 */
import type { TrainSettingsIn } from '../../src/contract';
import { PRESETS, presetForm, type PresetId, type TrainForm } from './presets';

export function formFromSettings(settings: TrainSettingsIn): TrainForm {
  const form = presetForm('quick');
  for (const key of Object.keys(form) as Array<keyof TrainForm>) {
    const value = (settings as Record<string, unknown>)[key];
    if (value !== undefined) (form as unknown as Record<string, unknown>)[key] = value;
  }
  // Settings saved before presets were time budgets trained their epochs.
  if (settings.timeBudgetSec === undefined) form.timeBudgetSec = 0;
  return form;
}

export function presetOf(form: TrainForm): PresetId | 'custom' {
  const keys = Object.keys(form) as Array<keyof TrainForm>;
  return PRESETS.find((p) => keys.every((k) => p.form[k] === form[k]))?.id ?? 'custom';
}

/** Same settings whatever the key order (JSON of sorted keys). */
export function sameSettings(a: TrainSettingsIn, b: TrainSettingsIn): boolean {
  const canonical = (o: TrainSettingsIn) => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y))));
  return canonical(a) === canonical(b);
}

/** `to` relative to `from` for the engine's paths (forward or back slashes); absolute if they share no root. */
export function relativePath(from: string, to: string): string {
  const parts = (p: string) => p.replace(/[\\/]+$/, '').split(/[\\/]+/);
  const a = parts(from);
  const b = parts(to);
  if (a[0] !== b[0]) return to;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/') || '.';
}
