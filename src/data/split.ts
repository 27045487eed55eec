import { createHash } from 'node:crypto';
import type { Split } from './store';

/**
 * Seeded train/validation split. Images are grouped (by source content hash) so frames of one
 * animation or copies of one file never straddle the split; groups are ranked by a seeded hash
 * of their key, so adding or removing files moves few others between splits.
 * Returns one split per item; at least one group stays in train, and when valFraction > 0
 * and there are two or more groups, at least one goes to val.
 */
export function assignSplits(groupKeys: string[], valFraction: number, seed: number): Split[] {
  const splits: Split[] = groupKeys.map(() => 'train');
  if (valFraction <= 0 || groupKeys.length === 0) return splits;
  const sizes = new Map<string, number>();
  for (const k of groupKeys) sizes.set(k, (sizes.get(k) ?? 0) + 1);
  if (sizes.size < 2) return splits;
  const ranked = [...sizes.keys()].map((key) => ({ key, rank: createHash('sha256').update(`${seed}:${key}`).digest('hex') })).sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  const target = Math.max(1, Math.round(groupKeys.length * valFraction));
  const val = new Set<string>();
  let count = 0;
  for (const { key } of ranked) {
    if (count >= target || val.size === ranked.length - 1) break;
    val.add(key);
    count += sizes.get(key)!;
  }
  return groupKeys.map((k) => (val.has(k) ? 'val' : 'train'));
}
