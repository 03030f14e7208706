import {
  _FusedMatMul,
  backend_util,
  BatchMatMul,
  Conv2D,
  Elu,
  FusedConv2D,
  LeakyRelu,
  Prelu,
  Reshape,
  Sigmoid,
  type Conv2DAttrs,
  type Conv2DInputs,
  type FusedConv2DAttrs,
  type FusedConv2DInputs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeInfo, runWasmKernel } from './kernel-utils';
import { smallGemm, smallGemmAvailable } from './small-gemm';
import { setupStockKernel, stockKernel } from './stock-kernels';

const NAME = 'Conv2D';
const FUSED_NAME = 'FusedConv2D';

/** How a `Conv2D` call runs: see {@link conv2DPath}. */
export type Conv2DPath = 'gemm' | 'stock';

/** The 'gemm' route is taken while the output has at most this many pixels per channel. */
export const CONV2D_GEMM_MAX_PIXELS_PER_CHANNEL = 2;

/**
 * The route for a convolution with `pixels` = B * OH * OW output pixels and `outChannels`
 * filters: 'gemm' (an im2col copy of x times the filter as stored, one XNNPACK GEMM) while the
 * output has at most {@link CONV2D_GEMM_MAX_PIXELS_PER_CHANNEL} pixels per channel, so the
 * im2col matrix (B*OH*OW x KH*KW*Ci) is at most twice the filter (KH*KW*Ci x Co); 'stock' (the
 * backend's XNNPACK convolution) otherwise.
 *
 * Why: the backend's convolution transposes a filter it has not seen (a generic scalar
 * transpose) before XNNPACK packs it, once per filter tensor. With weights that change every
 * training step, the input gradient of a transposed convolution (a strided `conv2d` by the
 * weights) paid that on every step, and on the deep layers of a U-Net (4x4x512x1024 filters,
 * 2x2 to 16x16 images) it costs many times the arithmetic. The GEMM's packing reads the filter
 * in its stored order: 1.3x to 2.7x faster on those shapes with new weights.
 *
 * @example
 * ```ts
 * import { conv2DPath } from './conv2d';
 * conv2DPath(64, 1024); // 'gemm'
 * conv2DPath(4096, 128); // 'stock'
 * ```
 */
export function conv2DPath(pixels: number, outChannels: number): Conv2DPath {
  return pixels <= CONV2D_GEMM_MAX_PIXELS_PER_CHANNEL * outChannels ? 'gemm' : 'stock';
}

let forcedPath: Conv2DPath | undefined;

/**
 * Makes every later float32 NHWC call take `path` (`undefined` restores the rule), so tests and
 * benchmarks can compare the routes on the same shapes.
 * @internal
 */
export function forceConv2DPath(path: Conv2DPath | undefined): void {
  forcedPath = path;
}

/** Which GEMM the 'gemm' route runs: see {@link conv2DGemmKernel}. */
export type Conv2DGemmKernel = 'xnnpack' | 'unpacked';

/** The 'unpacked' GEMM is taken for at most this many output pixels. */
export const CONV2D_UNPACKED_MAX_PIXELS = 256;

/**
 * Calls with the same filter tensor after which the 'gemm' route lets XNNPACK pack it: a filter
 * used this often is being reused (inference), and XNNPACK's kept packed copy then serves every
 * later call. A training step uses each new filter once or twice (the pix2pix trainer runs the
 * generator twice on the same weights).
 */
export const CONV2D_UNPACKED_MAX_USES = 2;

/** Calls so far per filter data (weakly held: a disposed filter's count goes with it). */
const filterUses = new WeakMap<object, number>();

