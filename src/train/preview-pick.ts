/**
 * Which images the Train panel's reconstruction preview shows: `count` validation images
 * drawn across the labels (one per label in turn), chosen by the run's seed so a run keeps
 * the same preview from its first epoch to its last, across a resume.
 */
import { Rng } from '../model/rng';
import type { Dataset } from '../data/store';
import type { ImageSource } from './data';

/**
 * Pick `count` of `candidates` spread over their labels: the labels in a seeded order, then
 * round robin over them, each label giving its images in a seeded order. With fewer labels
 * than `count` every label appears; with more, `count` different labels appear. Images
 * without a label form one group of their own. Pure and deterministic in (candidates, labels, count, seed).
 */
export function pickPreviewIndices(candidates: readonly number[], labelOf: (index: number) => string | null, count: number, seed: number): number[] {
  const want = Math.max(0, Math.min(count, candidates.length));
  if (want === 0) return [];
  const groups = new Map<string, number[]>();
  // Ascending candidates first, so the result does not depend on the order they came in.
  for (const i of [...candidates].sort((a, b) => a - b)) {
    const label = labelOf(i);
    const key = label === null ? '\u0000unlabelled' : `=${label}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  // Its own stream: the preview never shifts the run's init, shuffling or noise.
  const rng = new Rng((Math.imul(seed >>> 0, 0x2545f491) ^ 0x5eed_9e7) >>> 0);
  const keys = [...groups.keys()].sort();
  const order = rng.permutation(keys.length);
  const queues = Array.from(order, (k) => {
    const g = groups.get(keys[k])!;
    const p = rng.permutation(g.length);
    return Array.from(p, (j) => g[j]);
  });
  const out: number[] = [];
  for (let round = 0; out.length < want; round++) {
    for (const q of queues) {
      if (round < q.length && out.length < want) out.push(q[round]);
    }
  }
  return out;
}

/** The preview images of a run: from the validation split (the training split when it is empty). */
export function previewIndicesFor(data: ImageSource | Pick<Dataset, 'index'>, candidates: readonly number[], count: number, seed: number): number[] {
  const items = 'index' in data ? data.index.items : null;
  return pickPreviewIndices(candidates, (i) => items?.[i]?.label ?? null, count, seed);
}
