import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { DILATION_AWARE_FILTER_GRADIENTS } from '../core/kernel-capabilities';
import { batchMatMulWasmConfig } from './kernels/batch-mat-mul';
import { conv2DWasmConfig, fusedConv2DWasmConfig } from './kernels/conv2d';
import { conv2DBackpropFilterWasmConfig } from './kernels/conv2d-backprop-filter';
import { conv2DBackpropInputWasmConfig } from './kernels/conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterWasmConfig } from './kernels/depthwise-conv2d-native-backprop-filter';
import { depthwiseConv2dNativeBackpropInputWasmConfig } from './kernels/depthwise-conv2d-native-backprop-input';
import { binaryWasmConfigs, identityWasmConfig } from './kernels/elementwise';
import { fusedAdamWasmConfig } from './kernels/fused-adam';
import { fusedMatMulWasmConfig } from './kernels/fused-mat-mul';
import { leakyReluWasmConfig } from './kernels/leaky-relu';
import { maxPoolGradWasmConfig } from './kernels/max-pool-grad';
import { meanWasmConfig, sumWasmConfig } from './kernels/reduce-leading';
import { resizeBilinearGradWasmConfig } from './kernels/resize-bilinear-grad';
import { COPY_KERNEL_CONFIGS } from './kernels/slice';
import { rememberStockKernel } from './kernels/stock-kernels';
import { unsortedSegmentSumWasmConfig } from './kernels/unsorted-segment-sum';

/** The kernels {@link registerWasmTrainingKernels} installs for 'wasm'. */
const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [
  batchMatMulWasmConfig,
  conv2DWasmConfig,
  fusedConv2DWasmConfig,
  conv2DBackpropFilterWasmConfig,
  conv2DBackpropInputWasmConfig,
  depthwiseConv2dNativeBackpropFilterWasmConfig,
  depthwiseConv2dNativeBackpropInputWasmConfig,
  unsortedSegmentSumWasmConfig,
  maxPoolGradWasmConfig,
  resizeBilinearGradWasmConfig,
  ...COPY_KERNEL_CONFIGS,
  identityWasmConfig,
  ...binaryWasmConfigs,
  fusedAdamWasmConfig,
  leakyReluWasmConfig,
  fusedMatMulWasmConfig,
  sumWasmConfig,
  meanWasmConfig,
];

/** Their kernel functions: a second registration never records one of them as the stock kernel. */
const OWN_KERNEL_FUNCS: ReadonlySet<KernelFunc> = new Set(WASM_TRAINING_KERNELS.map((c) => c.kernelFunc));

/**
 * Registers, for the wasm backend, the kernels that training needs and tfjs-backend-wasm 4.22
 * lacks or computes wrongly. Idempotent; {@link initBackend} calls it for `'wasm'`.
 *
 * - `BatchMatMul` (slow with a transposed operand or a batch, as in every `matMul` gradient and
 *   Gram matrix): explicit transposes, then XNNPACK's GEMM per matrix. Products of a few rows
 *   by a large B (`BatchMatMul`, and `_FusedMatMul` without bias or activation), where
 *   XNNPACK's one-threaded packing of each new B dominates: a WebAssembly SIMD pass, shared
 *   with helper threads with `threads` of 2 or more; identical results.
 * - `Conv2D` and `FusedConv2D` (slow for small images through large, new filters): those take
 *   one XNNPACK GEMM of an im2col copy by the filter as stored (with the bias and activation
 *   for `FusedConv2D`), or, for a filter's first two calls with up to 256 output pixels, a
 *   WebAssembly SIMD GEMM that skips XNNPACK's packing of the new filter (the same floats);
 *   every other call runs the backend's own kernel.
 * - `Conv2DBackpropFilter` (missing): the filter gradient of `conv2d` and `conv2dTranspose`,
 *   computed by the backend's XNNPACK `Conv2D` kernel over transposed inputs.
 * - `Conv2DBackpropInput` (slow): the input gradient of `conv2d` and the forward pass of
 *   `conv2dTranspose`, through XNNPACK (one GEMM and a col2im pass, or a sub-pixel or
 *   zero-dilated convolution) where that is faster than the stock loop (which stays in use
 *   for small, thin layers).
 * - `DepthwiseConv2dNativeBackpropFilter` / `DepthwiseConv2dNativeBackpropInput` (missing):
 *   the gradients of `depthwiseConv2d` (and so `separableConv2d`), in JavaScript.
 * - `UnsortedSegmentSum` (missing): needed by the gradient of `gather`, in JavaScript.
 * - `MaxPoolGrad` (wrong): the stock kernel drops the gradient of windows whose values are all
 *   negative; replaced by one that matches the cpu backend, in JavaScript.
 * - `ResizeBilinearGrad` (wrong): the stock kernel ignores `halfPixelCenters` (PyTorch's
 *   align_corners=False); replaced by the exact adjoint of the forward resize, in JavaScript.
 * - `Slice`, `SplitV`, `Unpack`, `Concat` and `Pack` (slow: a copy and an allocation per row,
 *   a per-value index for rank 5 and above): copies of whole runs read in place, in JavaScript.
 * - `Identity` (a copy on one thread): shares the input's data, as the cpu backend does.
 * - `Add`, `Sub`, `Multiply`, `RealDiv` with a scalar operand (one thread in XNNPACK) or a
 *   broadcast row such as a batch norm's [C] (one task per row): the same kernel on views that
 *   XNNPACK splits between threads in large tasks, or runs as one task when small; identical results.
 * - `TfjsSynthFusedAdamUpdate` (this library's own kernel): the trainers' Adam update of one
 *   variable in one pass over w, m, v and the gradient, where tfjs's ops take 13 one-threaded
 *   passes and 10 weight-sized temporaries; bit-identical to those ops.
 * - `Sum` and `Mean` over leading axes (batch norm's statistics and their gradients; the stock
 *   kernels transpose first): a WebAssembly SIMD column sum; identical results.
 * - `LeakyRelu` (one thread): float32 as a WebAssembly SIMD pass; identical results. With
 *   `initBackend`'s `threads` of 2 or more, this pass and the fused Adam update are shared with
 *   helper threads of their own.
 *
 * Call it yourself only if you select the wasm backend without {@link initBackend}; it must run
 * before the first gradient, and may run before or after `tf.setBackend('wasm')`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { registerWasmTrainingKernels } from 'tfjs-synth';
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 * const w = tf.variable(tf.randomNormal([3, 3, 3, 8]));
 * const x = tf.randomNormal([1, 16, 16, 3]) as tf.Tensor4D;
 * const { grads } = tf.variableGrads(() => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'same')), [w]);
 * ```
 */
export function registerWasmTrainingKernels(): void {
  // Its `dilations` attribute works (ops.dilatedConv2d's filter gradient uses it).
  DILATION_AWARE_FILTER_GRADIENTS.add(conv2DBackpropFilterWasmConfig.kernelFunc);
  for (const config of WASM_TRAINING_KERNELS) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing === config) continue;
    // Kept for the inputs the replacement leaves to the backend (see stock-kernels.ts).
    rememberStockKernel(existing, OWN_KERNEL_FUNCS);
    // tfjs warns and keeps going when a kernel is registered twice; unregister first so
    // replacing a stock kernel is silent and deliberate.
    if (existing != null) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
  }
}
