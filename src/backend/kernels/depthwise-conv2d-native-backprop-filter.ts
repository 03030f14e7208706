import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forEachDepthwiseTap, makeOutputFrom, readValues } from './kernel-utils';

const NAME = 'DepthwiseConv2dNativeBackpropFilter';

/**
 * Gradient of a depthwise 2-D convolution with respect to its filter, on the wasm backend
 * (tfjs-backend-wasm 4.22 has no such kernel).
 *
 * With channel multiplier M, stride s, dilation d and top/left padding (pt, pl):
 *
 *   dW[kh, kw, c, m] = sum_{b, oh, ow} x[b, oh*s - pt + kh*d, ow*s - pl + kw*d, c] * dy[b, oh, ow, c*M + m]
 *
 * (taps falling in the padding contribute nothing). Shapes (NHWC): `x` [B, H, W, C],
 * `dy` [B, OH, OW, C*M] -> dW [KH, KW, C, M]. Runs in JavaScript over the tensor data with a
 * float64 accumulator: correct for every stride, dilation and padding, not fast (the same
 * amount of work as the forward pass, without SIMD).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm');
 * const x = tf.randomNormal([1, 8, 8, 3]) as tf.Tensor4D;
 * const w = tf.randomNormal([3, 3, 3, 2]);
 * const dW = tf.grad((f: tf.Tensor) => tf.sum(tf.depthwiseConv2d(x, f as tf.Tensor4D, 1, 'same')))(w); // [3, 3, 3, 2]
 * ```
 */
export function depthwiseConv2dNativeBackpropFilterWasm(args: {
  inputs: DepthwiseConv2dNativeBackpropFilterInputs;
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs;
  if (x.shape.length !== 4) {
    throw new Error(`${NAME} (wasm): x must be rank 4 (NHWC), got shape [${x.shape}].`);
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const { inChannels, outChannels, filterHeight, filterWidth } = info;
  if (dy.shape.join() !== info.outShape.join()) {
    throw new Error(`${NAME} (wasm): dy has shape [${dy.shape}], expected [${info.outShape}] for x [${x.shape}].`);
  }
  const mult = outChannels / inChannels;
  const xs = readValues(backend, x);
  const g = readValues(backend, dy);
  const dW = new Float64Array(filterHeight * filterWidth * outChannels);
  forEachDepthwiseTap(info, (dyBase, xBase, wBase) => {
    for (let c = 0; c < inChannels; c++) {
      const xv = xs[xBase + c]!;
      const o = c * mult;
      for (let m = 0; m < mult; m++) dW[wBase + o + m]! += xv * g[dyBase + o + m]!;
    }
  });
  return makeOutputFrom(backend, [...filterShape], 'float32', dW);
}

/** Registers {@link depthwiseConv2dNativeBackpropFilterWasm} for 'wasm'. */
export const depthwiseConv2dNativeBackpropFilterWasmConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilterWasm as unknown as KernelFunc,
};
