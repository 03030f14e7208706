import {
  ResizeNearestNeighborGrad,
  type KernelConfig,
  type KernelFunc,
  type ResizeNearestNeighborGradAttrs,
  type ResizeNearestNeighborGradInputs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

const NAME = 'ResizeNearestNeighborGrad';

/**
 * The source index of each of `outSize` output positions along one axis, exactly as
 * tfjs-backend-cpu's forward `ResizeNearestNeighbor` computes it.
 */
function sourceIndices(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const effectiveIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effectiveOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effectiveIn / effectiveOut;
  const out = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const frac = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
    let s = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) s = Math.max(0, s);
    out[i] = s;
  }
  return out;
}

/**
 * Gradient of `tf.image.resizeNearestNeighbor` on the cpu backend, replacing the stock
 * tfjs-backend-cpu 4.22 kernel. That kernel reads `dy` at the *input's* batch offset, so every
 * image after the first of a batch gets a gradient taken from the wrong part of `dy` (whenever
 * the resize changes the size), and its search window misses sources when downsampling. Any
 * network that upsamples with `UpSampling2D` (the SPADE generator, the AdaIN decoder) then
 * trains wrong on cpu with batches over 1.
 *
 * This kernel is the exact adjoint of the cpu forward kernel: it recomputes each output
 * position's source pixel with the forward kernel's formula (align corners, half-pixel centres)
 * and adds that position's `dy` to it, in float64, rounded once to float32.
 *
 * Shapes (NHWC): `images` [B, H, W, C], `dy` [B, OH, OW, C] -> dx [B, H, W, C].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('cpu'); // installs this kernel
 * const x = tf.zeros([2, 2, 3, 1]);
 * const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.image.resizeNearestNeighbor(v as tf.Tensor4D, [4, 6])))(x); // all 4
 * ```
 * @internal
 */
export function resizeNearestNeighborGradCpu(args: {
  inputs: ResizeNearestNeighborGradInputs;
  backend: MathBackendCPU;
  attrs: ResizeNearestNeighborGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const images = inputs.images as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  if (images.shape.length !== 4 || dy.shape.length !== 4) {
    throw new Error(`${NAME} (cpu): images and dy must be rank 4 (NHWC), got [${images.shape}] and [${dy.shape}].`);
  }
  const [batch, inH, inW, channels] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  if (dy.shape[0] !== batch || dy.shape[3] !== channels) {
    throw new Error(`${NAME} (cpu): dy has shape [${dy.shape}], which does not fit images [${images.shape}].`);
  }
  const rows = sourceIndices(inH, outH, attrs.alignCorners, attrs.halfPixelCenters);
  const cols = sourceIndices(inW, outW, attrs.alignCorners, attrs.halfPixelCenters);
  const g = backend.data.get(dy.dataId).values as Float32Array;
  const dx = new Float64Array(batch * inH * inW * channels);
  let dyIndex = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const rowBase = (b * inH + rows[r]!) * inW;
      for (let c = 0; c < outW; c++) {
        const base = (rowBase + cols[c]!) * channels;
        for (let d = 0; d < channels; d++) dx[base + d]! += g[dyIndex++]!;
      }
    }
  }
  return backend.makeTensorInfo([...images.shape], 'float32', Float32Array.from(dx));
}

/** Registers {@link resizeNearestNeighborGradCpu} as `ResizeNearestNeighborGrad` for 'cpu'. */
export const resizeNearestNeighborGradCpuConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'cpu',
  kernelFunc: resizeNearestNeighborGradCpu as unknown as KernelFunc,
};
