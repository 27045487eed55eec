import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot } from '../helpers/browser';
import { openApp, startUiSession, type UiSession } from '../helpers/ui-app';
import type { PageGlobals } from '../helpers/ui-dom';
import { oklabDistance } from '../../renderer/scene/label-palette';

/**
 * Readable at thousands of points: 5,000 images in 21 labels of unequal size (synthetic data
 * through window.__latentAtlas.setData, as in ui-explore-scale: training 5k images is too slow
 * here), in the dark and the light theme. The legend lists every label in full with its count
 * and a distinct colour, isolates a label on click; highlighted images stand out and the rest
 * dim; ellipsoids are drawn for the focus images only; a path stands out with its A and B ends.
 * Screenshots of each theme are saved in tests/artifacts/.
 */
const LABELS = [
  'Knights of the Northern Reaches',
  'Ash Legion',
  'Sunspire Archers',
  'Goblin Tinkerers',
  'Marsh Witches',
  'Dwarven Shieldwall',
  'Skeleton Horde',
  'Forest Wardens',
  'Desert Nomads',
  'Clockwork Automata',
  'Frost Giants',
  'Sea Raiders',
  'Temple Guardians',
  'Fire Imps',
  'Crystal Golems',
  'Night Elves',
  'Swamp Trolls',
  'Sky Pirates',
  'Bone Dragons',
  'Merchant Guild Caravan Guards and Their Pack Animals',
  'Slimes',
];

type Hooks = {
  setData(n: number, seed?: number, labelNames?: string[]): number;
  setFocusEllipsoids(level: 'off' | 0 | 1 | 2, indices: number[]): number;
  setEllipsoids(level: 'off' | 0 | 1 | 2): void;
  setHighlight(indices: number[] | null): void;
  drawPath(a: number, b: number, frames?: number): void;
  pathCount(): number;
  pick(x: number, y: number): number;
  screenPosition(i: number): { x: number; y: number } | null;
  renderInfo(): { calls: number; triangles: number; points: number };
  labelOf(i: number): number;
};

const hooks = <T, A = undefined>(page: Page, fn: (h: Hooks, arg: A) => T, arg?: A) =>
  page.evaluate(({ body, arg }) => new Function('h', 'arg', `return (${body})(h, arg);`)((globalThis as unknown as PageGlobals).window.__latentAtlas, arg), { body: fn.toString(), arg }) as Promise<T>;

let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

