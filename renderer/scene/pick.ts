/**
 * Picking in the 3D view without a draw call: project the points to the screen and take the
 * nearest within a few pixels (cheap for 100k points, and independent of point size), and
 * map a click on empty space to the 3D point on the plane through the orbit target.
 */
import * as THREE from 'three';

const v = new THREE.Vector3();

/** Index of the point nearest to (x, y) (canvas CSS pixels) within maxPx, nearest the camera on ties; -1 if none. Points whose `pickable` entry is 0 (hidden) are skipped. */
export function pickPoint(positions: Float32Array, camera: THREE.Camera, width: number, height: number, x: number, y: number, maxPx = 8, pickable?: ArrayLike<number>): number {
  const m = new THREE.Matrix4().multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse).elements;
  let best = -1;
  let bestD = maxPx * maxPx;
  let bestZ = Infinity;
  for (let i = 0, n = positions.length / 3; i < n; i++) {
    if (pickable && pickable[i] === 0) continue;
    const px = positions[i * 3],
      py = positions[i * 3 + 1],
      pz = positions[i * 3 + 2];
    const w = m[3] * px + m[7] * py + m[11] * pz + m[15];
    if (w <= 0) continue;
    const sx = ((m[0] * px + m[4] * py + m[8] * pz + m[12]) / w + 1) * 0.5 * width;
    const sy = (1 - (m[1] * px + m[5] * py + m[9] * pz + m[13]) / w) * 0.5 * height;
    const d = (sx - x) ** 2 + (sy - y) ** 2;
    if (d < bestD - 1e-6 || (Math.abs(d - bestD) <= 1e-6 && w < bestZ)) {
      best = i;
      bestD = d;
      bestZ = w;
    }
  }
  return best;
}

/** Where point `index` appears on the canvas (CSS pixels), or null behind the camera. */
export function screenOf(positions: Float32Array, index: number, camera: THREE.Camera, width: number, height: number): { x: number; y: number } | null {
  v.set(positions[index * 3], positions[index * 3 + 1], positions[index * 3 + 2]).project(camera);
  if (v.z > 1) return null;
  return { x: (v.x + 1) * 0.5 * width, y: (1 - v.y) * 0.5 * height };
}

/** The 3D point under (x, y) on the plane through `target` facing the camera. */
export function pointOnViewPlane(camera: THREE.Camera, target: THREE.Vector3, width: number, height: number, x: number, y: number): [number, number, number] {
  const ray = new THREE.Raycaster();
  ray.setFromCamera(new THREE.Vector2((x / width) * 2 - 1, 1 - (y / height) * 2), camera);
  const normal = camera.getWorldDirection(new THREE.Vector3());
  const plane = new THREE.Plane().setFromNormalAndCoplanarPoint(normal, target);
  const hit = ray.ray.intersectPlane(plane, new THREE.Vector3()) ?? target.clone();
  return [hit.x, hit.y, hit.z];
}
