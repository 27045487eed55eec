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
 * With lowerLayers 2 a coarse map (the smallest size, 4x4 at 32x32) comes first, with its own
 * prior p(z2|z1) and posterior, and the map above becomes z3 with p(z3|z1, z2); measured on the
 * DCSS tiles (10 min, Balanced) it did not beat one layer (18.1 against 18.6 dB, samples no more
 * whole), so one layer is the default. Measured again with the fine layer and the LR cooldown
 * (DCSS sprites, seed 3): 26.6 against 26.4 dB, prior samples still fragments, and the 4x4 map
 * held 0.33 nats against the fine 16x16 map's 1,470: the finest layer takes the detail whatever
 * sits above it. Opening the layers in turn instead (the 8x8 map at the end of the warm-up, the
 * 16x16 map 900 steps later; DCSS seed 3, Balanced) moved detail up (8x8 map 385 nats, 16x16 915)
 * but cost 2 dB (24.4 against 26.4) and prior samples were still fragments (islands ratio 1.51
 * against 1.98), so all spatial layers open together. Each position of a spatial map draws its own
 * Gaussian under p(z_l|z_<l); nothing in these priors ties a drawn sprite together. An
 * autoregressive prior for the 16x16 map (raster order, one masked 3x3 conv of the map; DCSS
 * seeds 1 to 3) reconstructed at 27.1, 26.2 and 27.6 dB against 25.9, 27.2 and 26.4, within the
 * spread between seeds, and its samples were still fragments (islands ratio 1.42 to 1.79); a
 * position-by-position draw also has no cheap prior mean for the smooth paths, so it was not kept. Four channels per map
 * instead of eight: 25.2 dB, islands 1.55. Lower layers stay factorised; whole samples come from
 * the fitted prior.
 *
 * With fineLatent (the default from 32x32) a fine map z3 at twice z2's resolution follows the
 * first up-block past z2, with prior p(z3|z1, z2) and its posterior read from the encoder's
 * features at that resolution: at equal epochs it took Twemoji reconstructions from 22.1 to
 * 26.2 dB, where the 8x8 map alone could not place outlines, eyes and highlights.
 *
 * Conditional model (vae-theory.md section 6, config.labels non-empty): the label embedding e
 * enters the bottom-up pass at its dense layer (q(z1|x,y)) and the top-down pass where z1 does
 * (its first dense layer). The top-down state then carries y, so the prior of z2 is
 * p(z2|z1,y) and the posterior q(z2|x,z1,y): the detail drawn for a sample belongs to its label.
 * p(z1) stays N(0, I), as the theory's simplest choice, so z1 keeps what the label does not.
 *
 * The posterior is written relative to the prior, so at initialisation q = p and the lower
 * layer's KL starts at zero instead of at a large random value. Up-blocks are nearest
 * upsampling followed by 3x3 convs (no checkerboard artefacts of transposed convs), with a
 * residual 3x3 conv that starts at zero so a fresh block is a plain upsampling conv.
 */
import * as tf from '@tensorflow/tfjs';
import '../backend/cpu-resize-nearest-grad';
import type { ModelConfig } from './config';
import { convSizes, requireEmbedding, type Posterior } from './encoder';
import { labelInput } from './labels';
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

/**
 * What the top-down pass asks of its caller at each spatial layer (coarsest first): given the
 * layer's prior p(z_l|z_<l) and, when bottom-up features were given, its posterior q(z_l|x, z_<l),
 * return the z_l to continue with (a posterior sample, a posterior mean, a prior draw...).
 */
export type ChooseLatent = (layer: number, prior: GaussianMap, posterior: GaussianMap | null) => tf.Tensor4D;

