import type { ModelConfig } from './config';
import { convSizes } from './encoder';
import { KERNEL } from './layers';

/**
 * Multiply-adds of one forward pass (encoder + decoder) for one image, counting the conv,
 * transposed-conv and dense layers (elementwise ops are ignored: they are a few percent).
 */
export function forwardMacsPerImage(c: ModelConfig): number {
  if (c.architecture === 'hvae') return hierarchicalMacsPerImage(c);
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

/**
 * The hierarchical VAE (hierarchy.ts): the same stride-2 encoder and dense layers, then at z2's
 * resolution s: the up-block into it (3x3 conv + residual 3x3 conv), the prior and the two
 * posterior convs (3x3, to 2 lc channels), the projection of z2 (3x3); further up-blocks; and
 * the last stride-2 transposed conv to the image.
 */
function hierarchicalMacsPerImage(c: ModelConfig): number {
  const J = c.latentDim;
  const f = c.convFilters;
  const depth = f.length;
  const sizes = convSizes(c.height, depth);
  const k2 = KERNEL * KERNEL;
  let macs = 0;
  let inC = c.channels;
  f.forEach((out, i) => {
    macs += sizes[i + 1] ** 2 * k2 * inC * out;
    inC = out;
  });
  const s0 = sizes[depth];
  const flat = s0 * s0 * f[depth - 1];
  const hidden = c.denseUnits > 0 ? c.denseUnits : flat;
  if (c.denseUnits > 0) macs += flat * c.denseUnits + J * c.denseUnits;
  macs += hidden * 2 * J + (c.denseUnits > 0 ? c.denseUnits : J) * flat;
  const stateC = f[depth - 2];
  const s = sizes[depth - 1];
  const lc = c.lowerChannels;
  macs += s * s * 9 * (f[depth - 1] * stateC + stateC * stateC); // up-block into z2's resolution
  macs += s * s * 9 * (stateC * 2 * lc * 3 + lc * stateC); // prior, two posterior convs, projection of z2
  if (c.lowerLayers === 2) macs += s0 * s0 * 9 * (f[depth - 1] * 2 * lc * 3 + lc * f[depth - 1]); // the coarse layer at the smallest map
  if (c.fineLatent) macs += sizes[depth - 2] ** 2 * 9 * (f[depth - 3] * 2 * lc * 3 + lc * f[depth - 3]); // the fine layer, one level finer than z2
  let upC = stateC;
  for (let i = depth - 2; i >= 1; i--) {
    macs += sizes[i] ** 2 * 9 * (upC * f[i - 1] + f[i - 1] * f[i - 1]);
    upC = f[i - 1];
  }
  macs += sizes[1] ** 2 * k2 * upC * c.channels; // the last transposed conv (scatters each input pixel)
  return macs;
}
