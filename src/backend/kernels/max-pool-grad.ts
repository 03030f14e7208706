import {
  backend_util,
  MaxPoolGrad,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type MaxPoolGradInputs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { makeOutputFrom, readValues } from './kernel-utils';

const NAME = 'MaxPoolGrad';

/**
 * Gradient of 2-D max pooling on the wasm backend, replacing the stock tfjs-backend-wasm 4.22
 * kernel. That kernel starts each window's running maximum at the smallest *positive* float, so
 * a window whose values are all negative (or zero) has no maximum and its gradient is dropped;
 * after a layer with negative outputs (a LeakyReLU, a normalisation) maxPool then trains wrong.
 *
 * This kernel routes each window's `dy` to the first position (row-major within the window) of
 * the window's largest value, starting from -Infinity, exactly as the cpu backend does; windows
 * whose values are all NaN or -Infinity pass no gradient, as on cpu.
 *
 * Shapes (NHWC): `input` [B, H, W, C], `dy` [B, OH, OW, C] -> dx [B, H, W, C]. Runs in JavaScript
 * over the tensor data (one pass over each window), so it is simple rather than fast.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm'); // installs this kernel
 * const x = tf.reshape(tf.neg(tf.range(1, 17)), [1, 4, 4, 1]);
 * const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid')))(x); // [1, 4, 4, 1], four ones
 * ```
 */
export function maxPoolGradWasm(args: {
  inputs: MaxPoolGradInputs;
  backend: BackendWasm;
  attrs: MaxPoolGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const input = inputs.input as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  if (input.shape.length !== 4) {
    throw new Error(`${NAME} (wasm): input must be rank 4 (NHWC), got shape [${input.shape}].`);
  }
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const expected = [batchSize, outHeight, outWidth, inChannels];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(`${NAME} (wasm): dy has shape [${dy.shape}], expected [${expected}] for input [${input.shape}].`);
  }
  const x = readValues(backend, input);
  const g = readValues(backend, dy);
  const dx = new Float64Array(x.length);
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const rowStart = oh * strideHeight - padTop;
      for (let ow = 0; ow < outWidth; ow++) {
        const colStart = ow * strideWidth - padLeft;
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * inChannels;
        for (let c = 0; c < inChannels; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let bestIndex = -1;
          for (let wr = 0; wr < effectiveFilterHeight; wr += dilationHeight) {
            const r = rowStart + wr;
            if (r < 0 || r >= inHeight) continue;
            for (let wc = 0; wc < effectiveFilterWidth; wc += dilationWidth) {
              const col = colStart + wc;
              if (col < 0 || col >= inWidth) continue;
              const index = ((b * inHeight + r) * inWidth + col) * inChannels + c;
              const v = x[index]!;
              if (v > best) {
                best = v;
                bestIndex = index;
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex]! += g[dyBase + c]!;
        }
      }
    }
  }
  return makeOutputFrom(backend, [...input.shape], input.dtype, dx);
}

/** Registers {@link maxPoolGradWasm} as `MaxPoolGrad` for 'wasm', replacing the stock kernel. */
export const maxPoolGradWasmConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as KernelFunc,
};
