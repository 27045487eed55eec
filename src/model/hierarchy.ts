/**
 * The hierarchical VAE's networks (vae-theory.md section 7): a flat global latent z1 on top
 * and one spatial latent map z2 below it with a top-down prior p(z2|z1).
 *
 *   bottom-up   x -> stride-2 convs -> features f at z2's resolution -> ... -> q(z1|x)
 *   top-down    z1 -> dense -> smallest map -> up-block -> state s (z2's resolution)
 *               p(z2|z1)   = N(m(s), diag exp(lp(s)))                     (3x3 conv of s)
 *               q(z2|x,z1) = N(m(s) + dm(f, s), diag exp(lp(s) + dl(f, s)))  (residual: NVAE)
 *               s' = relu(s + proj(z2)) -> residual up-blocks -> transposed conv -> [N, H, W, C]
 *
 * The posterior is written relative to the prior, so at initialisation q = p and the lower
 * layer's KL starts at zero instead of at a large random value. Up-blocks are nearest
 * upsampling followed by 3x3 convs (no checkerboard artefacts of transposed convs), with a
 * residual 3x3 conv that starts at zero so a fresh block is a plain upsampling conv.
 */
import * as tf from '@tensorflow/tfjs';
import '../backend/cpu-resize-nearest-grad';
import type { ModelConfig } from './config';
import { convSizes, type Posterior } from './encoder';
import { conv2dDown, conv2dSame, conv2dUp, dense } from './layers';
import type { ParamStore } from './params';
import type { Rng } from './rng';

/** Soft bound on a lower layer's log-variance: |t| < LOGVAR_BOUND keeps exp(t) and 1/exp(t) finite. */
export const LOGVAR_BOUND = 7;

export interface GaussianMap {
  mean: tf.Tensor4D;
  /** log sigma^2, elementwise. */
  logvar: tf.Tensor4D;
}

export interface HierarchyNet {
  /** Shape of z2 for one image: [h, w, c]. */
  lowerShape: [number, number, number];
  /** q(z1|x) and the bottom-up features at z2's resolution. */
  bottomUp(x: tf.Tensor4D): Posterior & { features: tf.Tensor4D };
  /** The top-down state at z2's resolution for z1 [N, J]. */
  topState(z1: tf.Tensor2D): tf.Tensor4D;
  /** p(z2|z1) from the top-down state. */
  prior(state: tf.Tensor4D): GaussianMap;
  /** q(z2|x, z1), written as the prior plus a correction from the bottom-up features. */
  posterior(state: tf.Tensor4D, features: tf.Tensor4D, prior: GaussianMap): GaussianMap;
  /** Merge z2 into the state and decode to the likelihood's raw output [N, H, W, C]. */
  finish(state: tf.Tensor4D, z2: tf.Tensor4D): tf.Tensor4D;
}

/** Resolution index (into convSizes) of the lower latent: one level above the smallest map. */
export function lowerLatentShape(c: Pick<ModelConfig, 'height' | 'convFilters' | 'lowerChannels'>): [number, number, number] {
  const depth = c.convFilters.length;
  const sizes = convSizes(c.height, depth);
  const s = sizes[depth - 1];
  return [s, s, c.lowerChannels];
}

const boundLogvar = (t: tf.Tensor4D): tf.Tensor4D => tf.mul(tf.tanh(tf.div(t, LOGVAR_BOUND)), LOGVAR_BOUND) as tf.Tensor4D;

/** Nearest-neighbour x2 upsampling then a 3x3 conv, plus a residual 3x3 conv on relu of that. */
function upBlock(store: ParamStore, rng: Rng, name: string, inC: number, outC: number, outSize: number): (x: tf.Tensor4D) => tf.Tensor4D {
  const conv = conv2dSame(store, rng, `${name}/conv`, inC, outC, 3);
  const residual = conv2dSame(store, rng, `${name}/residual`, outC, outC, 3, 0);
  return (x) => {
    const h = conv(tf.image.resizeNearestNeighbor(x, [outSize, outSize]));
    return tf.add(h, residual(tf.relu(h)));
  };
}

