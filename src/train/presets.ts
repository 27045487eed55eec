/**
 * The training presets, shared by the Train panel and `latent-atlas train --preset`: each is a
 * time budget on the user's own dataset and machine (the run measures its speed before the
 * first step and trains the epochs that fit), with the model and optimiser settings below.
 * `epochs` is only what a run trains when the budget is switched off.
 */
import type { Architecture, LikelihoodKind } from '../contract';

export type PresetId = 'quick' | 'balanced' | 'quality';

export interface PresetSettings {
  /** 'hvae': the hierarchical VAE (sharp); 'conv': the flat conv VAE; 'mlp': dense layers. */
  architecture: Architecture;
  /** 'hvae': the fine 16x16 spatial latent under z2 (ModelConfig.fineLatent). */
  fineLatent: boolean;
  latentDim: number;
  likelihood: LikelihoodKind;
  beta: number;
  warmupSteps: number;
  freeBits: number;
  iwaeK: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Share of the last steps over which the learning rate cools to 0 (cooledLearningRate). */
  learningRateCooldown: number;
  seed: number;
}

export interface PresetSpec {
  id: PresetId;
  label: string;
  /** Seconds of training the preset asks for. */
  budgetSec: number;
  settings: PresetSettings;
}

// The default model (hierarchical VAE, calibrated Gaussian decoder with a linear mean). Its
// spatial latent opens when the KL warm-up ends, so every preset warms up: about a tenth of the
// steps its budget buys at ~500 img/s (batch 32); a slower run's warm-up is capped at a fifth of
// the steps it plans (WARMUP_BUDGET_SHARE, src/train/train.ts).
const base: PresetSettings = {
  architecture: 'hvae',
  fineLatent: true,
  latentDim: 16,
  likelihood: 'gaussian-calibrated',
  beta: 1,
  warmupSteps: 300,
  freeBits: 0,
  iwaeK: 1,
  epochs: 8,
  batchSize: 32,
  learningRate: 2e-3,
  // The last 40% of the steps cool the rate to 0: the final weights settle instead of jittering.
  learningRateCooldown: 0.4,
  seed: 1,
};

export const PRESET_SPECS: readonly PresetSpec[] = [
  // A recognisable latent space in about 2 minutes. It keeps the base's 2e-3: on the DCSS
  // sprites (2 min, 5 seeds) it reconstructed at 18.3 dB on average against 17.5 at 1.5e-3, and
  // no run at either rate collapsed.
  { id: 'quick', label: 'Quick', budgetSec: 2 * 60, settings: { ...base } },
  // KL warm-up so fewer units collapse early. 1.5e-3 with the cooldown: on the DCSS sprites
  // (seed 1, 10 min) 2e-3 gave 26.7 dB, 1e-3 23.9 (23.2 without the cooldown); but on the
  // short schedule of the collapse test (hvae-collapse.test.ts) 2e-3 collapsed the global latent
  // of 2 seeds in 10, and 1.5e-3 of none on either bench set. At 1.5e-3: DCSS 25.9 to 27.2 dB
  // (seeds 1 to 3), Twemoji 30.2.
  { id: 'balanced', label: 'Balanced', budgetSec: 10 * 60, settings: { ...base, latentDim: 16, epochs: 45, learningRate: 1.5e-3, warmupSteps: 1000 } },
  // Longer warm-up and a little free bits to keep units alive.
  { id: 'quality', label: 'Quality', budgetSec: 30 * 60, settings: { ...base, latentDim: 32, epochs: 220, batchSize: 64, learningRate: 1e-3, warmupSteps: 3000, freeBits: 0.05 } },
];

export const PRESET_IDS = PRESET_SPECS.map((p) => p.id);

export function presetSpec(id: PresetId): PresetSpec {
  const p = PRESET_SPECS.find((s) => s.id === id);
  if (!p) throw new Error(`Unknown preset ${id}`);
  return { ...p, settings: { ...p.settings } };
}
