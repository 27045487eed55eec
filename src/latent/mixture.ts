/**
 * A Gaussian mixture fitted to the posterior means: where the data actually lies in z.
 *
 * Why: the model is trained with the prior N(0, I), but the aggregate posterior
 * q(z) = mean over images of q(z|x) never fills that ball exactly. Prior draws that land in the
 * gaps ("holes") decode to fragments. The optimal prior for a fixed encoder is q(z) itself
 * (vae-theory.md section 4; Hoffman & Johnson 2016), and a small full-covariance mixture fitted
 * after training is the standard cheap stand-in for it (ex-post density estimation, Ghosh et al.
 * 2020). Generate offers it beside the plain prior; the model is unchanged.
 *
 * Fitted by EM in float64, seeded k-means++ start, covariances floored by `ridge` so a component
 * over a few nearly equal points stays invertible. Deterministic for a seed.
 */
import { AtlasError } from '../errors';
import { Rng } from '../model/rng';
import { runToEnd, type Stepwise } from './stepwise';

export interface GaussianMixture {
  dim: number;
  weights: Float64Array;
  /** components x dim. */
  means: Float64Array[];
  /** Lower Cholesky factor of each covariance, dim x dim row-major. */
  choleskys: Float64Array[];
  /** Mean log-density of the fitted points under the mixture, per point. */
  logLikelihood: number;
  iterations: number;
}

export interface MixtureOptions {
  components?: number;
  seed?: number;
  maxIterations?: number;
  /** Stop when the mean log-likelihood gains less than this. */
  tolerance?: number;
  /** Added to every covariance's diagonal. */
  ridge?: number;
}

/** Lower Cholesky factor of an n x n SPD matrix; throws if not positive definite. */
export function cholesky(a: ArrayLike<number>, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error('cholesky: matrix is not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  return l;
}

/** log N(x; mean, L L^T) with L lower triangular. */
export function gaussianLogDensity(x: ArrayLike<number>, mean: ArrayLike<number>, l: Float64Array, n: number): number {
  // Solve L y = x - mean; then the Mahalanobis term is |y|^2 and log det = 2 sum log L_ii.
  const y = new Float64Array(n);
  let quad = 0;
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    let s = x[i] - mean[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
    quad += y[i] * y[i];
    logDet += Math.log(l[i * n + i]);
  }
  return -0.5 * n * Math.log(2 * Math.PI) - logDet - 0.5 * quad;
}

export function mixtureLogDensity(m: GaussianMixture, x: ArrayLike<number>): number {
  const terms = m.means.map((mu, k) => Math.log(m.weights[k]) + gaussianLogDensity(x, mu, m.choleskys[k], m.dim));
  return logSumExp(terms);
}

function logSumExp(v: number[]): number {
  let max = -Infinity;
  for (const t of v) if (t > max) max = t;
  if (max === -Infinity) return max;
  let s = 0;
  for (const t of v) s += Math.exp(t - max);
  return max + Math.log(s);
}

/**
 * Fit a mixture to `count` points of `dim` values each (row-major). The component count is
 * capped so every component has at least dim + 1 points' worth of data on average.
 */
export function fitMixture(points: ArrayLike<number>, count: number, dim: number, opts: MixtureOptions = {}): GaussianMixture {
  return runToEnd(mixtureFit(points, count, dim, opts));
}

/**
 * fitMixture step by step: yields after each EM iteration (done of maxIterations), so a caller
 * can report progress and hear a cancel (runCancellable); on a few thousand points in 20-30
 * dimensions one iteration takes ~0.1 s and a fit up to 100 of them.
 */
export function* mixtureFit(points: ArrayLike<number>, count: number, dim: number, opts: MixtureOptions = {}): Stepwise<GaussianMixture, 'mixture'> {
  if (count < 2) throw new AtlasError('invalid_input', `A fitted prior needs at least 2 encoded images; this dataset has ${count}.`);
  const K = Math.max(1, Math.min(opts.components ?? 10, Math.floor(count / (dim + 1))));
  const ridge = opts.ridge ?? 1e-4;
  const maxIterations = opts.maxIterations ?? 100;
  const tolerance = opts.tolerance ?? 1e-5;
  const rng = new Rng(opts.seed ?? 0);
  const x = Float64Array.from(points as ArrayLike<number>);
  const row = (i: number) => x.subarray(i * dim, (i + 1) * dim);
  const dist2 = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let s = 0;
    for (let j = 0; j < dim; j++) s += (a[j] - b[j]) ** 2;
    return s;
  };

  // k-means++ start: each next centre drawn with probability proportional to squared distance.
  const centres: Float64Array[] = [Float64Array.from(row(Math.floor(rng.uniform() * count)))];
  const near = Float64Array.from({ length: count }, (_, i) => dist2(row(i), centres[0]));
  while (centres.length < K) {
    let total = 0;
    for (let i = 0; i < count; i++) total += near[i];
    let pick = count - 1;
    if (total > 0) {
      let u = rng.uniform() * total;
      for (let i = 0; i < count; i++)
        if ((u -= near[i]) <= 0) {
          pick = i;
          break;
        }
    } else pick = Math.floor(rng.uniform() * count);
    const c = Float64Array.from(row(pick));
    centres.push(c);
    for (let i = 0; i < count; i++) near[i] = Math.min(near[i], dist2(row(i), c));
  }

  // Start: hard assignment to the nearest centre, shared data covariance for every component.
  const resp = new Float64Array(count * K);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (dist2(row(i), centres[k]) < dist2(row(i), centres[best])) best = k;
    resp[i * K + best] = 1;
  }

  let weights = new Float64Array(K);
  let means: Float64Array[] = [];
  let choleskys: Float64Array[] = [];
  let previous = -Infinity;
  let logLikelihood = -Infinity;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    // M step from the responsibilities.
    ({ weights, means, choleskys } = maximise(x, resp, count, dim, K, ridge));
    // E step: responsibilities and the mean log-likelihood.
    let total = 0;
    const terms = new Array<number>(K);
    for (let i = 0; i < count; i++) {
      const xi = row(i);
      for (let k = 0; k < K; k++) terms[k] = weights[k] > 0 ? Math.log(weights[k]) + gaussianLogDensity(xi, means[k], choleskys[k], dim) : -Infinity;
      const lse = logSumExp(terms);
      total += lse;
      for (let k = 0; k < K; k++) resp[i * K + k] = Math.exp(terms[k] - lse);
    }
    logLikelihood = total / count;
    yield { stage: 'mixture', done: iterations + 1, total: maxIterations };
    if (logLikelihood - previous < tolerance) {
      iterations++;
      break;
    }
    previous = logLikelihood;
  }
  // Components that lost all their points are dropped (weights renormalised).
  const keep = Array.from({ length: K }, (_, k) => k).filter((k) => weights[k] > 0);
  const kept = keep.reduce((s, k) => s + weights[k], 0);
  return {
    dim,
    weights: Float64Array.from(keep, (k) => weights[k] / kept),
    means: keep.map((k) => means[k]),
    choleskys: keep.map((k) => choleskys[k]),
    logLikelihood,
    iterations,
  };
}

