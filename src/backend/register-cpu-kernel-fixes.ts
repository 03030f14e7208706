import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterCpuConfig } from './kernels/conv2d-backprop-filter-cpu';
import { fusedAdamCpuConfig } from './kernels/fused-adam';
import { replaceKernel } from './kernels/kernel-utils';
import { resizeBilinearGradCpuConfig } from './kernels/resize-bilinear-grad';
import { resizeNearestNeighborGradCpuConfig } from './kernels/resize-nearest-neighbor-grad-cpu';

/** The kernels {@link registerCpuKernelFixes} installs for 'cpu'. */
const CPU_KERNEL_FIXES: readonly KernelConfig[] = [
  resizeNearestNeighborGradCpuConfig,
  resizeBilinearGradCpuConfig,
  conv2DBackpropFilterCpuConfig,
  fusedAdamCpuConfig,
];

/**
 * Replaces, for the cpu backend, the tfjs-backend-cpu 4.22 kernels this library's training
 * dispatches that compute wrongly, or far too slowly. Idempotent; {@link initBackend} calls it for `'cpu'`.
 *
 * - `ResizeNearestNeighborGrad` (wrong for batches over 1, and when downsampling): the gradient
 *   of `UpSampling2D`; replaced by the exact adjoint of the cpu forward kernel.
 * - `ResizeBilinearGrad` (shape error for non-square images; ignores `halfPixelCenters`, i.e.
 *   PyTorch's align_corners=False): the gradient of `tf.image.resizeBilinear`; replaced by the
 *   exact adjoint of the cpu forward kernel.
 * - `Conv2DBackpropFilter` (right, but slow: it reads every element through `TensorBuffer.get`):
 *   the filter gradient of `conv2d`; replaced by the same computation on the typed arrays,
 *   equal bit for bit.
 * - `TfjsSynthFusedAdamUpdate` (this library's own kernel, not a fix): the trainers' Adam update
 *   of one variable in one pass, bit-identical to the 13 element-wise ops it replaces.
 *
 * @example
 * ```ts
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('cpu'); // calls registerCpuKernelFixes()
 * ```
 * @internal
 */
export function registerCpuKernelFixes(): void {
  for (const config of CPU_KERNEL_FIXES) replaceKernel(config);
}
