import { describe, expect, it } from 'vitest';
import { checkModelSize, MAX_FORWARD_MACS, resolveTrainConfig } from '../../../src/train/config';
import { resolveModelConfig } from '../../../src/model/config';
import { forwardMacsPerImage } from '../../../src/model/flops';

describe('model size bound', () => {
  it('refuses 8 dense layers of 8,192 units before building anything, naming the size and what to change', () => {
    expect(() => resolveTrainConfig({ architecture: 'mlp', hiddenUnits: Array(8).fill(8192) } as never, { height: 32, width: 32, channels: 4 })).toThrow(
      /1007 million multiply-adds.*limit of 300 million.*hiddenUnits/,
    );
  });

  it('accepts every default model at every image size, with room to spare', () => {
    for (const size of [16, 24, 32, 48, 64])
      for (const architecture of ['hvae', 'conv', 'mlp'] as const) {
        const model = resolveModelConfig({ height: size, width: size, channels: 4, architecture });
        expect(() => checkModelSize(model)).not.toThrow();
        expect(forwardMacsPerImage(model)).toBeLessThan(MAX_FORWARD_MACS / 3);
      }
  });

  it('bounds the weights too: a dense layer uses each weight once per pass, so its weights equal its multiply-adds', () => {
    // One hidden layer of h units on a 16x16 gray MLP: encoder 256*h + h*2J, decoder J*h + h*256 (one output per pixel).
    const h = 1000;
    const model = resolveModelConfig({ height: 16, width: 16, channels: 1, architecture: 'mlp', hiddenUnits: [h], latentDim: 2, likelihood: 'bernoulli' });
    expect(forwardMacsPerImage(model)).toBeGreaterThanOrEqual(256 * h + h * 4 + 2 * h + h * 256);
  });
});
