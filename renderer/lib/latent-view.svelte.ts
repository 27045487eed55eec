/**
 * Puts the trained run's latent space into the 3D view: latent.project (encodes the dataset
 * on first use, with progress) and one scatter of all images in the scene.
 */
import type { LatentProjection } from '../../src/contract';
import { decodeBase64, LatentPoints } from '../scene/latent-points';
import type { LatentScene } from '../scene/latent-scene';
import type { TrainedRun } from './app-state.svelte';
import type { Bridge } from './bridge';
import { describeError, isCancelled, type ShownError } from './errors';
import type { Tasks } from './tasks.svelte';

export interface LatentView {
  readonly status: 'none' | 'projecting' | 'shown' | 'failed';
  readonly count: number;
  readonly projection: LatentProjection | null;
  readonly error: ShownError | null;
  show(run: TrainedRun, scene: LatentScene): Promise<void>;
}

export function createLatentView(bridge: Bridge, tasks: Tasks): LatentView {
  const s = $state({ status: 'none' as LatentView['status'], count: 0, error: null as ShownError | null });
  let projection = $state.raw<LatentProjection | null>(null);
  let points: LatentPoints | null = null;
  let controller: AbortController | null = null;

  return {
    get status() {
      return s.status;
    },
    get count() {
      return s.count;
    },
    get projection() {
      return projection;
    },
    get error() {
      return s.error;
    },
    async show(run, scene) {
      controller?.abort();
      const ours = (controller = new AbortController());
      s.status = 'projecting';
      s.error = null;
      const task = tasks.start('Encoding images into the latent space', () => ours.abort());
      try {
        const result = await bridge.call('latent.project', { runDir: run.runDir, dataset: run.dataset }, {
          signal: ours.signal,
          onProgress: (p) => task.update(p.total ? p.done / p.total : null, `${p.done}${p.total ? ` / ${p.total}` : ''} images`),
        });
        if (ours.signal.aborted) return;
        points?.dispose();
        points = new LatentPoints({
          points: decodeBase64(result.points, Float32Array),
          labelIndex: decodeBase64(result.labelIndex, Int32Array),
          split: decodeBase64(result.split, Uint8Array),
          labels: result.labels,
        });
        scene.scene.add(points.object);
        // Frame most of the cloud: the 95th percentile of distances ignores a few far outliers.
        scene.frameRadius(points.radius(0.95));
        projection = result;
        s.count = points.count;
        s.status = 'shown';
      } catch (err) {
        if (isCancelled(err) || ours.signal.aborted) {
          s.status = points ? 'shown' : 'none';
          return;
        }
        s.status = 'failed';
        s.error = describeError(err);
      } finally {
        task.end();
        if (controller === ours) controller = null;
      }
    },
  };
}
