/**
 * What a drop on the window imports: a single dropped folder names the dataset and its
 * subfolders become labels (the paths lose the folder); loose files (or several folders)
 * import as "dropped". Pure (no DOM), so it is unit-tested without a browser.
 */
export function droppedDataset<F extends { name: string }>(files: readonly F[]): { label: string; files: F[] } {
  const tops = new Set(files.map((f) => (f.name.includes('/') ? f.name.split('/')[0] : '')));
  const top = tops.size === 1 ? [...tops][0] : '';
  if (!top) return { label: 'dropped', files: [...files] };
  return { label: top, files: files.map((f) => ({ ...f, name: f.name.slice(top.length + 1) })) };
}
