import {
  BatchMatMul,
  Reshape,
  ResizeBilinearGrad,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type ResizeBilinearGradAttrs,
  type ResizeBilinearGradInputs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { makeOutputFrom, readValues, runBackendKernel } from './kernel-utils';

const NAME = 'ResizeBilinearGrad';

/** The two source indices and the weight of the second one, per output position along one axis. */
interface AxisTaps {
  low: Int32Array;
  high: Int32Array;
  frac: Float64Array;
}

/**
 * The source taps of each of `outSize` output positions along one axis, exactly as the cpu
 * backend's forward `ResizeBilinear` computes them (which is also PyTorch's `F.interpolate`
 * bilinear rule: align_corners=True is `alignCorners`, align_corners=False is
 * `halfPixelCenters`). The forward value is `in[low] * (1 - frac) + in[high] * frac`.
 */
function axisTaps(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): AxisTaps {
  const effectiveIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effectiveOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effectiveIn / effectiveOut;
  const low = new Int32Array(outSize);
  const high = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const source = halfPixelCenters ? ratio * (i + 0.5) - 0.5 : ratio * i;
    const lo = Math.max(0, Math.floor(source));
    low[i] = lo;
    high[i] = Math.min(inSize - 1, Math.ceil(source));
    // Where the source lies before the first pixel (half-pixel centres), low == high == 0 and
    // the two weights still add up to 1, as in the forward kernel.
    frac[i] = source - lo;
  }
  return { low, high, frac };
}

/**
 * Largest interpolation matrix, in elements, that {@link resizeBilinearGradByMatMul} builds for
 * one axis: 2^24 (64 MiB of float32), a resize from 4096 to 4096 pixels.
 */
export const MAX_INTERPOLATION_MATRIX_ELEMENTS = 1 << 24;

/**
 * The forward resize along one axis as a dense [outSize, inSize] matrix R (row-major, float32):
 * out[o] = sum_i R[o, i] in[i], from {@link axisTaps}, so with the forward kernel's weights.
 * Each row holds the two weights of its taps (added where both taps are the same pixel).
 * @internal
 */
export function interpolationMatrix(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Float32Array {
  const { low, high, frac } = axisTaps(inSize, outSize, alignCorners, halfPixelCenters);
  const matrix = new Float64Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    matrix[o * inSize + low[o]!]! += 1 - frac[o]!;
    matrix[o * inSize + high[o]!]! += frac[o]!;
  }
  return Float32Array.from(matrix);
}

/** Checks the shapes of a ResizeBilinearGrad call; returns [batch, inH, inW, channels, outH, outW]. */
function checkShapes(backendName: string, images: TensorInfo, dy: TensorInfo): number[] {
  if (images.shape.length !== 4 || dy.shape.length !== 4) {
    throw new Error(
      `${NAME} (${backendName}): images and dy must be rank 4 (NHWC), got [${images.shape}] and [${dy.shape}].`,
    );
  }
  const [batch, inH, inW, channels] = images.shape as [number, number, number, number];
  const [dyBatch, outH, outW, dyChannels] = dy.shape as [number, number, number, number];
  if (dyBatch !== batch || dyChannels !== channels) {
    throw new Error(
      `${NAME} (${backendName}): dy has shape [${dy.shape}], which does not fit images [${images.shape}].`,
    );
  }
  return [batch, inH, inW, channels, outH, outW];
}

/**
 * The adjoint of bilinear resizing: scatters each `dy` value to its four source pixels with the
 * forward kernel's weights, in float64. `g` is dy [B, OH, OW, C]; returns dx [B, H, W, C].
 */
function resizeBilinearAdjoint(
  g: ArrayLike<number>,
  dims: number[],
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Float64Array {
  const [batch, inH, inW, channels, outH, outW] = dims as [number, number, number, number, number, number];
  const rows = axisTaps(inH, outH, alignCorners, halfPixelCenters);
  const cols = axisTaps(inW, outW, alignCorners, halfPixelCenters);
  const dx = new Float64Array(batch * inH * inW * channels);
  let dyIndex = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const top = (b * inH + rows.low[r]!) * inW;
      const bottom = (b * inH + rows.high[r]!) * inW;
      const rf = rows.frac[r]!;
      for (let c = 0; c < outW; c++) {
        const cf = cols.frac[c]!;
        const left = cols.low[c]!;
        const right = cols.high[c]!;
        const topLeft = (top + left) * channels;
        const topRight = (top + right) * channels;
        const bottomLeft = (bottom + left) * channels;
        const bottomRight = (bottom + right) * channels;
        const wTopLeft = (1 - rf) * (1 - cf);
        const wTopRight = (1 - rf) * cf;
        const wBottomLeft = rf * (1 - cf);
        const wBottomRight = rf * cf;
        for (let d = 0; d < channels; d++) {
          const v = g[dyIndex++]!;
          dx[topLeft + d]! += v * wTopLeft;
          dx[topRight + d]! += v * wTopRight;
          dx[bottomLeft + d]! += v * wBottomLeft;
          dx[bottomRight + d]! += v * wBottomRight;
        }
      }
    }
  }
  return dx;
}