export interface HierarchyNet {
  /** Shapes of the spatial latents for one image, coarsest first: [h, w, c] each. */
  lowerShapes: [number, number, number][];
  /** q(z1|x) and the bottom-up features at each spatial layer's resolution (coarsest first). */
  bottomUp(x: tf.Tensor4D, e?: tf.Tensor2D): Posterior & { features: tf.Tensor4D[] };
  /**
   * The decoder from z1 [N, J]: at each spatial layer the prior (and with `features` the
   * posterior) go to `choose`, whose z_l is merged into the state; returns the likelihood's raw
   * output [N, H, W, C]. `e`: the label embedding of a conditional model.
   */
  topDown(z1: tf.Tensor2D, features: tf.Tensor4D[] | null, choose: ChooseLatent, e?: tf.Tensor2D): tf.Tensor4D;
}

/**
 * Resolution indices (into convSizes) of the spatial latents, coarsest first: one layer one
 * level above the smallest map (8x8 at 32x32); with two, the smallest map (4x4) first.
 */
export function lowerLatentLevels(c: Pick<ModelConfig, 'convFilters' | 'lowerLayers' | 'fineLatent'>): number[] {
  const depth = c.convFilters.length;
  const levels = c.lowerLayers === 2 ? [depth, depth - 1] : [depth - 1];
  return c.fineLatent ? [...levels, depth - 2] : levels;
}