/**
 * The GEMM of the 'gemm' route for `pixels` output pixels, `outChannels` filters, a filter
 * already used `uses` times before this call, and a `clamp` activation (relu, relu6) fused
 * into XNNPACK's GEMM: 'unpacked' (this library's SIMD GEMM, {@link smallGemm}, which reads the
 * filter as it is stored) for at most {@link CONV2D_UNPACKED_MAX_PIXELS} pixels, Co a multiple
 * of 8, no clamp and a filter used fewer than {@link CONV2D_UNPACKED_MAX_USES} times;
 * 'xnnpack' (the backend's `BatchMatMul` / `_FusedMatMul`) otherwise.
 *
 * Why: XNNPACK packs a new filter before its GEMM, a strided gather over the [KH*KW*Ci, Co]
 * filter that took 110-330 ms for the 4-8 M-float filters of a U-Net's innermost layers in a
 * loaded run, against 4-70 ms for the whole unpacked product of 1-64 pixels (and 147 against
 * 266 ms at 256 pixels through 4x4x256x1024). Both sum every output the same way, so they give
 * the same floats.
 *
 * @example
 * ```ts
 * import { conv2DGemmKernel } from './conv2d';
 * conv2DGemmKernel(64, 1024, 0, false); // 'unpacked'
 * conv2DGemmKernel(64, 1024, 2, false); // 'xnnpack': a reused filter, packed once
 * ```
 */
export function conv2DGemmKernel(pixels: number, outChannels: number, uses: number, clamp: boolean): Conv2DGemmKernel {
  return pixels <= CONV2D_UNPACKED_MAX_PIXELS && outChannels % 8 === 0 && !clamp && uses < CONV2D_UNPACKED_MAX_USES
    ? 'unpacked'
    : 'xnnpack';
}

let forcedGemm: Conv2DGemmKernel | undefined;

/**
 * Makes every later 'gemm' route call that the unpacked GEMM can take (Co a multiple of 8, no
 * clamp activation) run `kernel` (`undefined` restores the rule), for tests and benchmarks.
 * @internal
 */
export function forceConv2DGemmKernel(kernel: Conv2DGemmKernel | undefined): void {
  forcedGemm = kernel;
}

/**
 * The forward 2-D convolution on the wasm backend: the backend's own XNNPACK kernel, except for
 * small images through large filters ({@link conv2DPath}), which take one XNNPACK GEMM:
 *
 *   y[p, co] = sum_{kh, kw, ci} cols[p, (kh, kw, ci)] * w[kh, kw, ci, co]
 *
 * with cols the im2col matrix of x [B*OH*OW, KH*KW*Ci] (row p = (b, oh, ow) holds the window of
 * that output pixel, x[b, oh*sH - pt + kh*dH, ow*sW - pl + kw*dW, ci], zero in the padding) and
 * the filter read as it is stored ([KH*KW*Ci, Co]). The product runs one of two GEMMs
 * ({@link conv2DGemmKernel}): this library's SIMD GEMM on the filter as it is ({@link smallGemm};
 * few pixels, a filter new or used once before), or the backend's `BatchMatMul` without
 * transposes, whose XNNPACK operator packs the filter in that order (and keeps it packed for
 * the next call with the same filter tensor). The output [B*OH*OW, Co] already is y in NHWC.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm'); // registers this kernel
 * const x = tf.randomNormal([1, 8, 8, 512]) as tf.Tensor4D;
 * const w = tf.randomNormal([4, 4, 512, 1024]) as tf.Tensor4D;
 * const y = tf.conv2d(x, w, 2, 'same'); // [1, 4, 4, 1024], by the 'gemm' route
 * ```
 */
