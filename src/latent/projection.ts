/**
 * The map from latent space to the 3D view (vae-theory.md section 5): y = P (z - m), with m
 * the mean of the posterior means and P (3 x J) the top-3 principal directions, or three
 * chosen latent axes. A picked 3D point maps back as z = m + P^T y.
 */
import { AtlasError } from '../errors';
import { symmetricEigen } from './linalg';

export interface Projection {
  method: 'pca' | 'axes';
  latentDim: number;
  /** Centre m, [J]. */
  centre: Float64Array;
  /** P as three rows of length J (orthonormal). */
  components: [Float64Array, Float64Array, Float64Array];
  /** Share of the means' total variance along each of the three directions. */
  explained: [number, number, number];
  /** The latent dimensions used as axes ('axes' method), else null. */
  axes: [number, number, number] | null;
}

/** Mean and covariance (1/N, J x J, row-major) of N vectors of length J stored row after row. */
export function meanAndCovariance(data: ArrayLike<number>, count: number, dim: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(count, 1);
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) row[j] = data[i * dim + j] - mean[j];
    for (let j = 0; j < dim; j++) {
      const rj = row[j];
      for (let k = j; k < dim; k++) cov[j * dim + k] += rj * row[k];
    }
  }
  for (let j = 0; j < dim; j++)
    for (let k = j; k < dim; k++) {
      const c = cov[j * dim + k] / Math.max(count, 1);
      cov[j * dim + k] = c;
      cov[k * dim + j] = c;
    }
  return { mean, cov };
}

/**
 * PCA of the means (count x J, row after row). For J <= 3 the latent axes are used directly
 * (padded with zero rows when J < 3, so the view stays 3D).
 */
export function pcaProjection(means: ArrayLike<number>, count: number, latentDim: number): Projection {
  if (count < 1) throw new AtlasError('empty_dataset', 'There are no encoded images to project; import images first.');
  if (latentDim <= 3) return axesProjection(means, count, latentDim, [0, 1, 2].map((d) => Math.min(d, latentDim - 1)) as [number, number, number]);
  const { mean, cov } = meanAndCovariance(means, count, latentDim);
  const { values, vectors } = symmetricEigen(cov, latentDim);
  let total = 0;
  for (let j = 0; j < latentDim; j++) total += cov[j * latentDim + j];
  const share = (k: number) => (total > 0 ? Math.max(values[k], 0) / total : 0);
  return {
    method: 'pca',
    latentDim,
    centre: mean,
    components: [vectors[0], vectors[1], vectors[2]],
    explained: [share(0), share(1), share(2)],
    axes: null,
  };
}

/** Three latent dimensions as the x, y, z axes (centred on the means' mean). */
export function axesProjection(means: ArrayLike<number>, count: number, latentDim: number, axes: [number, number, number]): Projection {
  for (const a of axes)
    if (!Number.isInteger(a) || a < 0 || a >= latentDim) throw new AtlasError('invalid_input', `Axis ${a} is not a latent dimension: the model has dimensions 0 to ${latentDim - 1}.`);
  const { mean, cov } = meanAndCovariance(means, count, latentDim);
  let total = 0;
  for (let j = 0; j < latentDim; j++) total += cov[j * latentDim + j];
  const seen = new Set<number>();
  const components = axes.map((a) => {
    const row = new Float64Array(latentDim);
    // A repeated axis (J < 3) gets a zero row: that view direction carries nothing.
    if (!seen.has(a)) row[a] = 1;
    seen.add(a);
    return row;
  }) as Projection['components'];
  const explained = components.map((row) => {
    const a = row.indexOf(1);
    return a >= 0 && total > 0 ? cov[a * latentDim + a] / total : 0;
  }) as Projection['explained'];
  return { method: 'axes', latentDim, centre: mean, components, explained, axes };
}

/** y = P (z - m) for count vectors (row after row) into a Float32Array count x 3. */
export function projectPoints(p: Projection, z: ArrayLike<number>, count: number): Float32Array {
  const J = p.latentDim;
  const out = new Float32Array(count * 3);
  for (let i = 0; i < count; i++)
    for (let r = 0; r < 3; r++) {
      const row = p.components[r];
      let s = 0;
      for (let j = 0; j < J; j++) s += row[j] * (z[i * J + j] - p.centre[j]);
      out[i * 3 + r] = s;
    }
  return out;
}

/** z = m + P^T y: a 3D point back to latent space (other principal components held at the mean). */
export function unprojectPoint(p: Projection, y: ArrayLike<number>): number[] {
  const z = Array.from(p.centre);
  for (let r = 0; r < 3; r++) for (let j = 0; j < p.latentDim; j++) z[j] += p.components[r][j] * y[r];
  return z;
}
