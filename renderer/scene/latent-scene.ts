/**
 * The 3D view of the latent space: camera, lights, orbit controls, the prior's unit sphere
 * and the axes. Later layers (points, ellipsoids, paths) are added to `scene` by their own
 * modules. Follows the init / animate / render / resize / dispose shape of three.js examples.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';

export interface LatentSceneOptions {
  dark: boolean;
}

export class LatentScene {
  readonly scene = new THREE.Scene();
  readonly camera: THREE.PerspectiveCamera;
  readonly renderer: THREE.WebGLRenderer;
  readonly controls: OrbitControls;
  private readonly resizeObserver: ResizeObserver;
  private readonly disposables: Array<{ dispose(): void }> = [];
  private frame = 0;
  private needsRender = true;

  constructor(
    private readonly container: HTMLElement,
    options: LatentSceneOptions,
  ) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: false });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.domElement.setAttribute('data-testid', 'latent-canvas');
    container.appendChild(this.renderer.domElement);

    this.camera = new THREE.PerspectiveCamera(50, 1, 0.01, 1000);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = true;
    this.controls.addEventListener('change', () => this.invalidate());
    this.resetView();

    this.setTheme(options.dark);
    this.addPriorSphere();
    this.addAxes();

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
    this.animate();
  }

  /** The radius the data was last framed at: Reset view frames it again, not just the prior. */
  private framedRadius: number | null = null;

  /** Look at the origin from a corner: the unit sphere fills about half the view, or the data fits. */
  resetView(): void {
    // Spend the orbit's remaining inertia first (damping would carry it on after the reset).
    this.controls.enableDamping = false;
    this.controls.update();
    this.controls.enableDamping = true;
    this.camera.position.set(2.6, 1.9, 3.2);
    this.controls.target.set(0, 0, 0);
    if (this.framedRadius !== null) {
      this.frameRadius(this.framedRadius);
      return;
    }
    this.controls.update();
    this.invalidate();
  }

  /** Keep the view direction but move back until a sphere of this radius (and the prior) fits. */
  frameRadius(radius: number): void {
    const r = Math.max(1, radius);
    this.framedRadius = r;
    const direction = this.camera.position.clone().sub(this.controls.target).normalize();
    // At 50 degrees of field of view, 3.2 radii away the sphere fills most of the view.
    this.camera.position.copy(this.controls.target).addScaledVector(direction, 3.2 * r);
    this.camera.far = Math.max(1000, 20 * r);
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.invalidate();
  }

  setTheme(dark: boolean): void {
    this.scene.background = new THREE.Color(dark ? 0x15171c : 0xf5f6f8);
    this.invalidate();
  }

  /** Ask for a new frame; the loop only renders when something changed. */
  invalidate(): void {
    this.needsRender = true;
  }

  /** Draw calls of the last frame (tests check the count stays constant as data grows). */
  get drawCalls(): number {
    return this.renderer.info.render.calls;
  }

  private addPriorSphere(): void {
    // The prior N(0, I): its 1-sigma sphere gives the scale every posterior is compared with.
    const geometry = new THREE.SphereGeometry(1, 48, 24);
    const material = new THREE.MeshBasicMaterial({ color: 0x6aa9ff, wireframe: true, transparent: true, opacity: 0.28 });
    const sphere = new THREE.Mesh(geometry, material);
    sphere.name = 'prior-sphere';
    this.scene.add(sphere);
    this.disposables.push(geometry, material);
  }

  private addAxes(): void {
    const axes = new THREE.AxesHelper(1.5);
    axes.name = 'axes';
    this.scene.add(axes);
    this.disposables.push(axes);
  }

  private resize(): void {
    const { clientWidth: w, clientHeight: h } = this.container;
    if (w === 0 || h === 0) return;
    this.renderer.setSize(w, h, false);
    this.renderer.domElement.style.width = '100%';
    this.renderer.domElement.style.height = '100%';
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.invalidate();
  }

  private animate = (): void => {
    this.frame = requestAnimationFrame(this.animate);
    this.controls.update(); // damping keeps moving for a few frames after input
    if (this.needsRender) {
      this.needsRender = false;
      this.renderer.render(this.scene, this.camera);
    }
  };

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.resizeObserver.disconnect();
    this.controls.dispose();
    for (const d of this.disposables) d.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
  }
}
