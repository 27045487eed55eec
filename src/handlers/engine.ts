/**
 * The engine's own channels (engine.*): which backend it computes on, where it keeps work,
 * and how fast this machine is. The backend is chosen once at startup (src/engine.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { measureMatmulSpeed } from '../backend/measure-speed';
import type { BackendLabel, EngineInfo } from '../contract';
import type { EngineHandler } from '../host/handler';
import { appPaths } from '../util/app-paths';
import { APP_VERSION } from '../version';

let backend: { label: BackendLabel; reason: string } = { label: 'cpu', reason: 'not initialised' };

/** Records the backend startup chose; engine.info reports it and training runs on it. */
export function setEngineBackend(label: BackendLabel, reason: string): void {
  backend = { label, reason };
}

export function engineBackend(): BackendLabel {
  return backend.label;
}

export function engineInfo(): EngineInfo {
  return {
    backend: backend.label,
    backendReason: backend.reason,
    tfjsVersion: tf.version.tfjs,
    appVersion: APP_VERSION,
    nodeVersion: process.versions.node,
    pid: process.pid,
  };
}

export const engineInfoHandler: EngineHandler<'engine.info'> = async () => engineInfo();

export const enginePaths: EngineHandler<'engine.paths'> = async () => appPaths();

export const measureEngineSpeed: EngineHandler<'engine.measureSpeed'> = async (payload, ctx) => measureMatmulSpeed(backend.label, payload, ctx);
