import type { Page } from 'playwright-core';

/**
 * The Node-side tsconfig has no DOM lib, so callbacks that run inside the page (page.evaluate)
 * reach the browser's globals through this loose view: `const { document } = globalThis as unknown as PageGlobals`.
 */
// The page's objects are checked by the assertions, not by the compiler.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Loose = any;

export type PageGlobals = Record<'window' | 'document' | 'DataTransfer' | 'DragEvent' | 'File' | 'MutationObserver' | 'getComputedStyle' | 'requestAnimationFrame', Loose>;

/** RGBA bytes of an image the page can load, e.g. a strip's blob URL (read before the page revokes it). */
export function imagePixels(page: Page, url: string): Promise<number[]> {
  return page.evaluate(async (src) => {
    const { document } = globalThis as unknown as PageGlobals;
    const img = document.createElement('img');
    img.src = src;
    await img.decode();
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    return Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data as Uint8ClampedArray);
  }, url);
}
