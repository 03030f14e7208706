/**
 * tfjs-synth: image-synthesis building blocks for TensorFlow.js.
 *
 * Namespaces group the API (`layers`, `models`, `losses`, `training`, `io`, `ops`, `metrics`); every layer
 * class and factory is also exported by name at the top level.
 * @packageDocumentation
 * @module tfjs-synth
 */
export { initBackend, BACKEND_NAMES } from './backend/init-backend';
export { REQUIRED_KERNELS } from './backend/required-kernels';
export type { BackendName, InitBackendOptions } from './backend/init-backend';
export { GPU_BACKEND_PACKAGES } from './backend/gpu-backends';
export type { GpuBackendName } from './backend/gpu-backends';
export { MAX_WASM_THREADS } from './backend/wasm-threads';
export type { WasmThreadsOptions } from './backend/wasm-threads';
export { registerWasmTrainingKernels } from './backend/register-wasm-training-kernels';
export { registerLayers } from './register';

export * as layers from './layers/index';
export * as models from './models/index';
export * as losses from './losses/index';
export * as training from './training/index';
export * as io from './io/index';
export * as ops from './ops/index';
export * as metrics from './metrics/index';

// Layer classes and factories by name.
export * from './layers/index';
