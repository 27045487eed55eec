import * as tf from '@tensorflow/tfjs';
import { AtlasError } from '../errors';
import type { ModelConfig } from './config';
import { labelInput } from './labels';
import { conv2dDown, dense } from './layers';
import type { ParamStore } from './params';
import type { Rng } from './rng';

export interface Posterior {
  /** Mean of q(z|x), [B, J]. */
  mu: tf.Tensor2D;
  /** t = log sigma^2 of q(z|x), [B, J]. */
  logvar: tf.Tensor2D;
}

/** q(z|x) or, for a conditional model, q(z|x,y) with e the label embedding [B, E] (labels.ts). */
export type EncoderFn = (x: tf.Tensor4D, e?: tf.Tensor2D) => Posterior;

/** Spatial sizes through the conv stack: [H, ceil(H/2), ...] down to 3 or 4. */
export function convSizes(size: number, depth: number): number[] {
  const sizes = [size];
  for (let i = 0; i < depth; i++) sizes.push(Math.ceil(sizes[i] / 2));
  return sizes;
}

/**
 * q(z|x): images [B, H, W, C] in [0, 1] -> mu and t = log sigma^2.
 * conv: stride-2 convs (relu) -> dense (relu) -> dense(2J); mlp: dense layers (relu) -> dense(2J).
 * A conditional model (config.labels non-empty) adds e W to the first dense layer's pre-activation.
 */
export function encoder(opts: { config: ModelConfig; store: ParamStore; rng: Rng }): EncoderFn {
  const { config: c, store, rng } = opts;
  const J = c.latentDim;
  // Dense layers after the features, each followed by relu; the head (no relu) comes last.
  const layers: ((x: tf.Tensor2D) => tf.Tensor2D)[] = [];
  let features: (x: tf.Tensor4D) => tf.Tensor2D;
  let width: number;
  if (c.architecture === 'conv') {
    const sizes = convSizes(c.height, c.convFilters.length);
    let inC = c.channels;
    const convs = c.convFilters.map((f, i) => {
      const layer = conv2dDown(store, rng, `encoder/conv${i}`, inC, f);
      inC = f;
      return layer;
    });
    const last = sizes[sizes.length - 1];
    const flat = last * last * inC;
    width = flat;
    features = (x) => {
      let h = x;
      for (const conv of convs) h = tf.relu(conv(h));
      return tf.reshape(h, [x.shape[0], flat]);
    };
    if (c.denseUnits > 0) {
      const d = dense(store, rng, 'encoder/dense0', width, c.denseUnits);
      layers.push(d);
      width = c.denseUnits;
    }
  } else {
    width = c.height * c.width * c.channels;
    const D = width;
    features = (x) => tf.reshape(x, [x.shape[0], D]);
    c.hiddenUnits.forEach((units, i) => {
      const d = dense(store, rng, `encoder/dense${i}`, width, units);
      layers.push(d);
      width = units;
    });
  }
  const head = dense(store, rng, 'encoder/head', width, 2 * J);
  const chain = [...layers, head];
  // Made after every other parameter, so an unconditional model's initial weights are unchanged.
  const label = c.labels.length > 0 ? labelInput(store, rng, 'encoder/label', layers.length > 0 ? (c.architecture === 'conv' ? c.denseUnits : c.hiddenUnits[0]) : 2 * J) : null;
  return (x, e) =>
    tf.tidy(() => {
      let h = features(x);
      chain.forEach((layer, i) => {
        let pre = layer(h);
        if (i === 0 && label) pre = tf.add(pre, label(requireEmbedding(e)));
        h = i < chain.length - 1 ? tf.relu(pre) : pre;
      });
      const [mu, logvar] = tf.split(h, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      return { mu, logvar };
    });
}

/** A conditional network called without labels is a programming error, never a silent default. */
export function requireEmbedding(e: tf.Tensor2D | undefined): tf.Tensor2D {
  if (!e) throw new AtlasError('internal', 'This model is conditional: every encode and decode needs the labels of its rows.');
  return e;
}
