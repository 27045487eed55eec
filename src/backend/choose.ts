import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { AtlasError } from '../errors';
import { loadOptionalPackage, wasmBinaryFolder } from './resolve';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm/register';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** tfjs's own backend name (tfjs-node registers 'tensorflow'). */
  name: BackendName;
  label: 'tfjs-node' | 'wasm' | 'cpu';
  tfjsVersion: string;
  /** Why this backend, in words a user can act on. */
  reason: string;
  simd?: boolean;
  threads: number;
  /** Kernels of ours registered on this backend. */
  customKernels: string[];
}

export interface InitBackendOptions {
  force?: BackendName;
}

const LABELS: Record<BackendName, BackendInfo['label']> = { tensorflow: 'tfjs-node', wasm: 'wasm', cpu: 'cpu' };

/** Loads tfjs-node (which registers 'tensorflow' on load); says why when it cannot. */
function tryTfjsNode(): { ok: true } | { ok: false; why: string } {
  if (tf.findBackendFactory('tensorflow')) return { ok: true };
  const pkg = loadOptionalPackage('@tensorflow/tfjs-node');
  if (pkg.state === 'absent') return { ok: false, why: 'tfjs-node not installed' };
  if (pkg.state === 'broken') return { ok: false, why: `tfjs-node installed but failed to load (${pkg.error})` };
  if (!tf.findBackendFactory('tensorflow')) {
    return { ok: false, why: 'tfjs-node loaded but registered with another copy of @tensorflow/tfjs-core' };
  }
  return { ok: true };
}

let wasmPathsSet = false;

async function tryWasm(): Promise<{ ok: true } | { ok: false; why: string }> {
  if (!tf.engine().registry.wasm && !wasmPathsSet) {
    const folder = wasmBinaryFolder();
    if (!folder) return { ok: false, why: '@tensorflow/tfjs-backend-wasm is not installed' };
    setWasmPaths(folder);
    wasmPathsSet = true;
  }
  registerWasmTrainingKernels();
  try {
    if (await tf.setBackend('wasm')) return { ok: true };
    return { ok: false, why: 'the wasm backend failed to initialise' };
  } catch (err) {
    return { ok: false, why: `the wasm backend failed to initialise (${err instanceof Error ? err.message : String(err)})` };
  }
}

async function describe(name: BackendName, reason: string): Promise<BackendInfo> {
  const info: BackendInfo = {
    name,
    label: LABELS[name],
    tfjsVersion: tf.version_core,
    reason,
    threads: 1,
    customKernels: [],
  };
  if (name === 'wasm') {
    info.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    info.threads = Math.max(1, getThreadsCount());
    info.customKernels = [...WASM_TRAINING_KERNELS]; // registered by tryWasm
  } else if (name === 'tensorflow') {
    // libtensorflow sizes its intra-op pool to the machine.
    info.threads = os.availableParallelism();
  }
  return info;
}

/**
 * Pick the fastest tfjs backend that works here: tfjs-node, else wasm with Latent Atlas's
 * training kernels, else the pure-JS cpu backend. `force` insists on one and fails with
 * AtlasError('unsupported') when it is not available.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const { force } = opts;
  if (force !== undefined && !(force in LABELS)) {
    throw new AtlasError('invalid_input', `Unknown backend "${String(force)}"; use tensorflow, wasm or cpu.`);
  }
  const notes: string[] = [];

  if (force === undefined || force === 'tensorflow') {
    const node = tryTfjsNode();
    if (node.ok && (await tf.setBackend('tensorflow'))) {
      return describe('tensorflow', force ? 'forced: tfjs-node' : 'tfjs-node is installed and loads');
    }
    const why = node.ok ? 'tfjs-node failed to initialise' : node.why;
    if (force) {
      throw new AtlasError('unsupported', `The tfjs-node backend is not available: ${why}. Install @tensorflow/tfjs-node for this platform, or choose wasm or cpu.`, { backend: 'tensorflow' });
    }
    notes.push(why);
  }

  if (force === undefined || force === 'wasm') {
    const wasm = await tryWasm();
    if (wasm.ok) {
      const reason = force ? 'forced: wasm' : `${notes.join('; ')}; using wasm`;
      return describe('wasm', `${reason} with Latent Atlas training kernels`);
    }
    if (force) {
      throw new AtlasError('unsupported', `The wasm backend is not available: ${wasm.why}. Choose cpu instead.`, {
        backend: 'wasm',
      });
    }
    notes.push(wasm.why);
  }

  if (!(await tf.setBackend('cpu'))) {
    throw new AtlasError('unsupported', 'No TensorFlow.js backend could be initialised, not even cpu.', {
      backend: 'cpu',
    });
  }
  const reason = force ? 'forced: cpu' : `${notes.join('; ')}; using the pure-JS cpu backend (slow)`;
  return describe('cpu', reason);
}
