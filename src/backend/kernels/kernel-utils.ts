import {
  type backend_util,
  getKernel,
  registerKernel,
  unregisterKernel,
  util,
  type KernelBackend,
  type KernelConfig,
  type DataType,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Runs another kernel registered for the wasm backend directly, without going through the
 * engine (so no tensor is tracked and nothing is recorded on the gradient tape). The caller
 * owns the returned TensorInfo and must free it with {@link disposeInfo} unless it is the
 * kernel's own output.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
 * import { initBackend } from 'tfjs-synth';
 * import { disposeInfo, runWasmKernel } from './kernel-utils';
 * await initBackend('wasm');
 * const backend = tf.backend() as BackendWasm; // in a kernel: the `backend` it is given
 * const x = tf.randomNormal([1, 4, 4, 2]);
 * const xT = runWasmKernel('myKernel', 'Transpose', { x }, { perm: [3, 1, 2, 0] }, backend); // [2, 4, 4, 1]
 * // ... use xT ...
 * disposeInfo(backend, xT);
 * ```
 * @throws Error naming `caller` and `kernelName` when the kernel is not registered for wasm.
 */
export function runWasmKernel(
  caller: string,
  kernelName: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap,
  backend: BackendWasm,
): TensorInfo {
  return runBackendKernel(caller, 'wasm', kernelName, inputs, attrs, backend);
}

/**
 * {@link runWasmKernel} for any backend: runs the kernel registered as `kernelName` for
 * `backendName` on `backend` directly, without the engine. The caller owns the returned
 * TensorInfo and frees it with `backend.disposeData(info.dataId)` unless it is its own output.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * import { runBackendKernel } from './kernel-utils';
 * await initBackend('cpu');
 * const backend = tf.backend(); // in a kernel: the `backend` it is given
 * const x = tf.zeros([2, 3]);
 * const y = runBackendKernel('myKernel', 'cpu', 'Reshape', { x }, { shape: [3, 2] }, backend);
 * backend.disposeData(y.dataId);
 * ```
 * @throws Error naming `caller` and `kernelName` when the kernel is not registered for `backendName`.
 */
export function runBackendKernel(
  caller: string,
  backendName: string,
  kernelName: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap,
  backend: KernelBackend,
): TensorInfo {
  const kernel = getKernel(kernelName, backendName);
  if (kernel == null) {
    throw new Error(
      `${caller} (${backendName}): needs the '${kernelName}' kernel, which is not registered for '${backendName}'.`,
    );
  }
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  // Every kernel used here has a single output.
  return Array.isArray(out) ? out[0]! : out;
}

/**
 * Registers `config`, replacing (silently: tfjs warns when a kernel is registered twice) the
 * kernel registered under its name and backend; nothing happens when `config` itself is
 * registered there already.
 * @internal
 */
export function replaceKernel(config: KernelConfig): void {
  const existing = getKernel(config.kernelName, config.backendName);
  if (existing === config) return;
  if (existing != null) unregisterKernel(config.kernelName, config.backendName);
  registerKernel(config);
}

/** Frees a TensorInfo made by {@link runWasmKernel} (decrements its refCount, frees at zero). */
export function disposeInfo(backend: BackendWasm, info: TensorInfo): void {
  backend.disposeData(info.dataId);
}

/**
 * Allocates a wasm output tensor and copies `values` (often a Float64Array accumulator) into it,
 * rounding to the output dtype.
 *
 * The heap view is taken right after the allocation: a later `_malloc` may grow wasm memory
 * and detach earlier views.
 */
export function makeOutputFrom(
  backend: BackendWasm,
  shape: number[],
  dtype: DataType,
  values: ArrayLike<number>,
): TensorInfo {
  if (values.length !== util.sizeFromShape(shape)) {
    throw new Error(`makeOutputFrom: ${values.length} values for shape [${shape.join(', ')}].`);
  }
  const out = backend.makeOutput(shape, dtype);
  backend.typedArrayFromHeap(out).set(values);
  return out;
}

/** Reads a float32 or int32 wasm tensor into a fresh JS typed array (a copy, not a heap view). */
export function readValues(backend: BackendWasm, info: TensorInfo): Float32Array | Int32Array {
  const values = backend.readSync(info.dataId);
  if (values instanceof Float32Array || values instanceof Int32Array) return values;
  // bool tensors come back as Uint8Array; widen so callers handle one numeric type.
  return Int32Array.from(values as Uint8Array);
}

/**
 * Visits every (output pixel, filter tap) pair of a depthwise convolution whose input pixel lies
 * inside the image (taps in the padding contribute nothing), passing the flat NHWC offsets of
 * the dy pixel, the x pixel and the filter tap. Both depthwise gradient kernels accumulate over
 * exactly these pairs; only what they accumulate differs.
 * @internal
 */
export function forEachDepthwiseTap(
  info: backend_util.Conv2DInfo,
  visit: (dyBase: number, xBase: number, wBase: number) => void,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight - top + kh * dilationHeight;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth - left + kw * dilationWidth;
            if (iw < 0 || iw >= inWidth) continue;
            visit(dyBase, ((b * inHeight + ih) * inWidth + iw) * inChannels, (kh * filterWidth + kw) * outChannels);
          }
        }
      }
    }
  }
}
