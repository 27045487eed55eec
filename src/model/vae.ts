import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { decoder, type DecoderFn } from './decoder';
import { encoder, type EncoderFn, type Posterior } from './encoder';
import { gaussianKlMaps, hierarchyNet, logGaussianMap, type HierarchyNet } from './hierarchy';
import { labelEmbedding } from './labels';
import { likelihood, type Likelihood } from './likelihood';
import { gaussianKlPerDim, klTerm, logMeanExp, logPosteriorFromEps, logStdNormal, reparameterize } from './objective';
import { ParamStore } from './params';
import { AtlasError } from '../errors';
import { Rng } from './rng';

export interface ObjectiveOptions {
  /** Weight on KL (on log p(z) - log q(z|x) inside the IWAE weights). */
  beta: number;
  /** Free bits lambda in nats per latent dimension (ELBO training only); 0 = off. */
  freeBits: number;
  /** 'train' lets a calibrated decoder set its s from this batch. */
  mode: 'train' | 'eval';
  /**
   * Hierarchy only: false holds each spatial posterior at its prior (z_l ~ p(z_l|z_<l), KL 0),
   * so the images must be carried by z1. Training opens them only when the KL warm-up ends: a
   * z2 open from the first step learns the images before z1 does, and z1 (the 3D map) collapses.
   * Default true.
   */
  lowerLayer?: boolean;
  /** Conditional model: label weights y [B, C] (one-hot rows) of the batch's images. */
  labels?: tf.Tensor2D;
}

/** Every number is a per-image mean over the batch, in nats. */
export interface ObjectiveTerms {
  /** What the optimiser minimises. */
  loss: tf.Scalar;
  /** E_q[-log p(x|z)], averaged over the k samples. */
  recon: tf.Scalar;
  /** Analytic KL of every layer: KL(q(z1|x) || p(z1)) + E_q(z1)[KL(q(z2|x,z1) || p(z2|z1))]. */
  kl: tf.Scalar;
  /** Per layer, top first: [KL of z1, KL of each spatial layer] (hierarchical) or [KL of z] (flat). */
  klLayers: tf.Scalar[];
  /** Batch-mean KL per dimension of the top (global) latent, [J]. */
  klPerDim: tf.Tensor1D;
  /** -recon - kl (higher is better). */
  elbo: tf.Scalar;
  /** L_k = log mean_i w_i with beta = 1 (equals the ELBO estimate when k = 1). */
  iwae: tf.Scalar;
  /** Calibrated decoder in 'train' mode: this batch's s^2. */
  sigma2?: tf.Scalar;
}

/**
 * The VAE: encoder q(z|x), decoder g(z), likelihood p(x|z), prior N(0, I), all variables in
 * one ParamStore. A conditional model (config.labels non-empty; vae-theory.md section 6) is
 * q(z|x,y), p(x|z,y) with p(z|y) = N(0, I): every method then takes the rows' label weights
 * y [N, C] (one-hot, or a blend of labels for decoding) as its last argument. Parameters are initialised from `seed` with our own PRNG, so the same seed
 * gives the same initial weights on every backend.
 */
export class Vae {
  readonly store = new ParamStore();
  readonly likelihood: Likelihood;
  /** The hierarchical model's networks; null for the flat model. */
  private readonly hierarchy: HierarchyNet | null;
  private readonly flatEncode: EncoderFn | null;
  private readonly flatDecode: DecoderFn | null;
  /** Standard normals a training step needs per image and sample: J (flat) or J + every spatial layer's size. */
  readonly noiseDim: number;
  /** Values in the spatial latents per image, all layers (0 for the flat model). */
  readonly lowerDim: number;
  /** Values per spatial layer, coarsest first. */
  readonly lowerSizes: number[];
  /** Conditional model: e = y Emb; null when unconditional. */
  private readonly embedLabels: ((y: tf.Tensor2D) => tf.Tensor2D) | null;

