import type { ModelConfig } from './config';
import { convSizes } from './encoder';
import { KERNEL } from './layers';

/**
 * Multiply-adds of one forward pass (encoder + decoder) for one image, counting the conv,
 * transposed-conv and dense layers (elementwise ops are ignored: they are a few percent).
 */
export function forwardMacsPerImage(c: ModelConfig): number {
  const J = c.latentDim;
  const D = c.height * c.width * c.channels;
  let macs = 0;
  if (c.architecture === 'mlp') {
    const widths = [D, ...c.hiddenUnits];
    for (let i = 1; i < widths.length; i++) macs += 2 * widths[i - 1] * widths[i]; // encoder + mirrored decoder
    const last = widths[widths.length - 1];
    return macs + last * 2 * J + J * last;
  }
  const sizes = convSizes(c.height, c.convFilters.length);
  const k2 = KERNEL * KERNEL;
  let inC = c.channels;
  c.convFilters.forEach((f, i) => {
    const out = sizes[i + 1];
    macs += out * out * k2 * inC * f; // stride-2 conv
    const upOut = i === 0 ? c.channels : c.convFilters[i - 1];
    macs += out * out * k2 * f * upOut; // the mirrored transposed conv (scatters each input pixel)
    inC = f;
  });
  const s0 = sizes[sizes.length - 1];
  const flat = s0 * s0 * inC;
  const hidden = c.denseUnits > 0 ? c.denseUnits : flat;
  if (c.denseUnits > 0) macs += 2 * flat * c.denseUnits; // encoder dense + decoder dense to the map
  macs += hidden * 2 * J; // encoder head
  macs += J * (c.denseUnits > 0 ? c.denseUnits : flat); // decoder first dense
  return macs;
}

/**
 * FLOPs of one training step per image: forward (2 FLOPs per multiply-add) plus backward,
 * which costs about twice the forward (gradients with respect to inputs and to weights).
 */
export function trainingFlopsPerImage(c: ModelConfig): number {
  return 3 * 2 * forwardMacsPerImage(c);
}