export function conv2DWasm(args: { inputs: Conv2DInputs; backend: BackendWasm; attrs: Conv2DAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const callStock = () =>
    stockKernel(NAME).kernelFunc({ inputs, backend, attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
  if (
    attrs.dataFormat === 'NCHW' ||
    x.shape.length !== 4 ||
    filter.shape.length !== 4 ||
    x.dtype !== 'float32' ||
    filter.dtype !== 'float32'
  ) {
    return callStock();
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  if (pixels === 0 || (forcedPath ?? conv2DPath(pixels, info.outChannels)) === 'stock') return callStock();
  return gemmRoute(backend, x, filter, info);
}

/** What the 'gemm' route of `FusedConv2D` adds after the product. */
interface Epilogue {
  /** [Co], added to every output pixel. */
  bias?: TensorInfo;
  activation: backend_util.Activation;
  preluActivationWeights?: TensorInfo;
  leakyreluAlpha?: number;
}

/** Activations that XNNPACK's fully-connected operator applies itself (by clamping). */
const CLAMP_ACTIVATIONS: ReadonlySet<string> = new Set(['linear', 'relu', 'relu6']);

/**
 * im2col of x, then one `BatchMatMul` by the filter as stored; with an {@link Epilogue}, one
 * `_FusedMatMul` that adds the bias (and clamps for relu/relu6), then the activation's own
 * kernel for the others.
 */
function gemmRoute(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  epilogue?: Epilogue,
): TensorInfo {
  const { batchSize, outHeight, outWidth, outChannels, filterHeight: kH, filterWidth: kW, inChannels: inC } = info;
  const pixels = batchSize * outHeight * outWidth;
  const depth = kH * kW * inC;
  const temps: TensorInfo[] = [];
  try {
    const cols = backend.makeOutput([1, pixels, depth], 'float32');
    temps.push(cols);
    // Views after the allocation: a heap growth detaches earlier ones.
    fillIm2colNHWC(
      backend.typedArrayFromHeap(cols) as Float32Array,
      backend.typedArrayFromHeap(x) as Float32Array,
      info,
    );
    const w = runWasmKernel(NAME, Reshape, { x: filter }, { shape: [1, depth, outChannels] }, backend);
    temps.push(w);
    const clamp = epilogue != null && epilogue.activation !== 'linear' && CLAMP_ACTIVATIONS.has(epilogue.activation);
    const uses = filterUses.get(filter.dataId) ?? 0;
    filterUses.set(filter.dataId, uses + 1);
    let kernel = conv2DGemmKernel(pixels, outChannels, uses, clamp);
    if (forcedGemm != null && outChannels % 8 === 0 && !clamp) kernel = forcedGemm;
    if (kernel === 'unpacked' && !smallGemmAvailable(backend)) kernel = 'xnnpack';
    let y: TensorInfo;
    if (kernel === 'unpacked') {
      y = smallGemm(backend, cols, w, epilogue?.bias);
      if (epilogue != null && epilogue.activation !== 'linear') {
        temps.push(y);
        y = applyActivation(backend, y, epilogue);
      }
    } else if (epilogue == null) {
      y = runWasmKernel(NAME, BatchMatMul, { a: cols, b: w }, { transposeA: false, transposeB: false }, backend);
    } else {
      const clamp = CLAMP_ACTIVATIONS.has(epilogue.activation);
      const inputs: Record<string, TensorInfo> = { a: cols, b: w };
      if (epilogue.bias != null) inputs.bias = epilogue.bias;
      y = runWasmKernel(
        FUSED_NAME,
        _FusedMatMul,
        inputs,
        { transposeA: false, transposeB: false, activation: clamp ? epilogue.activation : 'linear' },
        backend,
      );
      if (!clamp) {
        temps.push(y);
        y = applyActivation(backend, y, epilogue);
      }
    }
    return { dataId: y.dataId, shape: [...info.outShape], dtype: 'float32' };
  } finally {
    for (const t of temps) disposeInfo(backend, t);
  }
}

/** The activations XNNPACK does not clamp, by the backend's own kernels. */
function applyActivation(backend: BackendWasm, y: TensorInfo, epilogue: Epilogue): TensorInfo {
  switch (epilogue.activation) {
    case 'leakyrelu':
      return runWasmKernel(FUSED_NAME, LeakyRelu, { x: y }, { alpha: epilogue.leakyreluAlpha ?? 0 }, backend);
    case 'prelu':
      return runWasmKernel(FUSED_NAME, Prelu, { x: y, alpha: epilogue.preluActivationWeights! }, {}, backend);
    case 'sigmoid':
      return runWasmKernel(FUSED_NAME, Sigmoid, { x: y }, {}, backend);
    case 'elu':
      return runWasmKernel(FUSED_NAME, Elu, { x: y }, {}, backend);
    default:
      throw new Error(`${FUSED_NAME} (wasm): activation '${epilogue.activation}' is not supported.`);
  }
}

/**
 * Fills the NHWC im2col matrix [B*OH*OW, KH*KW*Ci]: row (b*OH + oh)*OW + ow, column
 * (kh*KW + kw)*Ci + ci holds x[b, oh*sH - pt + kh*dH, ow*sW - pl + kw*dW, ci], or 0 where that
 * pixel lies in the padding. Each tap's Ci channels are one contiguous run of x.
 */
function fillIm2colNHWC(dst: Float32Array, x: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight: inH, inWidth: inW, inChannels: inC, outHeight, outWidth } = info;
  const { filterHeight: kH, filterWidth: kW, strideHeight: sH, strideWidth: sW } = info;
  const { dilationHeight: dH, dilationWidth: dW } = info;
  const { top, left } = info.padInfo;
  let d = 0;
  for (let b = 0; b < batchSize; b++) {
    const plane = b * inH * inW;
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * sH - top + kh * dH;
          for (let kw = 0; kw < kW; kw++, d += inC) {
            const iw = ow * sW - left + kw * dW;
            if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) {
              dst.fill(0, d, d + inC);
            } else {
              const s = (plane + ih * inW + iw) * inC;
              dst.set(x.subarray(s, s + inC), d);
            }
          }
        }
      }
    }
  }
}

