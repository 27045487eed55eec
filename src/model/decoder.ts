import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { convSizes, requireEmbedding } from './encoder';
import { labelInput } from './labels';
import { conv2dUp, dense } from './layers';
import type { ParamStore } from './params';
import type { Rng } from './rng';

/** g(z): latents [N, J] -> the likelihood's raw parameters [N, H, W, C] (logits or pre-mean). */
export type DecoderFn = (z: tf.Tensor2D, e?: tf.Tensor2D) => tf.Tensor4D;

/**
 * The encoder mirrored. conv: dense (relu) -> dense to the smallest feature map (relu) ->
 * stride-2 transposed convs (relu between) up to [H, W, C]; mlp: dense layers (relu) -> dense(D).
 * With hiddenUnits [] the MLP decoder is linear: g(z) = W z + b (the probabilistic-PCA check).
 * A conditional model (p(x|z,y)) adds e W to the first dense layer's pre-activation.
 */
export function decoder(opts: { config: ModelConfig; store: ParamStore; rng: Rng }): DecoderFn {
  const { config: c, store, rng } = opts;
  const J = c.latentDim;
  const D = c.height * c.width * c.channels;
  if (c.architecture === 'mlp') {
    const layers: ((h: tf.Tensor2D) => tf.Tensor2D)[] = [];
    let width = J;
    [...c.hiddenUnits].reverse().forEach((units, i) => {
      const d = dense(store, rng, `decoder/dense${i}`, width, units);
      layers.push(d);
      width = units;
    });
    const out = dense(store, rng, 'decoder/out', width, D);
    const chain = [...layers, out];
    const label = c.labels.length > 0 ? labelInput(store, rng, 'decoder/label', layers.length > 0 ? [...c.hiddenUnits].reverse()[0] : D) : null;
    return (z, e) =>
      tf.tidy(() => {
        let h = z;
        chain.forEach((layer, i) => {
          let pre = layer(h);
          if (i === 0 && label) pre = tf.add(pre, label(requireEmbedding(e)));
          h = i < chain.length - 1 ? tf.relu(pre) : pre;
        });
        return tf.reshape(h, [z.shape[0], c.height, c.width, c.channels]) as tf.Tensor4D;
      });
  }
  const filters = c.convFilters;
  const sizes = convSizes(c.height, filters.length);
  const s0 = sizes[sizes.length - 1];
  const f0 = filters[filters.length - 1];
  const denses: ((h: tf.Tensor2D) => tf.Tensor2D)[] = [];
  let width = J;
  if (c.denseUnits > 0) {
    const d = dense(store, rng, 'decoder/dense0', width, c.denseUnits);
    denses.push(d);
    width = c.denseUnits;
  }
  const toMap = dense(store, rng, 'decoder/dense1', width, s0 * s0 * f0);
  const chain = [...denses, toMap];
  const ups: ((h: tf.Tensor4D) => tf.Tensor4D)[] = [];
  let inC = f0;
  for (let i = filters.length - 1; i >= 0; i--) {
    const outC = i === 0 ? c.channels : filters[i - 1];
    ups.push(conv2dUp(store, rng, `decoder/deconv${filters.length - 1 - i}`, inC, outC, sizes[i]));
    inC = outC;
  }
  const label = c.labels.length > 0 ? labelInput(store, rng, 'decoder/label', c.denseUnits > 0 ? c.denseUnits : s0 * s0 * f0) : null;
  return (z, e) =>
    tf.tidy(() => {
      let h = z;
      chain.forEach((layer, i) => {
        let pre = layer(h);
        if (i === 0 && label) pre = tf.add(pre, label(requireEmbedding(e)));
        h = tf.relu(pre);
      });
      let m = tf.reshape(h, [z.shape[0], s0, s0, f0]) as tf.Tensor4D;
      ups.forEach((up, i) => {
        m = up(m);
        if (i < ups.length - 1) m = tf.relu(m);
      });
      return m;
    });
}
