import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { conv2dDown, dense } from './layers';
import type { ParamStore } from './params';
import type { Rng } from './rng';

export interface Posterior {
  /** Mean of q(z|x), [B, J]. */
  mu: tf.Tensor2D;
  /** t = log sigma^2 of q(z|x), [B, J]. */
  logvar: tf.Tensor2D;
}

export type EncoderFn = (x: tf.Tensor4D) => Posterior;

/** Spatial sizes through the conv stack: [H, ceil(H/2), ...] down to 3 or 4. */
export function convSizes(size: number, depth: number): number[] {
  const sizes = [size];
  for (let i = 0; i < depth; i++) sizes.push(Math.ceil(sizes[i] / 2));
  return sizes;
}

/**
 * q(z|x): images [B, H, W, C] in [0, 1] -> mu and t = log sigma^2.
 * conv: stride-2 convs (relu) -> dense (relu) -> dense(2J); mlp: dense layers (relu) -> dense(2J).
 */
export function encoder(opts: { config: ModelConfig; store: ParamStore; rng: Rng }): EncoderFn {
  const { config: c, store, rng } = opts;
  const J = c.latentDim;
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
      layers.push((h) => tf.relu(d(h)));
      width = c.denseUnits;
    }
  } else {
    width = c.height * c.width * c.channels;
    const D = width;
    features = (x) => tf.reshape(x, [x.shape[0], D]);
    c.hiddenUnits.forEach((units, i) => {
      const d = dense(store, rng, `encoder/dense${i}`, width, units);
      layers.push((h) => tf.relu(d(h)));
      width = units;
    });
  }
  const head = dense(store, rng, 'encoder/head', width, 2 * J);
  return (x) =>
    tf.tidy(() => {
      let h = features(x);
      for (const layer of layers) h = layer(h);
      const [mu, logvar] = tf.split(head(h), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      return { mu, logvar };
    });
}
