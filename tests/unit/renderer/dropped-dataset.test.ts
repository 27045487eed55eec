import { describe, expect, it } from 'vitest';
import { droppedDataset } from '../../../renderer/lib/dropped-dataset';

/** A dropped file as filesFromDrop gives it: its path under the drop, and its bytes. */
const file = (name: string) => ({ name, file: new Uint8Array([1, 2, 3]) });

describe('what a drop on the window imports', () => {
  it('names the dataset after a single dropped folder; its subfolders stay as labels', () => {
    const dropped = [file('sprites/cats/a.png'), file('sprites/dogs/b.png'), file('sprites/c.png')];
    const { label, files } = droppedDataset(dropped);
    expect(label).toBe('sprites');
    expect(files.map((f) => f.name)).toEqual(['cats/a.png', 'dogs/b.png', 'c.png']);
    expect(files[0].file).toBe(dropped[0].file);
    // The drop itself is left as it was.
    expect(dropped[0].name).toBe('sprites/cats/a.png');
  });

  it('imports loose files, or several folders, as "dropped" with their paths', () => {
    expect(droppedDataset([file('a.png'), file('b.png')])).toMatchObject({ label: 'dropped', files: [{ name: 'a.png' }, { name: 'b.png' }] });
    expect(droppedDataset([file('x/a.png'), file('y/b.png')]).files.map((f) => f.name)).toEqual(['x/a.png', 'y/b.png']);
    expect(droppedDataset([file('x/a.png'), file('b.png')]).label).toBe('dropped');
  });
});