  constructor(
    readonly config: ModelConfig,
    seed: number,
  ) {
    const rng = new Rng(seed);
    if (config.architecture === 'hvae') {
      this.hierarchy = hierarchyNet({ config, store: this.store, rng: rng.fork() });
      this.flatEncode = null;
      this.flatDecode = null;
      this.lowerSizes = this.hierarchy.lowerShapes.map(([h, w, c]) => h * w * c);
    } else {
      this.hierarchy = null;
      this.flatEncode = encoder({ config, store: this.store, rng: rng.fork() });
      this.flatDecode = decoder({ config, store: this.store, rng: rng.fork() });
      this.lowerSizes = [];
    }
    this.lowerDim = this.lowerSizes.reduce((a, b) => a + b, 0);
    this.noiseDim = config.latentDim + this.lowerDim;
    this.likelihood = likelihood({ config, store: this.store });
    // Forked last, so an unconditional model's weights for a seed are what they were before labels.
    this.embedLabels = config.labels.length > 0 ? labelEmbedding(this.store, rng.fork(), config.labels.length) : null;
  }

  /** Labels in the vocabulary (0 = unconditional). */
  get labelCount(): number {
    return this.config.labels.length;
  }

  /** The label embedding the networks read, or undefined for an unconditional model (which ignores labels). */
  private embed(y: tf.Tensor2D | undefined): tf.Tensor2D | undefined {
    if (!this.embedLabels) return undefined;
    if (!y) throw new AtlasError('internal', 'This model is conditional: every encode and decode needs the labels of its rows.');
    if (y.shape[1] !== this.labelCount) throw new AtlasError('internal', `Label weights have ${y.shape[1]} columns but the model knows ${this.labelCount} labels.`);
    return this.embedLabels(y);
  }

  get dims(): number {
    return this.config.height * this.config.width * this.config.channels;
  }

  /** Whether the model has latent layers under the global z (the hierarchical VAE). */
  get hierarchical(): boolean {
    return this.hierarchy !== null;
  }

  /** Whether the model sees and makes RGBA with premultiplied colour (ModelConfig.alpha). */
  get premultiplied(): boolean {
    return this.config.channels === 4 && this.config.alpha === 'premultiplied';
  }

  /**
   * Images as the model takes them: straight RGBA in [0, 1] (what every caller has) becomes
   * premultiplied (rgb * a) when the model works that way; anything else is returned as is.
   */
  private toModel(x: tf.Tensor4D): tf.Tensor4D {
    if (!this.premultiplied) return x;
    return tf.tidy(() => {
      const [rgb, a] = tf.split(x, [3, 1], 3);
      return tf.concat([tf.mul(rgb, a), a], 3) as tf.Tensor4D;
    });
  }

  /**
   * Images as callers take them, from the likelihood's mean or sample. A straight model's output
   * is returned as is (displays clamp a linear mean); a premultiplied model's is clamped to [0, 1]
   * and made straight again (rgb / a; colour 0 where alpha is under half a level), alpha raised to
   * the largest colour value where that is above it.
   */
  toImage(m: tf.Tensor4D): tf.Tensor4D {
    if (!this.premultiplied) return m;
    return tf.tidy(() => {
      const c = tf.clipByValue(m, 0, 1) as tf.Tensor4D;
      const [rgb, a0] = tf.split(c, [3, 1], 3);
      // A premultiplied colour cannot exceed its alpha; where the model's mean does (about 4% of a
      // sample's pixels), the pixel is taken as that much more opaque, which keeps what it adds
      // over a background, rather than clamping its colour to white.
      const a = tf.maximum(a0, tf.max(rgb, 3, true));
      const straight = tf.clipByValue(tf.div(rgb, tf.maximum(a, 1e-3)), 0, 1);
      // 0 where alpha is under half a level, 1 above: a steep ramp rather than a comparison, so
      // the geodesic optimiser can differentiate through it.
      const visible = tf.clipByValue(tf.mul(tf.sub(a, 0.5 / 255), 1e6), 0, 1);
      return tf.concat([tf.mul(straight, visible), a], 3) as tf.Tensor4D;
    });
  }

