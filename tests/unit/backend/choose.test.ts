import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/choose';
import { loadOptionalPackage, wasmBinaryFolder } from '../../../src/backend/resolve';
import { AtlasError } from '../../../src/errors';

describe('initBackend', () => {
  it('falls back to wasm with our training kernels when tfjs-node is not installed', async () => {
    // This machine cannot install tfjs-node (see platform notes), so auto must pick wasm.
    const info = await initBackend({});
    expect(info.name).toBe('wasm');
    expect(info.label).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.reason).toBe('tfjs-node not installed; using wasm with Latent Atlas training kernels');
    expect(info.customKernels).toEqual(['BatchMatMul', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'ResizeNearestNeighbor', 'ResizeNearestNeighborGrad', 'Concat', 'SplitV', 'Identity']);
    expect(info.tfjsVersion).toBe(tf.version_core);
    expect(info.simd).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('switches to cpu when forced, and back to wasm', async () => {
    const cpu = await initBackend({ force: 'cpu' });
    expect(cpu).toMatchObject({ name: 'cpu', label: 'cpu', reason: 'forced: cpu', customKernels: [] });
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await initBackend({ force: 'wasm' });
    expect(wasm.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('refuses a forced tfjs-node that is not installed with an unsupported AtlasError', async () => {
    const err = await initBackend({ force: 'tensorflow' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasError);
    expect((err as AtlasError).code).toBe('unsupported');
    expect((err as AtlasError).message).toMatch(/tfjs-node not installed/);
  });

  it('rejects an unknown backend name as invalid input', async () => {
    const err = await initBackend({ force: 'webgpu' as 'cpu' }).catch((e: unknown) => e);
    expect((err as AtlasError).code).toBe('invalid_input');
  });
});

describe('optional package detection', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'la-backend-'));
  const pkg = (name: string, main: string) => {
    const dir = path.join(root, 'node_modules', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
    writeFileSync(path.join(dir, 'index.js'), main);
  };
  pkg('fake-broken-native', "throw new Error('libtensorflow.so: cannot open shared object file');");
  pkg('fake-working', 'module.exports = { ok: 42 };');

  it('tells absent, broken and loadable packages apart', () => {
    expect(loadOptionalPackage('fake-not-there', [root])).toEqual({ state: 'absent' });
    const broken = loadOptionalPackage('fake-broken-native', [root]);
    expect(broken.state).toBe('broken');
    expect(broken.state === 'broken' && broken.error).toMatch(/libtensorflow/);
    expect(loadOptionalPackage('fake-working', [root])).toEqual({ state: 'loaded', module: { ok: 42 } });
  });

  it('finds the wasm binaries inside the installed package', () => {
    const folder = wasmBinaryFolder();
    expect(folder).toMatch(/tfjs-backend-wasm[\\/]dist[\\/]$/);
  });
});