export function lowerLatentShapes(c: Pick<ModelConfig, 'height' | 'convFilters' | 'lowerChannels' | 'lowerLayers' | 'fineLatent'>): [number, number, number][] {
  const sizes = convSizes(c.height, c.convFilters.length);
  return lowerLatentLevels(c).map((level) => [sizes[level], sizes[level], c.lowerChannels]);
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

/** One spatial latent layer: its prior, its posterior correction and its merge into the state. */
function latentLayer(store: ParamStore, rng: Rng, names: { prior: string; features: string; state: string; projection: string }, stateC: number, featureC: number, lc: number) {
  const split = (t: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] => tf.split(t, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
  const priorConv = conv2dSame(store, rng.fork(), names.prior, stateC, 2 * lc, 3);
  // Posterior correction: a conv of the features plus a conv of the state (a conv of their
  // concatenation, without the concat), started small so q begins at the prior.
  const postFeatures = conv2dSame(store, rng.fork(), names.features, featureC, 2 * lc, 3, 0.1);
  const postState = conv2dSame(store, rng.fork(), names.state, stateC, 2 * lc, 3, 0.1);
  const zProj = conv2dSame(store, rng.fork(), names.projection, lc, stateC, 3);
  return {
    prior: (state: tf.Tensor4D): GaussianMap => {
      const [mean, raw] = split(priorConv(state));
      return { mean, logvar: boundLogvar(raw) };
    },
    posterior: (state: tf.Tensor4D, features: tf.Tensor4D, prior: GaussianMap): GaussianMap => {
      const [dm, dl] = split(tf.add(postFeatures(features), postState(state)) as tf.Tensor4D);
      return { mean: tf.add(prior.mean, dm) as tf.Tensor4D, logvar: boundLogvar(tf.add(prior.logvar, dl) as tf.Tensor4D) };
    },
    merge: (state: tf.Tensor4D, z: tf.Tensor4D): tf.Tensor4D => tf.relu(tf.add(state, zProj(z))) as tf.Tensor4D,
  };
}

export function hierarchyNet(opts: { config: ModelConfig; store: ParamStore; rng: Rng }): HierarchyNet {
  const { config: c, store, rng } = opts;
  const J = c.latentDim;
  const filters = c.convFilters;
  const depth = filters.length;
  const sizes = convSizes(c.height, depth);
  const levels = lowerLatentLevels(c);
  const lowerShapes = lowerLatentShapes(c);
  const lc = c.lowerChannels;
  // Channels of the encoder's output at resolution level l (level 0 is the image).
  const channelsAt = (level: number): number => (level === 0 ? c.channels : filters[level - 1]);

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

  // --- top-down (decoder): the state walks up the resolution ladder from the smallest map; a
  // spatial latent sits at its level (the single-layer model keeps its first names).
  const decDense = c.denseUnits > 0 ? dense(store, rng.fork(), 'decoder/dense0', J, c.denseUnits) : null;
  const fTop = filters[depth - 1];
  const toMap = dense(store, rng.fork(), 'decoder/dense1', c.denseUnits > 0 ? c.denseUnits : J, s0 * s0 * fTop);
  const coarse =
    c.lowerLayers === 2
      ? latentLayer(
          store,
          rng,
          { prior: 'decoder/coarse/prior', features: 'encoder/coarse/features', state: 'encoder/coarse/state', projection: 'decoder/coarse/projection' },
          fTop,
          channelsAt(depth),
          lc,
        )
      : null;
  const stateC = channelsAt(depth - 1);
  const toState = upBlock(store, rng.fork(), 'decoder/up0', fTop, stateC, sizes[depth - 1]);
  const fine = latentLayer(
    store,
    rng,
    { prior: 'decoder/prior', features: 'encoder/lower/features', state: 'encoder/lower/state', projection: 'decoder/lowerProjection' },
    stateC,
    channelsAt(depth - 1),
    lc,
  );
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
  // Made last, so an unconditional model's initial weights are what they were before labels.
  const conditional = c.labels.length > 0;
  const encLabel = conditional ? labelInput(store, rng.fork(), 'encoder/label', c.denseUnits > 0 ? c.denseUnits : 2 * J) : null;
  const decLabel = conditional ? labelInput(store, rng.fork(), 'decoder/label', c.denseUnits > 0 ? c.denseUnits : s0 * s0 * fTop) : null;
  // The fine map sits where the first up-block after z2 lands (16x16 at 32x32); made after
  // everything else so the other weights start as they did before it existed.
  const fineC = channelsAt(depth - 2);
  const finest = c.fineLatent
    ? latentLayer(store, rng, { prior: 'decoder/fine/prior', features: 'encoder/fine/features', state: 'encoder/fine/state', projection: 'decoder/fine/projection' }, fineC, fineC, lc)
    : null;

  return {
    lowerShapes,
    bottomUp: (x, e) => {
      let h = x;
      const byLevel: tf.Tensor4D[] = [x];
      downs.forEach((down) => {
        h = tf.relu(down(h));
        byLevel.push(h);
      });
      let v = tf.reshape(h, [x.shape[0], flat]) as tf.Tensor2D;
      const withLabel = (pre: tf.Tensor2D): tf.Tensor2D => (encLabel ? tf.add(pre, encLabel(requireEmbedding(e))) : pre);
      if (encDense) v = tf.relu(withLabel(encDense(v)));
      const out = encDense ? head(v) : withLabel(head(v));
      const [mu, logvar] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      return { mu, logvar, features: levels.map((level) => byLevel[level]) };
    },
    topDown: (z1, features, choose, e) => {
      let v = z1;
      const withLabel = (pre: tf.Tensor2D): tf.Tensor2D => (decLabel ? tf.add(pre, decLabel(requireEmbedding(e))) : pre);
      if (decDense) v = tf.relu(withLabel(decDense(v)));
      const mapped = decDense ? toMap(v) : withLabel(toMap(v));
      let state = tf.relu(tf.reshape(mapped, [z1.shape[0], s0, s0, fTop])) as tf.Tensor4D;
      const layers = coarse ? [coarse, fine] : [fine];
      let l = 0;
      const visit = (layer: ReturnType<typeof latentLayer>): void => {
        const p = layer.prior(state);
        const q = features ? layer.posterior(state, features[l], p) : null;
        state = layer.merge(state, choose(l, p, q));
        l++;
      };
      for (const layer of layers) {
        if (layer === fine) state = tf.relu(toState(state));
        visit(layer);
      }
      ups.forEach((up, i) => {
        state = tf.relu(up(state));
        if (i === 0 && finest) visit(finest);
      });
      return toImage(state);
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
