/** Search by file name, the Explore panel's search box (pure; unit-tested). */

/** Indices of the images whose file name contains `query` (case-insensitive), sorted, at most `limit`. */
export function searchNames(items: ReadonlyMap<number, { source: string }>, query: string, limit: number): number[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const found: number[] = [];
  for (const [index, info] of items) {
    if (info.source.toLowerCase().includes(q)) found.push(index);
    if (found.length >= limit) break;
  }
  return found.sort((a, b) => a - b);
}
