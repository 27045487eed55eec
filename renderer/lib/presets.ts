/**
 * Training presets and the advanced settings form. A preset is a time budget (about 2, 10 or 30
 * minutes on the user's dataset here): the engine measures the model's speed before the first
 * step and trains the epochs that fit. The presets themselves live in src/train/presets.ts,
 * shared with `latent-atlas train --preset`.
 */
import { describeLimit, TRAIN_LIMITS, withinLimit, type NumberLimit, type TrainSettingsIn } from '../../src/contract';
import { PRESET_SPECS, type PresetId, type PresetSettings } from '../../src/train/presets';

export type { PresetId };

export interface TrainForm extends PresetSettings {
  /** Seconds to train for; 0 trains `epochs` epochs instead. */
  timeBudgetSec: number;
  /** Conditional on the images' labels (generate by label); off unless ticked, kept across presets. */
  conditional?: boolean;
}

export interface Preset {
  id: PresetId;
  label: string;
  /** What the user can expect: the budget. */
  expect: string;
  form: TrainForm;
}

/** Longest budget the form accepts (a week), in seconds: the contract's limit. */
export const MAX_TIME_BUDGET_SEC = TRAIN_LIMITS.timeBudgetSec.max;

/** The number fields of the form, by the name the user reads, each checked against the contract's limit. */
export const TRAIN_FORM_FIELDS = [
  ['Latent size', 'latentDim'],
  ['Epochs', 'epochs'],
  ['Batch size', 'batchSize'],
  ['IWAE k', 'iwaeK'],
  ['Warm-up steps', 'warmupSteps'],
  ['Seed', 'seed'],
  ['Learning rate', 'learningRate'],
  ['Learning-rate cooldown', 'learningRateCooldown'],
  ['Beta', 'beta'],
  ['Free bits', 'freeBits'],
] as const satisfies ReadonlyArray<readonly [string, keyof TrainForm & keyof typeof TRAIN_LIMITS]>;

export const PRESETS: readonly Preset[] = PRESET_SPECS.map((p) => ({
  id: p.id,
  label: p.label,
  expect: `≈ ${Math.round(p.budgetSec / 60)} min`,
  form: { ...p.settings, timeBudgetSec: p.budgetSec },
}));

export function presetForm(id: PresetId): TrainForm {
  return { ...PRESETS.find((p) => p.id === id)!.form };
}

/** The contract's settings, or an error sentence naming the first bad field. */
export function toTrainSettings(form: TrainForm): { ok: true; settings: TrainSettingsIn } | { ok: false; error: string } {
  const outside = (name: string, v: number, limit: NumberLimit) => (withinLimit(v, limit) ? null : `${name} must be ${describeLimit(limit)}; got ${v}.`);
  let problem: string | null = null;
  for (const [name, key] of TRAIN_FORM_FIELDS) problem ??= outside(name, form[key], TRAIN_LIMITS[key]);
  problem ??= withinLimit(form.timeBudgetSec, TRAIN_LIMITS.timeBudgetSec) ? null : `The time budget must be from 0 (off) to ${MAX_TIME_BUDGET_SEC / 60} minutes; got ${form.timeBudgetSec / 60}.`;
  if (problem) return { ok: false, error: problem };
  return { ok: true, settings: { ...form, valMaxImages: 512, previewCount: 8 } };
}
