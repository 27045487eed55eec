/**
 * Where latent vectors go in the 3D view under each layout. Linear layouts (PCA, chosen
 * dimensions) are the map y = P (z - m) that latent.project returned, applied here; nonlinear
 * ones (UMAP, t-SNE) have no map, so the engine places vectors among their nearest images
 * (latent.place).
 */
import type { LatentProjectionMap, LayoutMethod } from '../../src/contract';

export const LAYOUT_NAMES: Record<LayoutMethod, string> = { pca: 'PCA', dims: 'Dimensions', umap: 'UMAP', tsne: 't-SNE' };

export function isLinearLayout(method: LayoutMethod): method is 'pca' | 'dims' {
  return method === 'pca' || method === 'dims';
}

/** y = P (z - m) for each vector, as count x 3. */
export function projectLinear(map: Pick<LatentProjectionMap, 'centre' | 'components'>, z: readonly (readonly number[])[]): Float32Array {
  const out = new Float32Array(z.length * 3);
  z.forEach((v, i) => {
    for (let r = 0; r < 3; r++) {
      const row = map.components[r];
      let s = 0;
      for (let j = 0; j < v.length; j++) s += row[j] * (v[j] - map.centre[j]);
      out[i * 3 + r] = s;
    }
  });
  return out;
}

/** One sentence for where the ellipsoid controls were, under a nonlinear layout. */
export function noEllipsoidsReason(method: LayoutMethod): string {
  return `${LAYOUT_NAMES[method]} bends space differently in every region, so a posterior Gaussian has no honest shape here: ellipsoids are drawn under PCA and Dimensions only.`;
}