/**
 * Registers {@link conv2DWasm} as `Conv2D` for 'wasm'. Its setup runs the stock kernel's setup,
 * so the stock route works even when registered before the backend starts.
 */
export const conv2DWasmConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2DWasm as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(NAME, backend),
};

/** The activations the 'gemm' route of `FusedConv2D` applies; any other goes to the backend's kernel. */
const GEMM_ACTIVATIONS: ReadonlySet<string> = new Set([
  'linear',
  'relu',
  'relu6',
  'leakyrelu',
  'prelu',
  'sigmoid',
  'elu',
]);

/**
 * `FusedConv2D` (a convolution with bias and activation, which tfjs-layers' `Conv2D` layers and
 * `tf.fused.conv2d` run) on the wasm backend: the same rule as {@link conv2DWasm}. While the
 * output has at most {@link CONV2D_GEMM_MAX_PIXELS_PER_CHANNEL} pixels per filter, one im2col
 * GEMM (`_FusedMatMul`, which adds the bias and clamps relu/relu6 inside XNNPACK; leakyrelu,
 * prelu, sigmoid and elu then run as their own kernels); every other call, and any input the
 * route does not cover (NCHW, a bias that is not [Co], other dtypes), runs the backend's kernel.
 *
 * Why: the backend's kernel transposes a new filter with a generic scalar loop before XNNPACK
 * packs it. In a training step every filter is new; on the U-Net encoder's 4x4x512x512 layers
 * over 2x2 to 16x16 images that took about 6x the time of the GEMM route, whose packing reads
 * the filter in its stored order.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm'); // registers this kernel
 * const x = tf.randomNormal([1, 4, 4, 512]) as tf.Tensor4D;
 * const w = tf.randomNormal([4, 4, 512, 512]) as tf.Tensor4D;
 * const b = tf.zeros([512]);
 * const y = tf.fused.conv2d({ x, filter: w, strides: 2, pad: 'same', bias: b, activation: 'relu' }); // 'gemm' route
 * ```
 */
export function fusedConv2DWasm(args: {
  inputs: FusedConv2DInputs;
  backend: BackendWasm;
  attrs: FusedConv2DAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const bias = inputs.bias as TensorInfo | undefined;
  const prelu = inputs.preluActivationWeights as TensorInfo | undefined;
  const callStock = () =>
    stockKernel(FUSED_NAME).kernelFunc({ inputs, backend, attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
  if (
    attrs.dataFormat === 'NCHW' ||
    x.shape.length !== 4 ||
    filter.shape.length !== 4 ||
    x.dtype !== 'float32' ||
    filter.dtype !== 'float32' ||
    !GEMM_ACTIVATIONS.has(attrs.activation)
  ) {
    return callStock();
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  if (bias != null && (bias.shape.length !== 1 || bias.shape[0] !== info.outChannels || bias.dtype !== 'float32')) {
    return callStock();
  }
  if (attrs.activation === 'prelu' && prelu == null) return callStock();
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  if (pixels === 0 || (forcedPath ?? conv2DPath(pixels, info.outChannels)) === 'stock') return callStock();
  return gemmRoute(backend, x, filter, info, {
    bias,
    activation: attrs.activation,
    preluActivationWeights: prelu,
    leakyreluAlpha: attrs.leakyreluAlpha,
  });
}

/**
 * Registers {@link fusedConv2DWasm} as `FusedConv2D` for 'wasm'; its setup runs the stock
 * kernel's setup, like {@link conv2DWasmConfig}.
 */
export const fusedConv2DWasmConfig: KernelConfig = {
  kernelName: FusedConv2D,
  backendName: 'wasm',
  kernelFunc: fusedConv2DWasm as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(FUSED_NAME, backend),
};