describe('the 3D view stays readable at 5,000 points and 21 labels', () => {
  for (const theme of ['dark', 'light'] as const) {
    it(`in the ${theme} theme`, { timeout: 180_000 }, async () => {
      const { page, errors } = await openApp(session, { colorScheme: theme });
      await page.getByTestId('first-run-dismiss').click();
      await page.waitForFunction(() => Boolean((globalThis as unknown as PageGlobals).window.__latentAtlas));
      expect(await hooks(page, (h, names) => h.setData(5000, 3, names), LABELS)).toBe(5000);

      // Legend: every label, in full, with its count; counts add up; colours distinct.
      const legend = page.getByTestId('legend');
      await legend.waitFor();
      const items = page.getByTestId('legend-item');
      expect(await items.count()).toBe(21);
      const rows = await items.evaluateAll((els) =>
        els.map((el) => {
          const label = el.querySelector('.label')!;
          const swatch = el.querySelector('.swatch')!;
          return {
            name: label.textContent,
            cut: label.scrollWidth > label.clientWidth + 1,
            count: Number(el.querySelector('.count')!.textContent!.replace(/\D/g, '')),
            colour: (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(swatch).backgroundColor,
            key: Number(el.getAttribute('data-key')),
          };
        }),
      );
      expect(rows.map((r) => r.name).sort()).toEqual([...LABELS].sort());
      expect(rows.filter((r) => r.cut)).toEqual([]);
      expect(rows.reduce((a, r) => a + r.count, 0)).toBe(5000);
      const hex = rows.map((r) => {
        const [red, green, blue] = r.colour.match(/\d+/g)!.map(Number);
        return (red << 16) | (green << 8) | blue;
      });
      let closest = Infinity;
      for (let i = 0; i < hex.length; i++) for (let j = i + 1; j < hex.length; j++) closest = Math.min(closest, oklabDistance(hex[i], hex[j]));
      console.log(`${theme}: closest pair of the 21 legend colours is ${closest.toFixed(3)} apart in OKLab`);
      expect(closest).toBeGreaterThan(0.08);
      // Largest first: the legend is sorted by count.
      expect(rows.map((r) => r.count)).toEqual([...rows.map((r) => r.count)].sort((a, b) => b - a));

      // Ellipsoids for a handful of focus images only; a path with A and B ends.
      expect(await hooks(page, (h) => h.setFocusEllipsoids(0, [0, 1, 2, 3, 4, 5, 6, 7, 8]))).toBe(9);
      // A path between two images far apart on screen and clear of the legend (bottom right).
      const ends = await page.evaluate(() => {
        const h = (globalThis as unknown as PageGlobals).window.__latentAtlas as Hooks;
        let top = { i: -1, y: Infinity };
        let bottom = { i: -1, y: -Infinity };
        for (let i = 0; i < 5000; i++) {
          const p = h.screenPosition(i);
          if (!p || p.x > 300) continue;
          if (p.y < top.y) top = { i, y: p.y };
          if (p.y > bottom.y) bottom = { i, y: p.y };
        }
        return [top.i, bottom.i];
      });
      await hooks(page, (h, [a, b]) => h.drawPath(a, b, 12), ends);
      expect(await hooks(page, (h) => h.pathCount())).toBe(1);
      await page.waitForTimeout(300);
      await screenshot(page, `ui-explore-readable-${theme}-01-labels-path`);

      // Search-like highlight: 60 images large, the rest dimmed; the legend says so.
      const highlighted = Array.from({ length: 60 }, (_, k) => k * 83);
      await hooks(page, (h, ids) => h.setHighlight(ids), highlighted);
      await expect.poll(() => page.getByTestId('legend-highlight').textContent()).toContain('60 matching images highlighted');
      await page.waitForTimeout(300);
      await screenshot(page, `ui-explore-readable-${theme}-02-highlight`);
      await hooks(page, (h) => h.setHighlight(null));

      // Click a label: only it stays; hidden images cannot be picked; click again shows all.
      const smallest = rows.at(-1)!;
      await items.last().click();
      await expect.poll(() => page.getByTestId('legend-shown').textContent()).toBe(`${smallest.count.toLocaleString('en-US')} of 5,000 shown`);
      await page.waitForTimeout(300);
      await screenshot(page, `ui-explore-readable-${theme}-03-isolated`);
      // Every image that can still be picked at its own place belongs to the isolated label.
      const pickedLabels = await page.evaluate(() => {
        const h = (globalThis as unknown as PageGlobals).window.__latentAtlas as Hooks;
        const picks: number[] = [];
        for (let i = 0; i < 5000; i += 50) {
          const p = h.screenPosition(i);
          if (p) picks.push(h.pick(p.x, p.y));
        }
        return picks.filter((i) => i >= 0).map((i) => h.labelOf(i));
      });
      expect(pickedLabels.length).toBeGreaterThan(0);
      expect(new Set(pickedLabels)).toEqual(new Set([smallest.key]));
      await items.last().click();
      await expect.poll(() => page.getByTestId('legend-shown').textContent()).toBe('5,000 of 5,000 shown');

      // All 5,000 ellipsoids on request (2 sigma): a haze that shows the mass, not an opaque fog.
      const before = await hooks(page, (h) => h.renderInfo());
      await hooks(page, (h) => h.setEllipsoids(1));
      const after = await hooks(page, (h) => h.renderInfo());
      expect(after.triangles - before.triangles).toBe(5000 * 20 - 9 * 20);
      await page.waitForTimeout(300);
      await screenshot(page, `ui-explore-readable-${theme}-04-all-ellipsoids`);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
