/**
 * The engine process: the one place TensorFlow.js runs. Started by Electron main through
 * utilityProcess.fork, or by web mode, the CLI and tests through child_process.fork (the
 * host sets LATENT_ATLAS_ENGINE=1). Its handler table has exactly one entry per engine
 * channel of the contract; the handlers live in src/handlers/, one file per contract domain.
 */
import { initBackend } from './backend/choose';
import type { EngineInfo } from './contract';
import { copyDataset, datasetInfo, datasetItem, datasetItems, datasetThumbnails, importDataset, previewDatasetSheet, stageDatasetFiles } from './handlers/data';
import { engineBackend, engineInfo, engineInfoHandler, enginePaths, measureEngineSpeed, setEngineBackend } from './handlers/engine';
import {
  attributeLatents,
  decodeLatents,
  encodeLatents,
  exportFramesHandler,
  exportProjectorHandler,
  exportSelectionCsv,
  interpolateLatents,
  labelPathLatents,
  latentNeighbours,
  layoutLatents,
  placeLatents,
  projectLatents,
  relabelLatents,
  sampleLatents,
  traverseLatents,
} from './handlers/latent';
import { projectHandlers } from './handlers/project';
import { controlTraining, estimateTraining, runTraining, trainingStatus } from './handlers/train';
import type { EngineHandlers } from './host/handler';
import { parentTransport, runEngineLoop } from './host/engine-loop';

export const handlers: EngineHandlers = {
  'engine.info': engineInfoHandler,
  'engine.paths': enginePaths,
  'engine.measureSpeed': measureEngineSpeed,
  'dataset.import': importDataset,
  'dataset.sheetPreview': previewDatasetSheet,
  'dataset.stageFiles': stageDatasetFiles,
  'dataset.copy': copyDataset,
  'dataset.info': datasetInfo,
  'dataset.item': datasetItem,
  'dataset.items': datasetItems,
  'dataset.thumbnails': datasetThumbnails,
  'train.run': (payload, ctx) => runTraining(payload, ctx, engineBackend()),
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

async function startup(): Promise<EngineInfo> {
  const force = process.env.LATENT_ATLAS_BACKEND as 'tensorflow' | 'wasm' | 'cpu' | undefined;
  const chosen = await initBackend(force ? { force } : {});
  setEngineBackend(chosen.label, chosen.reason);
  return engineInfo();
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
