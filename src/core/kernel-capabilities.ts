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

/**
 * The name of this library's fused Adam update kernel: one pass over a float32 variable `w`, its
 * moments `m`, `v` and its gradient `g` (inputs of one shape) giving the new `w`, `m`, `v` (three
 * outputs, in that order), bit for bit the values of the 13 element-wise tfjs ops it replaces.
 * Attributes (numbers, as the optimizer holds them): `beta1`, `beta2`, `epsilon`,
 * `correction2Sqrt` (sqrt(1 - beta2^t)) and `stepSize` (lr / (1 - beta1^t)).
 * `registerWasmTrainingKernels` and `registerCpuKernelFixes` register it; the trainers' Adam looks
 * it up by this name with `tf.getKernel` and falls back to the separate ops on other backends.
 *
 * @example
 * ```ts
 * import { FUSED_ADAM_UPDATE } from './kernel-capabilities';
 * FUSED_ADAM_UPDATE; // 'TfjsSynthFusedAdamUpdate'
 * ```
 * @internal
 */
export const FUSED_ADAM_UPDATE = 'TfjsSynthFusedAdamUpdate';
