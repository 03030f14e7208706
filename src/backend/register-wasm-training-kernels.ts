import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterWasmConfig } from './kernels/conv2d-backprop-filter';

/** The kernels {@link registerWasmTrainingKernels} installs for 'wasm'. */
const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [conv2DBackpropFilterWasmConfig];

/**
 * Registers, for the wasm backend, the kernels that training needs and tfjs-backend-wasm 4.22
 * lacks or computes wrongly. Idempotent.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of WASM_TRAINING_KERNELS) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing === config) continue;
    // tfjs warns and keeps going when a kernel is registered twice; unregister first so
    // replacing a stock kernel is silent and deliberate.
    if (existing != null) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
  }
}
