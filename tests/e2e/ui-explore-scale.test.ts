import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, watchConsole } from '../helpers/browser';
import { nonBackgroundShare } from '../helpers/pixels';
import { enableTestHooks, openApp, startUiSession, waitForTestHooks, type UiSession } from '../helpers/ui-app';
import type { PageGlobals } from '../helpers/ui-dom';

/**
 * The 3D view's cost does not grow with draw calls as the dataset grows: all posterior means
 * are one Points draw and all posterior ellipsoids one InstancedMesh draw, at 1k and 50k
 * images (synthetic data injected through window.__latentAtlas.setData: training 50k images
 * would take too long here).
 */
let session: UiSession;
beforeAll(async () => {
  session = await startUiSession();
});
afterAll(() => session?.close());

type Hooks = {
  setData(n: number, seed?: number): number;
  setEllipsoids(level: 'off' | 0 | 1 | 2): void;
  renderInfo(): { calls: number; triangles: number; points: number };
};

describe('3D view at scale', () => {
  it('draws N points and N ellipsoids in a constant number of draw calls at 1k and 50k', { timeout: 180_000 }, async () => {
    const { page, errors } = await openApp(session);
    const info = (n: number, level: 'off' | 0 | 1 | 2) =>
      page.evaluate(
        ({ n, level }) => {
          const hooks = (globalThis as unknown as PageGlobals).window.__latentAtlas as Hooks;
          hooks.setData(n, 7);
          hooks.setEllipsoids(level);
          return hooks.renderInfo();
        },
        { n, level },
      );

    const bare = await page.evaluate(() => ((globalThis as unknown as PageGlobals).window.__latentAtlas as Hooks).renderInfo());
    const pointsOnly1k = await info(1000, 'off');
    const with1k = await info(1000, 2);
    await expect.poll(async () => nonBackgroundShare(await page.getByTestId('latent-canvas').screenshot())).toBeGreaterThan(0.01);
    await screenshot(page, 'ui-explore-scale-01-1k-ellipsoids');
    const with50k = await info(50_000, 2);
    await page.waitForTimeout(200);
    await screenshot(page, 'ui-explore-scale-02-50k-ellipsoids');
    const pointsOnly50k = await info(50_000, 'off');

    // Points add one call; ellipsoids one more, whatever the count.
    expect(pointsOnly1k.calls).toBe(bare.calls + 1);
    expect(with1k.calls).toBe(bare.calls + 2);
    expect(with50k.calls).toBe(with1k.calls);
    expect(pointsOnly50k.calls).toBe(pointsOnly1k.calls);
    // ...and they really draw every point and every ellipsoid.
    expect(pointsOnly50k.points - bare.points).toBe(50_000);
    // Every ellipsoid is drawn: up to 2,000 with the 80-triangle icosahedron, above with the 20-triangle one.
    expect(with1k.triangles - pointsOnly1k.triangles).toBe(1000 * 80);
    expect(with50k.triangles - pointsOnly50k.triangles).toBe(50_000 * 20);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).window.__latentAtlas.points as number)).toBe(50_000);
    // A new encoding of the same images moves the points there over a short animation.
    type Positions = Hooks & { screenPosition(i: number): { x: number; y: number } | null };
    const moved = await page.evaluate(() => {
      const h = (globalThis as unknown as PageGlobals).window.__latentAtlas as Positions;
      h.setData(1000, 1);
      const from = h.screenPosition(0)!;
      h.setData(1000, 2); // same count: animates
      return { from, start: h.screenPosition(0)! };
    });
    expect(moved.start).toEqual(moved.from);
    // The animation runs on animation frames: wait for it to move the point, however slowly frames come.
    const distance = async () => {
      const end = await page.evaluate(() => ((globalThis as unknown as PageGlobals).window.__latentAtlas as Positions).screenPosition(0)!);
      return Math.hypot(end.x - moved.from.x, end.y - moved.from.y);
    };
    await expect.poll(distance).toBeGreaterThan(2);
    console.log(`draw calls: bare ${bare.calls}, 1k ${with1k.calls}, 50k ${with50k.calls}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("loads its test hooks only into a page the test harness flagged, never into a user's page", { timeout: 180_000 }, async () => {
    // Every script the page fetches, by file name (the hooks are their own chunk, testing-<hash>.js).
    const open = async (flagged: boolean) => {
      const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
      const errors = watchConsole(page);
      const scripts: string[] = [];
      page.on('request', (r) => {
        if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname.split('/').pop()!);
      });
      if (flagged) await enableTestHooks(page);
      await page.goto(session.server.url);
      await expect.poll(async () => (await page.getByTestId('engine-state').textContent())?.trim(), { timeout: 60_000 }).toBe('Engine ready');
      return { page, errors, scripts };
    };
    const hooks = (page: Awaited<ReturnType<typeof open>>['page']) => page.evaluate(() => typeof (globalThis as unknown as PageGlobals).window.__latentAtlas);

    // The app mounts (and would ask for the hooks) before the engine's state reaches the page.
    const user = await open(false);
    expect(await hooks(user.page)).toBe('undefined');
    expect(user.scripts.some((s) => s.startsWith('index-'))).toBe(true);
    expect(user.scripts.filter((s) => s.startsWith('testing-'))).toEqual([]);
    expect(user.errors).toEqual([]);
    await user.page.close();

    const test = await open(true);
    await waitForTestHooks(test.page);
    expect(await hooks(test.page)).toBe('object');
    expect(test.scripts.filter((s) => s.startsWith('testing-'))).toHaveLength(1);
    expect(test.errors).toEqual([]);
    await test.page.close();
  });
});
