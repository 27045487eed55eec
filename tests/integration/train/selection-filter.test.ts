import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LogEvent } from '../../../src/contract';
import type { Dataset } from '../../../src/data/store';
import type { HandlerContext } from '../../../src/host/handler';
import { createProject, openProject } from '../../../src/project/project';
import { runTraining } from '../../../src/handlers/train';
import { makeShapesDataset } from './fixtures';

// Every image the trainer reads passes through ImageSource.fill: record the indices.
const read = vi.hoisted(() => new Set<number>());
vi.mock('../../../src/train/data', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/train/data')>();
  return {
    ...real,
    fromDataset: (ds: Parameters<typeof real.fromDataset>[0]) => {
      const source = real.fromDataset(ds);
      return { ...source, fill: (indices: ArrayLike<number>, out: Float32Array) => (Array.from(indices).forEach((i) => read.add(i)), source.fill(indices, out)) };
    },
  };
});

let tmp: string;
let ds: Dataset;
const settings = { architecture: 'mlp' as const, hiddenUnits: [16], latentDim: 3, likelihood: 'bernoulli' as const, batchSize: 8, seed: 3, epochs: 2, workers: 1 as const, previewCount: 2 };

function context(logs: string[]): HandlerContext {
  return { requestId: 'r', signal: new AbortController().signal, progress: () => {}, log: (_l: LogEvent['level'], m: string) => void logs.push(m) };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atlas-selection-'));
  ds = await makeShapesDataset(path.join(tmp, 'data'), { count: 40, size: 8, channels: 4 });
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('train on a selection only', () => {
  it('reads exactly the selection’s images (train split to train, val split to validate), and the run says so', async () => {
    // Every third image: 14 of 40, some in each split (one in five is validation).
    const selection = Array.from({ length: 14 }, (_, k) => 3 * k);
    const trainSplit = ds.indicesOf('train');
    const valSplit = ds.indicesOf('val');
    const selTrain = selection.filter((i) => trainSplit.includes(i));
    const selVal = selection.filter((i) => valSplit.includes(i));
    expect(selTrain.length).toBeGreaterThan(5);
    expect(selVal.length).toBeGreaterThan(0);

    const projectDir = path.join(tmp, 'project');
    await createProject(projectDir, 'selection run');
    const runDir = path.join(projectDir, 'runs', 'sel');
    const logs: string[] = [];
    read.clear();
    const report = await runTraining(
      { dataset: ds.dir, runDir, settings, resume: false, project: { dir: projectDir, runId: 'sel' }, selection: { name: 'every third', indices: selection } },
      context(logs),
      'cpu',
    );
    expect(report.status).toBe('completed');
    // Two epochs visit every training image of the selection; nothing outside it is ever read.
    expect([...read].sort((a, b) => a - b)).toEqual([...selTrain, ...selVal].sort((a, b) => a - b));
    expect(report.history[1].val?.images).toBe(selVal.length);
    expect(report.selection).toEqual({ name: 'every third', images: 14, trainImages: selTrain.length, valImages: selVal.length });
    expect(logs.some((m) => m.includes('Training on the selection “every third” only'))).toBe(true);
    const { project } = await openProject(projectDir);
    expect(project.runs[0].selection).toEqual(report.selection);

    // Resuming goes on with the same images, without being told the selection again.
    read.clear();
    const resumed = await runTraining({ dataset: ds.dir, runDir, settings: { ...settings, epochs: 3 }, resume: true }, context([]), 'cpu');
    expect(resumed.epoch).toBe(3);
    expect(resumed.selection?.trainImages).toBe(selTrain.length);
    expect([...read].every((i) => selection.includes(i))).toBe(true);
  });

  it('trains on the whole dataset without a selection, and refuses a selection with no training image, by name', async () => {
    read.clear();
    const report = await runTraining({ dataset: ds.dir, runDir: path.join(tmp, 'whole'), settings: { ...settings, epochs: 1 }, resume: false }, context([]), 'cpu');
    expect(report.selection).toBeUndefined();
    expect(ds.indicesOf('train').every((i) => read.has(i))).toBe(true);
    const valOnly = ds.indicesOf('val').slice(0, 3);
    await expect(runTraining({ dataset: ds.dir, runDir: path.join(tmp, 'valonly'), settings, resume: false, selection: { name: 'held out', indices: valOnly } }, context([]), 'cpu')).rejects.toThrow(
      /selection “held out” has no images in the training split/,
    );
    await expect(runTraining({ dataset: ds.dir, runDir: path.join(tmp, 'far'), settings, resume: false, selection: { name: 'elsewhere', indices: [1, 400] } }, context([]), 'cpu')).rejects.toThrow(
      /“elsewhere” names image 400, but the dataset has 40 images/,
    );
  });
});
