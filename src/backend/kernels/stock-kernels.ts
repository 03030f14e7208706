import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

/**
 * tfjs-backend-wasm's own kernels, by kernel name, as they were registered before
 * `registerWasmTrainingKernels` replaced them. This library's wasm kernels fall back to them for
 * the inputs they leave to the backend (shapes where the stock kernel is faster, strings).
 */
const stock = new Map<string, KernelConfig>();

/**
 * Records `config` as the backend's own kernel for its name, unless it is absent or one of this
 * library's (`own`: the kernel functions `registerWasmTrainingKernels` installs), so that calling
 * the registration twice never records a replacement as the stock kernel. Called by
 * `registerWasmTrainingKernels` before each replacement.
 *
 * @example
 * ```ts
 * import { getKernel } from '@tensorflow/tfjs-core';
 * import { rememberStockKernel, stockKernel } from './stock-kernels';
 * rememberStockKernel(getKernel('Slice', 'wasm'), new Set());
 * stockKernel('Slice'); // the backend's Slice, once tfjs-backend-wasm is imported (else it throws)
 * ```
 * @internal
 */
export function rememberStockKernel(config: KernelConfig | undefined, own: ReadonlySet<KernelFunc>): void {
  if (config != null && !own.has(config.kernelFunc)) stock.set(config.kernelName, config);
}

/**
 * The backend's own kernel recorded for `kernelName` by {@link rememberStockKernel}. Throws when
 * none was recorded (`registerWasmTrainingKernels` was not called).
 * @internal
 */
export function stockKernel(kernelName: string): KernelConfig {
  const config = stock.get(kernelName);
  if (config == null) {
    throw new Error(
      `${kernelName} (wasm): the backend's own kernel was not recorded; call registerWasmTrainingKernels().`,
    );
  }
  return config;
}

/**
 * Runs the setup of the backend's own kernel for `kernelName`, if one was recorded: a replacement
 * registered before the backend starts still prepares the stock kernel it falls back to.
 * @internal
 */
export function setupStockKernel(kernelName: string, backend: object): void {
  stock.get(kernelName)?.setupFunc?.(backend);
}
