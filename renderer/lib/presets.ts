/**
 * Training presets and the advanced settings form. Times are for the bundled sample set
 * (507 emoji of 32x32, 456 for training) at 100-200 images/s on the wasm backend.
 */
import type { TrainSettingsIn } from '../../src/contract';

export type PresetId = 'quick' | 'balanced' | 'quality';

export interface TrainForm {
  latentDim: number;
  likelihood: 'bernoulli' | 'gaussian-fixed' | 'gaussian-calibrated' | 'gaussian-learned';
  beta: number;
  warmupSteps: number;
  freeBits: number;
  iwaeK: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export interface Preset {
  id: PresetId;
  label: string;
  /** What the user can expect on the sample set. */
  expect: string;
  form: TrainForm;
}

const base: TrainForm = {
  latentDim: 8,
  likelihood: 'bernoulli',
  beta: 1,
  warmupSteps: 0,
  freeBits: 0,
  iwaeK: 1,
  epochs: 8,
  batchSize: 32,
  learningRate: 2e-3,
  seed: 1,
};

export const PRESETS: readonly Preset[] = [
  // ~3,600 images seen: a recognisable latent space in about 30 s.
  { id: 'quick', label: 'Quick', expect: '≈ 30 s on the sample set', form: { ...base } },
  // ~20,000 images seen, KL warm-up so fewer units collapse early.
  { id: 'balanced', label: 'Balanced', expect: '≈ 3 min on the sample set', form: { ...base, latentDim: 16, epochs: 45, learningRate: 1e-3, warmupSteps: 300 } },
  // ~100,000 images seen, longer warm-up and a little free bits to keep units alive.
  { id: 'quality', label: 'Quality', expect: '≈ 15 min on the sample set', form: { ...base, latentDim: 32, epochs: 220, batchSize: 64, learningRate: 1e-3, warmupSteps: 1500, freeBits: 0.05 } },
];

export function presetForm(id: PresetId): TrainForm {
  return { ...PRESETS.find((p) => p.id === id)!.form };
}

/** The contract's settings, or an error sentence naming the first bad field. */
export function toTrainSettings(form: TrainForm): { ok: true; settings: TrainSettingsIn } | { ok: false; error: string } {
  const int = (name: string, v: number, min: number, max: number) =>
    Number.isInteger(v) && v >= min && v <= max ? null : `${name} must be a whole number from ${min} to ${max}; got ${v}.`;
  const problem =
    int('Latent size', form.latentDim, 2, 64) ??
    int('Epochs', form.epochs, 1, 100_000) ??
    int('Batch size', form.batchSize, 1, 4096) ??
    int('IWAE k', form.iwaeK, 1, 5000) ??
    int('Warm-up steps', form.warmupSteps, 0, 10_000_000) ??
    int('Seed', form.seed, 0, 2 ** 31 - 1) ??
    (form.learningRate > 0 && form.learningRate < 1 ? null : `Learning rate must be between 0 and 1 (e.g. 0.001); got ${form.learningRate}.`) ??
    (form.beta >= 0 && form.beta <= 1000 ? null : `Beta must be between 0 and 1000; got ${form.beta}.`) ??
    (form.freeBits >= 0 && form.freeBits <= 100 ? null : `Free bits must be between 0 and 100 nats; got ${form.freeBits}.`);
  if (problem) return { ok: false, error: problem };
  return { ok: true, settings: { ...form, valMaxImages: 512, previewCount: 8 } };
}
