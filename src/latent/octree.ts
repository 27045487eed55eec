/**
 * A 3D Barnes-Hut octree over points stored x,y,z after each other, for the repulsive forces
 * of t-SNE (van der Maaten 2014): a far cell of many points acts as one point at its centre
 * of mass. Flat typed arrays instead of node objects: rebuilt every iteration at 10k-100k
 * points, objects would keep the garbage collector busier than the physics.
 */

/** Deeper than this, coincident points share one leaf (it just counts them). */
const MAX_DEPTH = 24;

export class Octree {
  /** Per node: the cube's lower corner and side. */
  private minX = new Float64Array(0);
  private minY = new Float64Array(0);
  private minZ = new Float64Array(0);
  private side = new Float64Array(0);
  /** Per node: sums of the positions below it, and how many points. */
  private sumX = new Float64Array(0);
  private sumY = new Float64Array(0);
  private sumZ = new Float64Array(0);
  private mass = new Int32Array(0);
  /** Per node: index of the first of 8 children (-1 = leaf), and a leaf's point (-1 = empty). */
  private child = new Int32Array(0);
  private point = new Int32Array(0);
  private depth = new Int32Array(0);
  private used = 0;

  /** Rebuild over n points of y. */
  build(y: Float64Array, n: number): void {
    this.reserve(Math.max(16, 2 * n + 8));
    let lo = [Infinity, Infinity, Infinity];
    let hi = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < n; i++)
      for (let d = 0; d < 3; d++) {
        const v = y[i * 3 + d];
        if (v < lo[d]) lo[d] = v;
        if (v > hi[d]) hi[d] = v;
      }
    if (n === 0) (lo = [0, 0, 0]), (hi = [1, 1, 1]);
    const side = Math.max(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], 1e-9) * (1 + 1e-6);
    this.used = 0;
    this.addNode(lo[0], lo[1], lo[2], side, 0);
    for (let i = 0; i < n; i++) this.insert(y, i);
  }

  private reserve(nodes: number): void {
    if (this.minX.length >= nodes) return;
    const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(nodes);
      b.set(a.subarray(0, this.used));
      return b;
    };
    const f = (n: number) => new Float64Array(n);
    const i = (n: number) => new Int32Array(n);
    this.minX = grow(this.minX, f);
    this.minY = grow(this.minY, f);
    this.minZ = grow(this.minZ, f);
    this.side = grow(this.side, f);
    this.sumX = grow(this.sumX, f);
    this.sumY = grow(this.sumY, f);
    this.sumZ = grow(this.sumZ, f);
    this.mass = grow(this.mass, i);
    this.child = grow(this.child, i);
    this.point = grow(this.point, i);
    this.depth = grow(this.depth, i);
  }

  private addNode(x: number, y: number, z: number, side: number, depth: number): number {
    if (this.used >= this.minX.length) this.reserve(this.minX.length * 2);
    const k = this.used++;
    this.minX[k] = x;
    this.minY[k] = y;
    this.minZ[k] = z;
    this.side[k] = side;
    this.sumX[k] = this.sumY[k] = this.sumZ[k] = 0;
    this.mass[k] = 0;
    this.child[k] = -1;
    this.point[k] = -1;
    this.depth[k] = depth;
    return k;
  }

  private octant(node: number, px: number, py: number, pz: number): number {
    const h = this.side[node] / 2;
    return (px >= this.minX[node] + h ? 1 : 0) | (py >= this.minY[node] + h ? 2 : 0) | (pz >= this.minZ[node] + h ? 4 : 0);
  }

  private split(node: number): void {
    if (this.used + 8 > this.minX.length) this.reserve(this.minX.length * 2);
    const h = this.side[node] / 2;
    const first = this.used;
    for (let c = 0; c < 8; c++) this.addNode(this.minX[node] + (c & 1 ? h : 0), this.minY[node] + (c & 2 ? h : 0), this.minZ[node] + (c & 4 ? h : 0), h, this.depth[node] + 1);
    this.child[node] = first;
  }

  private insert(y: Float64Array, i: number): void {
    const px = y[i * 3];
    const py = y[i * 3 + 1];
    const pz = y[i * 3 + 2];
    let node = 0;
    for (;;) {
      if (this.child[node] < 0) {
        if (this.mass[node] === 0) {
          this.point[node] = i;
          this.addMass(node, px, py, pz, 1);
          return;
        }
        const q = this.point[node];
        const same = y[q * 3] === px && y[q * 3 + 1] === py && y[q * 3 + 2] === pz;
        if (same || this.depth[node] >= MAX_DEPTH) {
          this.addMass(node, px, py, pz, 1);
          return;
        }
        // Move the leaf's point(s) down one level, then continue with i.
        const m = this.mass[node];
        this.split(node);
        const c = this.child[node] + this.octant(node, y[q * 3], y[q * 3 + 1], y[q * 3 + 2]);
        this.point[c] = q;
        this.sumX[c] = this.sumX[node];
        this.sumY[c] = this.sumY[node];
        this.sumZ[c] = this.sumZ[node];
        this.mass[c] = m;
        this.point[node] = -1;
      }
      this.addMass(node, px, py, pz, 1);
      node = this.child[node] + this.octant(node, px, py, pz);
    }
  }

  private addMass(node: number, x: number, y: number, z: number, m: number): void {
    this.sumX[node] += x;
    this.sumY[node] += y;
    this.sumZ[node] += z;
    this.mass[node] += m;
  }

  /**
   * The repulsion on point i: adds sum_j q_ij^2 Z^2 (y_i - y_j) into force[0..2] and returns
   * its share of Z = sum_j (1 + |y_i - y_j|^2)^-1, with cells that look smaller than theta
   * (side / distance) taken as one body.
   */
  repulsion(y: Float64Array, i: number, theta: number, force: Float64Array, stack: Int32Array): number {
    const px = y[i * 3];
    const py = y[i * 3 + 1];
    const pz = y[i * 3 + 2];
    const theta2 = theta * theta;
    let z = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top];
      const m = this.mass[node];
      if (m === 0) continue;
      const leaf = this.child[node] < 0;
      const cx = this.sumX[node] / m;
      const cy = this.sumY[node] / m;
      const cz = this.sumZ[node] / m;
      const dx = px - cx;
      const dy = py - cy;
      const dz = pz - cz;
      const d2 = dx * dx + dy * dy + dz * dz;
      if (leaf || this.side[node] * this.side[node] < theta2 * d2) {
        // A leaf at i's own place holds i: its other (coincident) points add q = 1 and no force.
        const count = leaf && d2 === 0 ? m - 1 : m;
        if (count <= 0) continue;
        const q = 1 / (1 + d2);
        z += count * q;
        const f = count * q * q;
        force[0] += f * dx;
        force[1] += f * dy;
        force[2] += f * dz;
      } else {
        const first = this.child[node];
        for (let c = 0; c < 8; c++) if (this.mass[first + c] > 0) stack[top++] = first + c;
      }
    }
    return z;
  }

  /** Nodes in use (tests). */
  get nodes(): number {
    return this.used;
  }
}
