/**
 * Posterior collapse: a latent layer the model has stopped using (its KL to the prior is ~0,
 * so the decoder ignores it). For the hierarchy the global z1 is what the 3D map shows, so a
 * collapsed z1 leaves a map of noise; a collapsed z2 leaves blurry pictures.
 */
import type { ValidationReport } from '../contract';

/** A layer whose mean KL is under this many nats carries (almost) no information. */
export const COLLAPSE_KL_NATS = 0.1;
/** The first epoch is still finding its feet (a fresh posterior starts at the prior): judge from the second. */
export const COLLAPSE_FIRST_EPOCH = 2;

const layerName = (i: number, count: number): string => (i === 0 ? 'the global latent z1 (the 3D map)' : `the spatial latent z${i + 1} (${i === count - 1 ? 'the finest detail' : 'the layout'})`);

/**
 * Sentences for people, one per problem, each saying what to do; empty when the run is healthy.
 */
export function collapseWarnings(val: Pick<ValidationReport, 'klLayers' | 'activeUnits'>, epoch: number): string[] {
  if (epoch < COLLAPSE_FIRST_EPOCH) return [];
  const out: string[] = [];
  const flat = val.klLayers.length === 1;
  val.klLayers.forEach((kl, i) => {
    if (kl < COLLAPSE_KL_NATS) {
      const name = flat ? 'the latent z' : layerName(i, val.klLayers.length);
      out.push(
        `Posterior collapse: ${name} carries ${kl.toFixed(3)} nats (under ${COLLAPSE_KL_NATS}), so the model ignores it. ` +
          'Stop and retrain with a longer KL warm-up, a smaller beta or some free bits (Advanced settings), or a different seed.',
      );
    }
  });
  if (val.activeUnits === 0 && !out.some((m) => m.includes(flat ? 'the latent z' : 'z1')))
    out.push('No active latent units: no dimension of the global latent varies across images, so the 3D map shows nothing. Retrain with a longer KL warm-up or free bits.');
  return out;
}
