/**
 * Pages of dataset thumbnails (one PNG grid per page from dataset.thumbnails), fetched on
 * demand and kept as object URLs; the least recently used pages are released.
 */
import type { ThumbnailAtlas } from '../../src/contract';
import type { Bridge } from './bridge';
import { pngObjectUrl } from './bytes';

export interface ThumbnailPage extends Omit<ThumbnailAtlas, 'png'> {
  url: string;
  /** Atlas size in pixels, for background-size. */
  width: number;
  height: number;
}

export const PER_PAGE = 256;

export class ThumbnailCache {
  private readonly pages = new Map<number, Promise<ThumbnailPage>>();
  private readonly ready = new Map<number, ThumbnailPage>();
  private disposed = false;

  constructor(
    private readonly bridge: Bridge,
    readonly datasetDir: string,
    private readonly maxPages = 48,
  ) {}

  /** The page if it is loaded, else null (and start loading it). */
  peek(page: number, onLoad: () => void): ThumbnailPage | null {
    const hit = this.ready.get(page);
    if (hit) {
      // Refresh its place in the LRU order.
      this.ready.delete(page);
      this.ready.set(page, hit);
      return hit;
    }
    void this.load(page).then(onLoad, () => {});
    return null;
  }

  load(page: number): Promise<ThumbnailPage> {
    let pending = this.pages.get(page);
    if (!pending) {
      pending = this.fetch(page);
      this.pages.set(page, pending);
      pending.catch(() => this.pages.delete(page));
    }
    return pending;
  }

  private async fetch(page: number): Promise<ThumbnailPage> {
    const atlas = await this.bridge.call('dataset.thumbnails', { path: this.datasetDir, page, perPage: PER_PAGE });
    const url = pngObjectUrl(atlas.png);
    const rows = Math.ceil(atlas.count / atlas.columns);
    const result: ThumbnailPage = { first: atlas.first, count: atlas.count, columns: atlas.columns, cell: atlas.cell, url, width: atlas.columns * atlas.cell, height: rows * atlas.cell };
    if (this.disposed) {
      URL.revokeObjectURL(url);
      return result;
    }
    this.ready.set(page, result);
    this.evict();
    return result;
  }

  private evict(): void {
    while (this.ready.size > this.maxPages) {
      const [oldest, page] = this.ready.entries().next().value!;
      this.ready.delete(oldest);
      this.pages.delete(oldest);
      URL.revokeObjectURL(page.url);
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const page of this.ready.values()) URL.revokeObjectURL(page.url);
    this.ready.clear();
    this.pages.clear();
  }
}

/** Where image `index` sits in its page's atlas, in atlas pixels. */
export function cellOffset(page: ThumbnailPage, index: number): { x: number; y: number } {
  const k = index - page.first;
  return { x: (k % page.columns) * page.cell, y: Math.floor(k / page.columns) * page.cell };
}
