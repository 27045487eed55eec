/**
 * Training presets and the advanced settings form. A preset is a time budget (about 2, 10 or 30
 * minutes on the user's dataset here): the engine measures the model's speed before the first
 * step and trains the epochs that fit. The presets themselves live in src/train/presets.ts,
 * shared with `latent-atlas train --preset`.
 */
import type { TrainSettingsIn } from '../../src/contract';
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

/** Longest budget the form accepts (a week), in seconds. */
export const MAX_TIME_BUDGET_SEC = 7 * 24 * 3600;

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
  const int = (name: string, v: number, min: number, max: number) => (Number.isInteger(v) && v >= min && v <= max ? null : `${name} must be a whole number from ${min} to ${max}; got ${v}.`);
  const problem =
    int('Latent size', form.latentDim, 2, 64) ??
    int('Epochs', form.epochs, 1, 100_000) ??
    int('Batch size', form.batchSize, 1, 4096) ??
    int('IWAE k', form.iwaeK, 1, 5000) ??
    int('Warm-up steps', form.warmupSteps, 0, 10_000_000) ??
    int('Seed', form.seed, 0, 2 ** 31 - 1) ??
    (form.learningRate > 0 && form.learningRate < 1 ? null : `Learning rate must be between 0 and 1 (e.g. 0.001); got ${form.learningRate}.`) ??
    (form.beta >= 0 && form.beta <= 1000 ? null : `Beta must be between 0 and 1000; got ${form.beta}.`) ??
    (form.freeBits >= 0 && form.freeBits <= 100 ? null : `Free bits must be between 0 and 100 nats; got ${form.freeBits}.`) ??
    (form.timeBudgetSec >= 0 && form.timeBudgetSec <= MAX_TIME_BUDGET_SEC ? null : `The time budget must be from 0 (off) to ${MAX_TIME_BUDGET_SEC / 60} minutes; got ${form.timeBudgetSec / 60}.`);
  if (problem) return { ok: false, error: problem };
  return { ok: true, settings: { ...form, valMaxImages: 512, previewCount: 8 } };
}
