/**
 * The Node-side tsconfig has no DOM lib, so callbacks that run inside the page (page.evaluate)
 * reach the browser's globals through this loose view: `const { document } = globalThis as unknown as PageGlobals`.
 */
// The page's objects are checked by the assertions, not by the compiler.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Loose = any;

export type PageGlobals = Record<'window' | 'document' | 'DataTransfer' | 'DragEvent' | 'File' | 'MutationObserver' | 'getComputedStyle' | 'requestAnimationFrame', Loose>;
