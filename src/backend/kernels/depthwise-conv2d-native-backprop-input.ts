import {
  backend_util,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forEachDepthwiseTap, makeOutputFrom, readValues } from './kernel-utils';

const NAME = 'DepthwiseConv2dNativeBackpropInput';

/**
 * Gradient of a depthwise 2-D convolution with respect to its input, on the wasm backend
 * (tfjs-backend-wasm 4.22 has no such kernel).
 *
 * Every output (b, oh, ow) read input pixel (oh*s - pt + kh*d, ow*s - pl + kw*d) through tap
 * (kh, kw), so the gradient is scattered back along the same taps:
 *
 *   dx[b, ih, iw, c] = sum over (oh, ow, kh, kw) reaching (ih, iw), and m, of dy[b, oh, ow, c*M + m] * w[kh, kw, c, m]
 *
 * Shapes (NHWC): `dy` [B, OH, OW, C*M], `filter` [KH, KW, C, M] -> dx = `inputShape` [B, H, W, C].
 * Runs in JavaScript with a float64 accumulator: correct for every stride, dilation and
 * padding, not fast.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm');
 * const x = tf.randomNormal([1, 8, 8, 3]);
 * const w = tf.randomNormal([3, 3, 3, 2]) as tf.Tensor4D;
 * const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.depthwiseConv2d(v as tf.Tensor4D, w, 2, 'same')))(x); // [1, 8, 8, 3]
 * ```
 */
export function depthwiseConv2dNativeBackpropInputWasm(args: {
  inputs: DepthwiseConv2dNativeBackpropInputInputs;
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
  if (filter.shape.length !== 4) {
    throw new Error(`${NAME} (wasm): filter must be rank 4, got shape [${filter.shape}].`);
  }
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
  if (dy.shape.join() !== info.outShape.join()) {
    throw new Error(
      `${NAME} (wasm): dy has shape [${dy.shape}], expected [${info.outShape}] for inputShape [${inputShape}].`,
    );
  }
  const mult = outChannels / inChannels;
  const g = readValues(backend, dy);
  const w = readValues(backend, filter);
  const dx = new Float64Array(batchSize * inHeight * inWidth * inChannels);
  forEachDepthwiseTap(info, (dyBase, xBase, wBase) => {
    for (let c = 0; c < inChannels; c++) {
      const o = c * mult;
      let sum = 0;
      for (let m = 0; m < mult; m++) sum += g[dyBase + o + m]! * w[wBase + o + m]!;
      dx[xBase + c]! += sum;
    }
  });
  return makeOutputFrom(backend, [...inputShape], 'float32', dx);
}

/** Registers {@link depthwiseConv2dNativeBackpropInputWasm} for 'wasm'. */
export const depthwiseConv2dNativeBackpropInputWasmConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInputWasm as unknown as KernelFunc,
};
