import {
  LeakyRelu,
  util,
  type KernelConfig,
  type KernelFunc,
  type LeakyReluAttrs,
  type LeakyReluInputs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { runPass } from './pass-helpers';
import { LEAKY_RELU_PASS } from './wasm-passes';
import { setupStockKernel, stockKernel } from './stock-kernels';

/**
 * `LeakyRelu` on the wasm backend for float32 tensors: the SIMD pass {@link LEAKY_RELU_PASS}
 * over the backend's heap, shared with the helper threads of a threaded backend with 2 threads
 * or more (`pass-helpers.ts`), where the backend's own kernel is a one-threaded loop. Every value
 * is the backend kernel's (x < 0 ? alpha x : x, alpha as a float32): the same bits. Other dtypes
 * go to the backend's kernel.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm', { threads: 2 }); // registers this kernel; starts one helper thread
 * const y = tf.leakyRelu(tf.randomNormal([1, 256, 256, 64]), 0.2); // both threads share the pass
 * ```
 * @internal
 */
export function leakyReluWasm(args: {
  inputs: LeakyReluInputs;
  backend: BackendWasm;
  attrs: LeakyReluAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  if (x.dtype !== 'float32') return stockKernel(LeakyRelu).kernelFunc(args as never) as TensorInfo;
  const alpha = attrs.alpha;
  if (typeof alpha !== 'number') {
    throw new Error(`LeakyRelu (wasm): attribute 'alpha' must be a number, got ${typeof alpha}.`);
  }
  const out = backend.makeOutput([...x.shape], 'float32');
  const size = util.sizeFromShape(x.shape);
  const body = size - (size % 4);
  const ptr = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const done = runPass(backend, LEAKY_RELU_PASS, [ptr(x), ptr(out)], body * 4, { scalars: [alpha], workPerByte: 2 })
    ? body
    : 0;
  if (done < size) {
    // Heap views only after the allocation: growing wasm memory detaches older views.
    const xs = backend.typedArrayFromHeap(x) as Float32Array;
    const ys = backend.typedArrayFromHeap(out) as Float32Array;
    const a = Math.fround(alpha);
    for (let i = done; i < size; i++) {
      const v = xs[i]!;
      ys[i] = v < 0 ? Math.fround(a * v) : v;
    }
  }
  return out;
}

/** Registers {@link leakyReluWasm} as `LeakyRelu` for 'wasm' (the stock kernel's setup, for int32). */
export const leakyReluWasmConfig: KernelConfig = {
  kernelName: LeakyRelu,
  backendName: 'wasm',
  kernelFunc: leakyReluWasm as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(LeakyRelu, backend),
};
