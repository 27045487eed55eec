export { initBackend, type BackendInfo, type BackendName, type InitBackendOptions } from './choose';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm/register';
