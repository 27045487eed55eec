export { resolveWorkers, MIN_PARALLEL_BATCH, type WorkersSetting } from './workers';
export { createStepper, type Stepper } from './stepper';
export { ReplicaPair, type ParallelOptions, type ReplicaDims } from './replica-pair';
export { trainWorkerFile, WORKER_ENTRY } from './locate';