/**
 * Gradient of `tf.image.resizeBilinear` on the cpu backend, replacing the stock
 * tfjs-backend-cpu 4.22 kernel, which labels its result with height and width swapped (so the
 * gradient of any non-square resize throws a shape error) and ignores `halfPixelCenters`
 * (PyTorch's align_corners=False), returning the gradient of a different resize.
 *
 * This kernel is the exact adjoint of the cpu forward kernel (align corners, half-pixel
 * centres, or neither): each `dy` value goes to its four source pixels with the forward
 * weights, accumulated in float64 and rounded once to float32.
 *
 * Shapes (NHWC): `images` [B, H, W, C], `dy` [B, OH, OW, C] -> dx [B, H, W, C].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('cpu'); // installs this kernel
 * const x = tf.zeros([1, 2, 3, 1]) as tf.Tensor4D;
 * const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.image.resizeBilinear(v as tf.Tensor4D, [4, 6], false, true)))(x); // [1, 2, 3, 1]
 * ```
 * @internal
 */
export function resizeBilinearGradCpu(args: {
  inputs: ResizeBilinearGradInputs;
  backend: MathBackendCPU;
  attrs: ResizeBilinearGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const images = inputs.images as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const dims = checkShapes('cpu', images, dy);
  const g = backend.data.get(dy.dataId).values as Float32Array;
  const dx = resizeBilinearAdjoint(g, dims, attrs.alignCorners, attrs.halfPixelCenters);
  return backend.makeTensorInfo([...images.shape], 'float32', Float32Array.from(dx));
}

/**
 * Gradient of `tf.image.resizeBilinear` on the wasm backend, replacing the stock
 * tfjs-backend-wasm 4.22 kernel, which ignores `halfPixelCenters` (PyTorch's
 * align_corners=False) and so returns the gradient of a different resize. The same adjoint as
 * {@link resizeBilinearGradCpu}, in JavaScript (one pass over `dy`).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm'); // installs this kernel
 * const x = tf.zeros([1, 2, 3, 1]) as tf.Tensor4D;
 * const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.image.resizeBilinear(v as tf.Tensor4D, [4, 6], false, true)))(x); // [1, 2, 3, 1]
 * ```
 * @internal
 */
export function resizeBilinearGradWasm(args: {
  inputs: ResizeBilinearGradInputs;
  backend: BackendWasm;
  attrs: ResizeBilinearGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const images = inputs.images as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const dims = checkShapes('wasm', images, dy);
  if (dy.dtype !== 'float32') throw new Error(`${NAME} (wasm): dy must be float32, got ${dy.dtype}.`);
  const dx = resizeBilinearAdjoint(readValues(backend, dy), dims, attrs.alignCorners, attrs.halfPixelCenters);
  return makeOutputFrom(backend, [...images.shape], 'float32', dx);
}

/**
 * Gradient of `tf.image.resizeBilinear` from the backend's own `BatchMatMul` and `Reshape`
 * kernels, for any backend (registered for 'webgl' and 'webgpu', whose stock tfjs 4.22 kernels
 * ignore `halfPixelCenters`, PyTorch's align_corners=False). The resize is separable,
 * y[b] = Ry x[b] Rxᵀ per channel with the [OH, H] and [OW, W] matrices of
 * {@link interpolationMatrix}, so its adjoint is dx[b] = Ryᵀ dy[b] Rx: two batched products
 * (rows, then columns) with the matrices built on the host and uploaded once per call. The same
 * weights as {@link resizeBilinearGradCpu}; float32 products, so equal within rounding.
 *
 * Shapes (NHWC): `images` [B, H, W, C], `dy` [B, OH, OW, C] -> dx [B, H, W, C]. Cost
 * B·H·OW·C·(OH + W) multiply-adds, more than the four taps per `dy` value of the direct
 * adjoint, as the dense products also multiply the zeros.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * import { resizeBilinearGradByMatMul } from './resize-bilinear-grad';
 * await initBackend('cpu'); // here on cpu's BatchMatMul
 * const images = tf.zeros([1, 2, 3, 1]);
 * const dy = tf.ones([1, 4, 6, 1]);
 * const info = resizeBilinearGradByMatMul('cpu', {
 *   inputs: { images, dy },
 *   backend: tf.backend(),
 *   attrs: { alignCorners: false, halfPixelCenters: true },
 * });
 * const dx = tf.engine().makeTensorFromTensorInfo(info); // [1, 2, 3, 1], every value 4
 * ```
 * @throws Error naming the kernel and backend when the shapes do not fit, `dy` is not float32, or
 * an axis' matrix would exceed {@link MAX_INTERPOLATION_MATRIX_ELEMENTS} (before allocating).
 * @internal
 */
export function resizeBilinearGradByMatMul(
  backendName: string,
  args: {
    inputs: ResizeBilinearGradInputs;
    backend: KernelBackend;
    attrs: Pick<ResizeBilinearGradAttrs, 'alignCorners' | 'halfPixelCenters'>;
  },
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const images = inputs.images as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const [batch, inH, inW, channels, outH, outW] = checkShapes(backendName, images, dy) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (dy.dtype !== 'float32') throw new Error(`${NAME} (${backendName}): dy must be float32, got ${dy.dtype}.`);
  for (const [axis, from, to] of [
    ['height', inH, outH],
    ['width', inW, outW],
  ] as const) {
    if (from * to > MAX_INTERPOLATION_MATRIX_ELEMENTS) {
      throw new Error(
        `${NAME} (${backendName}): the ${axis} resize from ${from} to ${to} needs a ${to}x${from} interpolation matrix, ` +
          `over the limit of ${MAX_INTERPOLATION_MATRIX_ELEMENTS} elements; use the 'wasm' or 'cpu' backend for this size.`,
      );
    }
  }
  const { alignCorners, halfPixelCenters } = attrs;
  const temporaries: TensorInfo[] = [];
  const upload = (values: Float32Array, shape: number[]): TensorInfo => {
    const info: TensorInfo = { dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
    temporaries.push(info);
    return info;
  };
  const run = (kernelName: string, kernelInputs: NamedTensorInfoMap, kernelAttrs: NamedAttrMap): TensorInfo => {
    const out = runBackendKernel(NAME, backendName, kernelName, kernelInputs, kernelAttrs, backend);
    temporaries.push(out);
    return out;
  };
  try {
    const ry = upload(interpolationMatrix(inH, outH, alignCorners, halfPixelCenters), [1, outH, inH]);
    const rx = upload(interpolationMatrix(inW, outW, alignCorners, halfPixelCenters), [1, outW, inW]);
    const product = { transposeA: true, transposeB: false };
    // Rows: [1, OH, H]ᵀ x [B, OH, OW*C] -> [B, H, OW*C]; columns: [1, OW, W]ᵀ x [B*H, OW, C] -> [B*H, W, C].
    const dyRows = run(Reshape, { x: dy }, { shape: [batch, outH, outW * channels] });
    const rows = run(BatchMatMul, { a: ry, b: dyRows }, product);
    const rowsByColumn = run(Reshape, { x: rows }, { shape: [batch * inH, outW, channels] });
    const both = run(BatchMatMul, { a: rx, b: rowsByColumn }, product);
    // A reshape shares its input's data: the output keeps it when the temporaries are freed.
    return runBackendKernel(NAME, backendName, Reshape, { x: both }, { shape: [...images.shape] }, backend);
  } finally {
    for (const info of temporaries) backend.disposeData(info.dataId);
  }
}

/** {@link resizeBilinearGradByMatMul} as `ResizeBilinearGrad` for `backendName`. */
function resizeBilinearGradByMatMulConfig(backendName: string): KernelConfig {
  return {
    kernelName: ResizeBilinearGrad,
    backendName,
    kernelFunc: ((args: Parameters<typeof resizeBilinearGradByMatMul>[1]) =>
      resizeBilinearGradByMatMul(backendName, args)) as unknown as KernelFunc,
  };
}

/** Registers {@link resizeBilinearGradByMatMul} as `ResizeBilinearGrad` for 'webgl'. */
export const resizeBilinearGradWebglConfig: KernelConfig = resizeBilinearGradByMatMulConfig('webgl');

/** Registers {@link resizeBilinearGradByMatMul} as `ResizeBilinearGrad` for 'webgpu'. */
export const resizeBilinearGradWebgpuConfig: KernelConfig = resizeBilinearGradByMatMulConfig('webgpu');

/** Registers {@link resizeBilinearGradCpu} as `ResizeBilinearGrad` for 'cpu'. */
export const resizeBilinearGradCpuConfig: KernelConfig = {
  kernelName: ResizeBilinearGrad,
  backendName: 'cpu',
  kernelFunc: resizeBilinearGradCpu as unknown as KernelFunc,
};

/** Registers {@link resizeBilinearGradWasm} as `ResizeBilinearGrad` for 'wasm'. */
export const resizeBilinearGradWasmConfig: KernelConfig = {
  kernelName: ResizeBilinearGrad,
  backendName: 'wasm',
  kernelFunc: resizeBilinearGradWasm as unknown as KernelFunc,
};
