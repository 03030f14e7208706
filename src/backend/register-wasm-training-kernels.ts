/**
 * Registers, for the wasm backend, the kernels that training needs and tfjs-backend-wasm 4.22
 * lacks or computes wrongly. Idempotent.
 */
export function registerWasmTrainingKernels(): void {
  // Filled by the training-kernels change.
}