function maximise(x: Float64Array, resp: Float64Array, count: number, dim: number, K: number, ridge: number) {
  const weights = new Float64Array(K);
  const means: Float64Array[] = [];
  const choleskys: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    let nk = 0;
    const mean = new Float64Array(dim);
    for (let i = 0; i < count; i++) {
      const r = resp[i * K + k];
      if (r === 0) continue;
      nk += r;
      for (let j = 0; j < dim; j++) mean[j] += r * x[i * dim + j];
    }
    weights[k] = nk / count;
    const cov = new Float64Array(dim * dim);
    if (nk > 1e-12) {
      for (let j = 0; j < dim; j++) mean[j] /= nk;
      for (let i = 0; i < count; i++) {
        const r = resp[i * K + k];
        if (r < 1e-12) continue;
        for (let a = 0; a < dim; a++) {
          const da = x[i * dim + a] - mean[a];
          for (let b = 0; b <= a; b++) cov[a * dim + b] += r * da * (x[i * dim + b] - mean[b]);
        }
      }
      for (let a = 0; a < dim; a++) for (let b = 0; b <= a; b++) cov[b * dim + a] = cov[a * dim + b] /= nk;
    } else weights[k] = 0;
    for (let a = 0; a < dim; a++) cov[a * dim + a] += ridge;
    means.push(mean);
    choleskys.push(cholesky(cov, dim));
  }
  return { weights, means, choleskys };
}

/**
 * Seeded draws z = mean_k + tau * L_k eps with k ~ weights: the temperature narrows each
 * component around its mean as it narrows the prior N(0, tau^2 I).
 */
export function sampleMixture(m: GaussianMixture, count: number, temperature: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const n = m.dim;
  return Array.from({ length: count }, () => {
    let u = rng.uniform();
    let k = 0;
    while (k < m.weights.length - 1 && (u -= m.weights[k]) > 0) k++;
    const eps = rng.normals(n);
    const l = m.choleskys[k];
    return Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j <= i; j++) s += l[i * n + j] * eps[j];
      return m.means[k][i] + temperature * s;
    });
  });
}