  /** The mean image for a raw decoder output, as callers take images (toImage). */
  meanImage(raw: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.toImage(this.likelihood.mean(raw)));
  }

  /** q(z|x) of the global latent (z1 of the hierarchy): what the 3D map, paths and traversals use. */
  encode(x0: tf.Tensor4D, y?: tf.Tensor2D): Posterior {
    const x = this.toModel(x0);
    if (this.flatEncode) {
      const e = this.embed(y);
      const q = this.flatEncode(x, e);
      e?.dispose();
      if (x !== x0) x.dispose();
      return q;
    }
    return tf.tidy(() => {
      const { mu, logvar } = this.hierarchy!.bottomUp(x, this.embed(y));
      if (x !== x0) x.dispose();
      return { mu, logvar };
    });
  }

  /** Columns [start, start + size) of a [N, lowerDim] matrix, shaped as spatial layer l's maps. */
  private layerPart(t: tf.Tensor2D, l: number, like: tf.Tensor4D): tf.Tensor4D {
    const start = this.lowerSizes.slice(0, l).reduce((a, b) => a + b, 0);
    return tf.reshape(tf.slice(t, [0, start], [t.shape[0], this.lowerSizes[l]]), like.shape) as tf.Tensor4D;
  }

  /**
   * The likelihood's raw output for global latents [N, J]. The hierarchy draws each spatial
   * layer from its top-down prior: the prior's mean (plus `lowerOffsets`, [N, lowerDim]), and
   * with `lowerNoise` ([N, lowerDim] standard normals) + temperature * sigma * noise.
   */
  decodeRaw(z: tf.Tensor2D, lowerNoise?: tf.Tensor2D, temperature = 1, lowerOffsets?: tf.Tensor2D, y?: tf.Tensor2D): tf.Tensor4D {
    if (this.flatDecode) return tf.tidy(() => this.flatDecode!(z, this.embed(y)));
    const h = this.hierarchy!;
    return tf.tidy(() =>
      h.topDown(
        z,
        null,
        (l, p) => {
          let zl = lowerOffsets ? (tf.add(p.mean, this.layerPart(lowerOffsets, l, p.mean)) as tf.Tensor4D) : p.mean;
          if (lowerNoise && temperature > 0) zl = tf.add(zl, tf.mul(tf.exp(tf.mul(p.logvar, 0.5)), tf.mul(this.layerPart(lowerNoise, l, p.mean), temperature))) as tf.Tensor4D;
          return zl;
        },
        this.embed(y),
      ),
    );
  }

  /** Mean image g(z) (g(z, y) when conditional) for latents [N, J] (hierarchy: the spatial layers at their prior means). */
  decodeMean(z: tf.Tensor2D, y?: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => this.meanImage(this.decodeRaw(z, undefined, 1, undefined, y)));
  }

  /** Raw output for the reconstruction of x: every latent layer at its posterior mean. */
  reconstructRaw(x0: tf.Tensor4D, y?: tf.Tensor2D): tf.Tensor4D {
    if (!this.hierarchy) return tf.tidy(() => this.decodeRaw(this.encode(x0, y).mu, undefined, 1, undefined, y));
    const h = this.hierarchy;
    return tf.tidy(() => {
      const x = this.toModel(x0);
      const e = this.embed(y);
      const b = h.bottomUp(x, e);
      return h.topDown(b.mu, b.features, (_, __, q) => q!.mean, e);
    });
  }

  /**
   * Hierarchy: where each image's spatial posterior means sit relative to their prior means,
   * along its own posterior path (z1 = mu(x)): [N, lowerDim]. Adding these offsets to the priors
   * along a path gives back the exact reconstructions at its ends ("re-infer" interpolation).
   * Null for the flat model.
   */
  lowerOffsets(x0: tf.Tensor4D, y?: tf.Tensor2D): tf.Tensor2D | null {
    if (!this.hierarchy) return null;
    const h = this.hierarchy;
    return tf.tidy(() => {
      const x = this.toModel(x0);
      const e = this.embed(y);
      const b = h.bottomUp(x, e);
      const parts: tf.Tensor2D[] = [];
      h.topDown(
        b.mu,
        b.features,
        (l, p, q) => {
          parts.push(tf.reshape(tf.sub(q!.mean, p.mean), [x.shape[0], this.lowerSizes[l]]) as tf.Tensor2D);
          return q!.mean;
        },
        e,
      );
      return tf.concat(parts, 1) as tf.Tensor2D;
    });
  }

  /**
   * Everything the objective needs from x and noise [k, B, noiseDim]: the top posterior, the
   * raw output for the sampled latents, per sample (rows k*B) log p(z) - log q(z|x) summed over
   * the layers, and each spatial layer's analytic KL given the layers above it.
   */
  private forward(x: tf.Tensor4D, eps: tf.Tensor3D, mu0?: tf.Tensor2D, logvar0?: tf.Tensor2D, lowerLayer = true, y?: tf.Tensor2D, encoded?: Posterior & { features: tf.Tensor4D[] }) {
    const [k, B] = eps.shape;
    const J = this.config.latentDim;
    const h = this.hierarchy;
    const e = this.embed(y);
    // The k samples of an image share its label: the embedding rows tiled like the latents [k * B].
    const ek = e && k > 1 ? (tf.tile(e, [k, 1]) as tf.Tensor2D) : e;
    let mu: tf.Tensor2D;
    let logvar: tf.Tensor2D;
    let features: tf.Tensor4D[] | null = null;
    if (h) {
      const b = encoded ?? h.bottomUp(x, e);
      mu = mu0 ?? b.mu;
      logvar = logvar0 ?? b.logvar;
      features = b.features;
    } else if (mu0 && logvar0) {
      mu = mu0;
      logvar = logvar0;
    } else {
      ({ mu, logvar } = this.flatEncode!(x, e));
    }
    const eps1 = h ? (tf.slice(eps, [0, 0, 0], [k, B, J]) as tf.Tensor3D) : eps;
    const z = tf.reshape(reparameterize(mu, logvar, eps1), [k * B, J]) as tf.Tensor2D;
    const logPrior1 = tf.reshape(logStdNormal(tf.reshape(z, [k, B, J])), [k * B]);
    const logQ1 = tf.reshape(logPosteriorFromEps(tf.expandDims(logvar, 0), eps1), [k * B]);
    let logPQ = tf.sub(logPrior1, logQ1) as tf.Tensor1D;
    if (!h) return { mu, logvar, out: this.flatDecode!(z, ek), logPQ, klLower: [] as tf.Tensor1D[] };
    const lowerEps = tf.reshape(tf.slice(eps, [0, 0, J], [k, B, this.lowerDim]), [k * B, this.lowerDim]) as tf.Tensor2D;
    // Before the warm-up ends the spatial posteriors are held at their priors: z_l ~ p(z_l|z_<l),
    // so their KL and log p - log q are exactly 0 and this is still an ELBO. The decoder learns
    // from z1 alone while the priors' spread is trained; opening the posteriors later is then a
    // smooth start (q = p + a small learned correction), not a sudden burst of untrained noise
    // (measured: z2 held at its prior *mean* during warm-up collapsed the Quick preset when it opened).
    if (!lowerLayer) {
      const out = h.topDown(z, null, (l, p) => tf.add(p.mean, tf.mul(tf.exp(tf.mul(p.logvar, 0.5)), this.layerPart(lowerEps, l, p.mean))) as tf.Tensor4D, ek);
      return { mu, logvar, out, logPQ, klLower: this.lowerSizes.map(() => tf.zeros([k * B]) as tf.Tensor1D) };
    }
    // k samples share each image's features; tiled as rank-3 tensors (tfjs has no rank-5 tile gradient).
    const tiled = features!.map((f) => {
      const [, fh, fw, fc] = f.shape;
      return k === 1 ? f : (tf.reshape(tf.tile(tf.reshape(f, [1, B, fh * fw * fc]), [k, 1, 1]), [k * B, fh, fw, fc]) as tf.Tensor4D);
    });
    const klLower: tf.Tensor1D[] = [];
    const out = h.topDown(
      z,
      tiled,
      (l, p, q) => {
        const e = this.layerPart(lowerEps, l, p.mean);
        const zl = tf.add(q!.mean, tf.mul(tf.exp(tf.mul(q!.logvar, 0.5)), e)) as tf.Tensor4D;
        // log q(z_l|x, z_<l) written in eps (exact; no division by a small sigma).
        const logQ = tf.mul(-0.5, tf.sum(tf.reshape(tf.add(tf.add(q!.logvar, tf.square(e)), Math.log(2 * Math.PI)), [k * B, -1]), 1));
        logPQ = tf.add(logPQ, tf.sub(logGaussianMap(zl, p), logQ)) as tf.Tensor1D;
        klLower.push(gaussianKlMaps(q!, p));
        return zl;
      },
      ek,
    );
    return { mu, logvar, out, logPQ, klLower };
  }

  /**
   * The objective on one batch. x: [B, H, W, C]; eps: [k, B, noiseDim] standard normals (k >= 1).
   * k = 1: loss = -log p(x|z) + beta * KL (KL analytic, free bits applied).
   * k > 1: loss = -L_k with log w_i = log p(x|z_i) + beta (log p(z_i) - log q(z_i|x))  (IWAE).
   */
  objective(x0: tf.Tensor4D, eps: tf.Tensor3D, opts: ObjectiveOptions): ObjectiveTerms {
    return tf.tidy(() => {
      const x = this.toModel(x0);
      const [k, B] = eps.shape;
      const { mu, logvar, out, logPQ, klLower } = this.forward(x, eps, undefined, undefined, opts.lowerLayer ?? true, opts.labels);
      const xk = k === 1 ? x : (tf.reshape(tf.tile(tf.expandDims(x, 0), [k, 1, 1, 1, 1]), [k * B, x.shape[1], x.shape[2], x.shape[3]]) as tf.Tensor4D);
      const { perImage, sigma2 } = this.likelihood.nll(xk, out, opts.mode);
      const nll = tf.reshape(perImage, [k, B]);
      const klPerDimB = gaussianKlPerDim(mu, logvar);
      const recon = tf.mean(nll) as tf.Scalar;
      const klTop = tf.mean(tf.sum(klPerDimB, 1)) as tf.Scalar;
      // Each spatial layer's KL depends on the sampled layers above it: its mean over samples and images.
      const klLows = klLower.map((t) => tf.mean(t) as tf.Scalar);
      const klLow = klLows.length ? (tf.addN(klLows) as tf.Scalar) : null;
      const kl = klLow ? (tf.add(klTop, klLow) as tf.Scalar) : klTop;
      const logW1 = tf.reshape(logPQ, [k, B]);
      const iwae = tf.mean(logMeanExp(tf.add(tf.neg(nll), logW1), 0)) as tf.Scalar;
      let loss: tf.Scalar;
      if (k === 1) {
        const klLoss = klLow ? tf.add(klTerm(klPerDimB, opts.freeBits), klLow) : klTerm(klPerDimB, opts.freeBits);
        loss = tf.add(recon, tf.mul(opts.beta, klLoss)) as tf.Scalar;
      } else {
        const logW = tf.add(tf.neg(nll), tf.mul(opts.beta, logW1));
        loss = tf.neg(tf.mean(logMeanExp(logW, 0))) as tf.Scalar;
      }
      const terms: ObjectiveTerms = {
        loss,
        recon,
        kl,
        klLayers: [klTop, ...klLows],
        klPerDim: tf.mean(klPerDimB, 0) as tf.Tensor1D,
        elbo: tf.neg(tf.add(recon, kl)) as tf.Scalar,
        iwae,
      };
      if (sigma2) terms.sigma2 = sigma2;
      return terms as unknown as tf.TensorContainer;
    }) as unknown as ObjectiveTerms;
  }

  /**
   * IWAE log-weights log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x), summed over the layers,
   * for a top posterior already computed (evaluation: encode once, then decode chunks of
   * samples). eps: [k, B, noiseDim]; returns [k, B].
   */
  logWeights(x0: tf.Tensor4D, mu: tf.Tensor2D, logvar: tf.Tensor2D, eps: tf.Tensor3D, y?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const x = this.toModel(x0);
      const [k, B] = eps.shape;
      const { out, logPQ } = this.forward(x, eps, mu, logvar, true, y);
      const xk = tf.reshape(tf.tile(tf.expandDims(x, 0), [k, 1, 1, 1, 1]), [k * B, x.shape[1], x.shape[2], x.shape[3]]) as tf.Tensor4D;
      const nll = this.likelihood.nll(xk, out, 'eval').perImage;
      return tf.reshape(tf.sub(logPQ, nll), [k, B]) as tf.Tensor2D;
    });
  }

  /**
   * Per image: the one-sample -log p(x|z) and the KL of every layer below the top (analytic
   * given the sampled z1), for evaluation. eps: [k, B, noiseDim]; returns [k, B] each.
   */
  sampledTerms(
    x0: tf.Tensor4D,
    mu: tf.Tensor2D,
    logvar: tf.Tensor2D,
    eps: tf.Tensor3D,
    y?: tf.Tensor2D,
    encoded?: Posterior & { features: tf.Tensor4D[] },
  ): { nll: tf.Tensor2D; klLower: tf.Tensor2D[] } {
    return tf.tidy(() => {
      const x = this.toModel(x0);
      const [k, B] = eps.shape;
      const { out, klLower } = this.forward(x, eps, mu, logvar, true, y, encoded);
      const xk = k === 1 ? x : (tf.reshape(tf.tile(tf.expandDims(x, 0), [k, 1, 1, 1, 1]), [k * B, x.shape[1], x.shape[2], x.shape[3]]) as tf.Tensor4D);
      const nll = tf.reshape(this.likelihood.nll(xk, out, 'eval').perImage, [k, B]) as tf.Tensor2D;
      return { nll, klLower: klLower.map((t) => tf.reshape(t, [k, B]) as tf.Tensor2D) };
    });
  }

  /**
   * What one validation batch needs, from a single encoder pass: q(z1|x), the reconstruction with
   * every layer at its posterior mean (raw likelihood output, as reconstructRaw) and the sampled
   * ELBO terms (as sampledTerms). Separately those run the encoder three times per batch; on the
   * default model that was about 40% of validation, which a time-budgeted run pays every epoch.
   */
  validationTerms(x0: tf.Tensor4D, eps: tf.Tensor3D, y?: tf.Tensor2D): Posterior & { recon: tf.Tensor4D; nll: tf.Tensor2D; klLower: tf.Tensor2D[] } {
    return tf.tidy(() => {
      const h = this.hierarchy;
      let mu: tf.Tensor2D;
      let logvar: tf.Tensor2D;
      let recon: tf.Tensor4D;
      let encoded: (Posterior & { features: tf.Tensor4D[] }) | undefined;
      if (h) {
        const e = this.embed(y);
        encoded = h.bottomUp(this.toModel(x0), e);
        ({ mu, logvar } = encoded);
        recon = h.topDown(mu, encoded.features, (_, __, q) => q!.mean, e);
      } else {
        ({ mu, logvar } = this.encode(x0, y));
        recon = this.decodeRaw(mu, undefined, 1, undefined, y);
      }
      return { mu, logvar, recon, ...this.sampledTerms(x0, mu, logvar, eps, y, encoded) };
    });
  }

  dispose(): void {
    this.store.dispose();
  }
}
