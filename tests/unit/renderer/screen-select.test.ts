import { describe, expect, it } from 'vitest';
import * as THREE from 'three';
import { combineSelection, indicesInPolygon, indicesInRect, pointInPolygon, projectToScreen, selectModeOf, uniqueSorted } from '../../../renderer/scene/screen-select';

describe('screen-space lasso and box selection', () => {
  it('tells inside from outside for a concave polygon (even-odd rule)', () => {
    // A "U": the notch between its arms (x 4..6, y 0..6) is outside.
    const u = [0, 0, 4, 0, 4, 6, 6, 6, 6, 0, 10, 0, 10, 10, 0, 10];
    expect(pointInPolygon(2, 2, u)).toBe(true);
    expect(pointInPolygon(8, 2, u)).toBe(true);
    expect(pointInPolygon(5, 3, u)).toBe(false); // in the notch
    expect(pointInPolygon(5, 8, u)).toBe(true); // below the notch, in the U's base
    expect(pointInPolygon(11, 5, u)).toBe(false);
    expect(pointInPolygon(-1, 5, u)).toBe(false);
    // A self-crossing bow tie: each lobe inside, the far corners outside.
    const bow = [0, 0, 10, 10, 10, 0, 0, 10];
    expect(pointInPolygon(2, 5, bow)).toBe(true);
    expect(pointInPolygon(8, 5, bow)).toBe(true);
    expect(pointInPolygon(5, 1, bow)).toBe(false);
  });

  it('finds the points inside a lasso or a box, whatever corner the box starts from', () => {
    const screen = Float32Array.from([1, 1, 5, 5, 9, 9, 5, 1, NaN, NaN]);
    const triangle = [0, 0, 10, 0, 0, 10];
    expect(indicesInPolygon(screen, triangle)).toEqual([0, 3]); // (5,5) lies exactly on the hypotenuse: the half-open rule leaves it out
    expect(indicesInPolygon(screen, [0, 0, 10, 0])).toEqual([]); // two points are no polygon
    expect(indicesInRect(screen, 6, 6, 0, 0)).toEqual([0, 1, 3]);
    expect(indicesInRect(screen, 0, 0, 10, 10)).toEqual([0, 1, 2, 3]); // NaN (behind the camera) never
  });

  it('projects points with the camera as three.js does, and drops points behind it', () => {
    const camera = new THREE.PerspectiveCamera(50, 640 / 480, 0.1, 100);
    camera.position.set(1, 2, 5);
    camera.lookAt(0, 0, 0);
    camera.updateMatrixWorld();
    const vp = new THREE.Matrix4().multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse);
    const positions = Float32Array.from([0, 0, 0, 0.5, -0.3, 1, 1, 2, 10]);
    const screen = projectToScreen(positions, vp.elements, 640, 480);
    for (let i = 0; i < 2; i++) {
      const v = new THREE.Vector3(positions[i * 3], positions[i * 3 + 1], positions[i * 3 + 2]).project(camera);
      expect(screen[i * 2]).toBeCloseTo((v.x + 1) * 320, 3);
      expect(screen[i * 2 + 1]).toBeCloseTo((1 - v.y) * 240, 3);
    }
    expect(screen[0]).toBeCloseTo(320, 3); // the target is the centre of the view
    expect(Number.isNaN(screen[4])).toBe(true); // behind the camera
  });

  it('combines with the selection: plain replaces, shift adds (union), alt removes (difference)', () => {
    expect(selectModeOf({ shiftKey: false, altKey: false })).toBe('replace');
    expect(selectModeOf({ shiftKey: true, altKey: false })).toBe('add');
    expect(selectModeOf({ shiftKey: false, altKey: true })).toBe('remove');
    expect(selectModeOf({ shiftKey: true, altKey: true })).toBe('remove');
    const current = [1, 3, 5, 7];
    expect(combineSelection(current, [7, 2, 2], 'replace')).toEqual([2, 7]);
    expect(combineSelection(current, [8, 2, 3], 'add')).toEqual([1, 2, 3, 5, 7, 8]);
    expect(combineSelection(current, [3, 4, 7], 'remove')).toEqual([1, 5]);
    expect(combineSelection([], [4], 'remove')).toEqual([]);
    expect(combineSelection([9, 2], [], 'add')).toEqual([2, 9]);
    expect(uniqueSorted([5, 1, 5, 0, 1])).toEqual([0, 1, 5]);
  });

  it('agrees with a distance test on 100k points inside a circular lasso', () => {
    const n = 100_000;
    const screen = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      screen[i * 2] = (i * 7919) % 1000;
      screen[i * 2 + 1] = (i * 104729) % 800;
    }
    const circle = Array.from({ length: 200 }, (_, k) => [500 + 200 * Math.cos((k / 200) * 2 * Math.PI), 400 + 200 * Math.sin((k / 200) * 2 * Math.PI)]).flat();
    const found = indicesInPolygon(screen, circle);
    const foundSet = new Set(found);
    const brute = Array.from({ length: n }, (_, i) => i).filter((i) => Math.hypot(screen[i * 2] - 500, screen[i * 2 + 1] - 400) < 199.5);
    // Every point well inside the circle is found, and nothing beyond its radius.
    expect(brute.every((i) => foundSet.has(i))).toBe(true);
    expect(found.every((i) => Math.hypot(screen[i * 2] - 500, screen[i * 2 + 1] - 400) <= 200.01)).toBe(true);
  });
});
