/**
 * The engine process: the one place TensorFlow.js runs. Started by Electron main through
 * utilityProcess.fork, or by web mode, the CLI and tests through child_process.fork (the
 * host sets LATENT_ATLAS_ENGINE=1). Its handler table has exactly one entry per engine
 * channel of the contract.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend/choose';
import { measureMatmulSpeed } from './backend/measure-speed';
import type { EngineHandlers } from './host/handler';
import { copyDataset, datasetInfo, datasetItem, datasetItems, datasetThumbnails, importDataset, previewDatasetSheet, stageDatasetFiles } from './data/engine-api';
import { controlTraining, estimateTraining, runTraining, trainingStatus } from './train/engine-api';
import {
  attributeLatents,
  decodeLatents,
  encodeLatents,
  interpolateLatents,
  labelPathLatents,
  latentNeighbours,
  projectLatents,
  relabelLatents,
  sampleLatents,
  traverseLatents,
} from './latent/engine-api';
import { exportFramesHandler, exportProjectorHandler } from './export/engine-api';
import { layoutLatents, placeLatents } from './latent/layout-api';
import { exportSelectionCsv } from './data/selection-csv';
import { parentTransport, runEngineLoop } from './host/engine-loop';
import type { BackendLabel, EngineInfo } from './contract';
import { APP_VERSION } from './version';
import { appPaths } from './util/app-paths';
import { projectHandlers } from './project/engine-api';

let backendLabel: BackendLabel = 'cpu';
let backendReason = 'not initialised';

export const handlers: EngineHandlers = {
  'engine.info': async () => staticInfo(),
  'engine.paths': async () => appPaths(),
  'engine.measureSpeed': async (payload, ctx) => measureMatmulSpeed(backendLabel, payload, ctx),
  'dataset.import': importDataset,
  'dataset.sheetPreview': previewDatasetSheet,
  'dataset.stageFiles': stageDatasetFiles,
  'dataset.copy': copyDataset,
  'dataset.info': datasetInfo,
  'dataset.item': datasetItem,
  'dataset.items': datasetItems,
  'dataset.thumbnails': datasetThumbnails,
  'train.run': (payload, ctx) => runTraining(payload, ctx, backendLabel),
  'train.status': trainingStatus,
  'train.control': controlTraining,
  'train.estimate': estimateTraining,
  'project.create': projectHandlers.create,
  'project.open': projectHandlers.open,
  'project.save': projectHandlers.save,
  'project.saveAs': projectHandlers.saveAs,
  'project.restoreBackup': projectHandlers.restoreBackup,
  'project.recent': projectHandlers.recent,
  'latent.encode': encodeLatents,
  'latent.project': projectLatents,
  'latent.decode': decodeLatents,
  'latent.neighbours': latentNeighbours,
  'latent.interpolate': interpolateLatents,
  'latent.sample': sampleLatents,
  'latent.traverse': traverseLatents,
  'latent.relabel': relabelLatents,
  'latent.labelPath': labelPathLatents,
  'latent.layout': layoutLatents,
  'latent.place': placeLatents,
  'latent.attribute': attributeLatents,
  'selection.exportCsv': exportSelectionCsv,
  'export.frames': exportFramesHandler,
  'export.projector': exportProjectorHandler,
};

function staticInfo(): EngineInfo {
  return {
    backend: backendLabel,
    backendReason,
    tfjsVersion: tf.version.tfjs,
    appVersion: APP_VERSION,
    nodeVersion: process.versions.node,
    pid: process.pid,
  };
}

async function startup(): Promise<EngineInfo> {
  const force = process.env.LATENT_ATLAS_BACKEND as 'tensorflow' | 'wasm' | 'cpu' | undefined;
  const chosen = await initBackend(force ? { force } : {});
  backendLabel = chosen.label;
  backendReason = chosen.reason;
  return staticInfo();
}

if (process.env.LATENT_ATLAS_ENGINE === '1') {
  const transport = parentTransport();
  if (!transport) {
    console.error('The engine must be started by a host (utilityProcess or child_process.fork).');
    process.exit(2);
  }
  // State after an unexpected throw is unknown; exit so the host starts a clean engine.
  process.on('uncaughtException', (err) => {
    console.error('engine: uncaught exception', err);
    process.exit(70);
  });
  runEngineLoop(handlers, transport, startup).catch((err) => {
    console.error('engine: failed to start', err);
    process.exit(71);
  });
}
