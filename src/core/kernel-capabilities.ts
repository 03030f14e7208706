/**
 * Kernel functions known to honour a `dilations` attribute that tfjs-core never passes them.
 * tfjs-core's conv2d gradient rejects dilation above 1, so the `Conv2DBackpropFilter` kernels of
 * the stock backends ignore the attribute (the cpu one computes the undilated gradient). This
 * library's wasm kernel handles it; `registerWasmTrainingKernels` adds it here, and
 * `ops.dilatedConv2d` runs the kernel with dilations only when the backend's current
 * `Conv2DBackpropFilter` is in this set.
 *
 * @example
 * ```ts
 * import { DILATION_AWARE_FILTER_GRADIENTS } from './kernel-capabilities';
 * const kernelFunc = () => null;
 * DILATION_AWARE_FILTER_GRADIENTS.add(kernelFunc);
 * DILATION_AWARE_FILTER_GRADIENTS.has(kernelFunc); // true
 * ```
 * @internal
 */
export const DILATION_AWARE_FILTER_GRADIENTS = new WeakSet<object>();