export function hierarchyNet(opts: { config: ModelConfig; store: ParamStore; rng: Rng }): HierarchyNet {
  const { config: c, store, rng } = opts;
  const J = c.latentDim;
  const filters = c.convFilters;
  const depth = filters.length;
  const sizes = convSizes(c.height, depth);
  const lowerShape = lowerLatentShape(c);
  const [lh, lw, lc] = lowerShape;
  // The bottom-up features at z2's resolution come out of conv (depth - 2), or the image itself.
  const featureC = depth >= 2 ? filters[depth - 2] : c.channels;
  const stateC = featureC;

  // --- bottom-up (encoder)
  let inC = c.channels;
  const downs = filters.map((f, i) => {
    const layer = conv2dDown(store, rng.fork(), `encoder/conv${i}`, inC, f);
    inC = f;
    return layer;
  });
  const s0 = sizes[depth];
  const flat = s0 * s0 * inC;
  const encDense = c.denseUnits > 0 ? dense(store, rng.fork(), 'encoder/dense0', flat, c.denseUnits) : null;
  const head = dense(store, rng.fork(), 'encoder/head', c.denseUnits > 0 ? c.denseUnits : flat, 2 * J);

  // --- top-down (decoder)
  const decDense = c.denseUnits > 0 ? dense(store, rng.fork(), 'decoder/dense0', J, c.denseUnits) : null;
  const fTop = filters[depth - 1];
  const toMap = dense(store, rng.fork(), 'decoder/dense1', c.denseUnits > 0 ? c.denseUnits : J, s0 * s0 * fTop);
  const toState = upBlock(store, rng.fork(), 'decoder/up0', fTop, stateC, lh);
  const priorConv = conv2dSame(store, rng.fork(), 'decoder/prior', stateC, 2 * lc, 3);
  // Posterior correction: a conv of the features plus a conv of the state (a conv of their
  // concatenation, without the concat), started small so q begins at the prior.
  const postFeatures = conv2dSame(store, rng.fork(), 'encoder/lower/features', featureC, 2 * lc, 3, 0.1);
  const postState = conv2dSame(store, rng.fork(), 'encoder/lower/state', stateC, 2 * lc, 3, 0.1);
  const zProj = conv2dSame(store, rng.fork(), 'decoder/lowerProjection', lc, stateC, 3);
  const ups: ((x: tf.Tensor4D) => tf.Tensor4D)[] = [];
  let upC = stateC;
  for (let i = depth - 2; i >= 1; i--) {
    ups.push(upBlock(store, rng.fork(), `decoder/up${depth - 1 - i}`, upC, filters[i - 1], sizes[i]));
    upC = filters[i - 1];
  }
  // The last doubling is one stride-2 transposed conv (4x4 kernel, no uneven overlap): convs at
  // full resolution cost more than the rest of the decoder together (measured: 3.3x today's
  // FLOPs with two 3x3 convs at 32x32, 2.4x with this).
  const toImage = conv2dUp(store, rng.fork(), 'decoder/out', upC, c.channels, sizes[0]);

  const split = (t: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] => tf.split(t, 2, 3) as [tf.Tensor4D, tf.Tensor4D];

  return {
    lowerShape,
    bottomUp: (x) => {
      let h = x;
      let features = x;
      downs.forEach((down, i) => {
        h = tf.relu(down(h));
        if (i === depth - 2) features = h;
      });
      let v = tf.reshape(h, [x.shape[0], flat]) as tf.Tensor2D;
      if (encDense) v = tf.relu(encDense(v));
      const [mu, logvar] = tf.split(head(v), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      return { mu, logvar, features };
    },
    topState: (z1) => {
      let v = z1;
      if (decDense) v = tf.relu(decDense(v));
      const m = tf.reshape(tf.relu(toMap(v)), [z1.shape[0], s0, s0, fTop]) as tf.Tensor4D;
      return tf.relu(toState(m));
    },
    prior: (state) => {
      const [mean, raw] = split(priorConv(state));
      return { mean, logvar: boundLogvar(raw) };
    },
    posterior: (state, features, prior) => {
      const [dm, dl] = split(tf.add(postFeatures(features), postState(state)) as tf.Tensor4D);
      return { mean: tf.add(prior.mean, dm) as tf.Tensor4D, logvar: boundLogvar(tf.add(prior.logvar, dl) as tf.Tensor4D) };
    },
    finish: (state, z2) => {
      let h = tf.relu(tf.add(state, zProj(z2))) as tf.Tensor4D;
      for (const up of ups) h = tf.relu(up(h));
      return toImage(h);
    },
  };
}

/**
 * KL( N(qm, e^ql) || N(pm, e^pl) ) summed per image over every element of the maps:
 *   1/2 sum( pl - ql + (e^ql + (qm - pm)^2) / e^pl - 1 ).
 */
export function gaussianKlMaps(q: GaussianMap, p: GaussianMap): tf.Tensor1D {
  return tf.tidy(() => {
    const perElement = tf.mul(0.5, tf.sub(tf.add(tf.sub(p.logvar, q.logvar), tf.div(tf.add(tf.exp(q.logvar), tf.square(tf.sub(q.mean, p.mean))), tf.exp(p.logvar))), 1));
    return tf.sum(tf.reshape(perElement, [q.mean.shape[0], -1]), 1) as tf.Tensor1D;
  });
}

/** log N(z; m, diag e^t) summed per image. */
export function logGaussianMap(z: tf.Tensor4D, g: GaussianMap): tf.Tensor1D {
  return tf.tidy(() => {
    const perElement = tf.mul(-0.5, tf.add(tf.add(g.logvar, Math.log(2 * Math.PI)), tf.div(tf.square(tf.sub(z, g.mean)), tf.exp(g.logvar))));
    return tf.sum(tf.reshape(perElement, [z.shape[0], -1]), 1) as tf.Tensor1D;
  });
}
