import {
  backend_util,
  BatchMatMul,
  Concat,
  Conv2D,
  Conv2DBackpropFilter,
  Slice,
  Transpose,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fillIm2col } from './im2col';
import { disposeInfo, makeOutputFrom, runWasmKernel } from './kernel-utils';

const NAME = 'Conv2DBackpropFilter';

/** The two formulations: 'gemm' (im2col + one XNNPACK GEMM) and 'conv' (transposed Conv2D). */
export type Conv2DBackpropFilterPath = 'gemm' | 'conv';

/**
 * Most floats the 'gemm' route's im2col matrix may hold at once (64 MB). Larger matrices are
 * cut into groups of taps, one GEMM per group, so wasm memory stays bounded.
 */
export const IM2COL_MAX_FLOATS = 16 * 1024 * 1024;

let forcedPath: Conv2DBackpropFilterPath | undefined;
let im2colMaxFloats = IM2COL_MAX_FLOATS;

/**
 * Sets the im2col budget (floats; `undefined` restores {@link IM2COL_MAX_FLOATS}), so tests
 * can make the 'gemm' route split its taps into several groups on small shapes.
 * @internal
 */
export function setIm2colMaxFloats(floats: number | undefined): void {
  if (floats !== undefined && !(floats >= 1)) {
    throw new Error(`setIm2colMaxFloats: floats must be >= 1, got ${floats}.`);
  }
  im2colMaxFloats = floats ?? IM2COL_MAX_FLOATS;
}

/**
 * Forces every later call onto one route (`undefined` restores the measured rule), so tests and
 * benchmarks can compare both routes on the same shapes.
 * @internal
 */
export function forceConv2DBackpropFilterPath(path: Conv2DBackpropFilterPath | undefined): void {
  forcedPath = path;
}

/** Smallest batch for which the 'conv' route is used: it sums over B in XNNPACK's channel loop. */
export const CONV_ROUTE_MIN_BATCH = 4;
/** Below this many multiply-adds (P * KH * KW * Ci * Co) the 'conv' route is used. */
export const GEMM_MIN_MACS = 1 << 20;
/**
 * Fewest output channels for which the 'gemm' route is used: the im2col copy costs the same for
 * any Co, the GEMM Co times less, so with 1-3 channels (output layers) the copy dominates.
 */
export const GEMM_MIN_OUT_CHANNELS = 8;

/**
 * The route for a call with batch `batch`, `outC` output channels and `macs` =
 * B * OH * OW * KH * KW * Ci * Co multiply-adds. Measured (docs/training-on-wasm.md, the
 * `Conv2DBackpropFilter` section): 'gemm' is 1.1x to 2.4x faster at batch 1 and 2 on the
 * ResNet/PatchGAN/U-Net layers with 8 or more output channels; 'conv' wins from batch 4 on most
 * shapes (its XNNPACK microkernel then loads B floats per indirection pointer), on output layers
 * with 1-3 channels, and on tiny calls, where the im2col copy and extra allocations cost more
 * than the arithmetic.
 * @internal
 */
export function conv2DBackpropFilterPath(batch: number, outC: number, macs: number): Conv2DBackpropFilterPath {
  if (forcedPath !== undefined) return forcedPath;
  const gemm = batch < CONV_ROUTE_MIN_BATCH && outC >= GEMM_MIN_OUT_CHANNELS && macs >= GEMM_MIN_MACS;
  return gemm ? 'gemm' : 'conv';
}

/**
 * Attributes of the kernel. tfjs-core never passes `dilations` (its conv2d gradient rejects
 * dilation > 1), but the math below handles it, so a caller running the kernel directly may.
 */
export type Conv2DBackpropFilterWasmAttrs = Conv2DBackpropFilterAttrs & {
  dilations?: [number, number] | number;
};

/**
 * Gradient of a 2-D convolution with respect to its filter, on the wasm backend, computed by
 * the backend's own XNNPACK kernels (`BatchMatMul` or `Conv2D`, see the two routes below).
 *
 * Shapes (NHWC only): `x` [B, H, W, Ci], `dy` [B, OH, OW, Co] -> dW [KH, KW, Ci, Co].
 *
 * The forward convolution with stride s, dilation d and top/left padding (pt, pl) is
 *
 *   y[b, oh, ow, co] = sum_{kh, kw, ci} x[b, oh*s - pt + kh*d, ow*s - pl + kw*d, ci] * w[kh, kw, ci, co]
 *
 * so its filter gradient is
 *
 *   dW[kh, kw, ci, co] = sum_{b, oh, ow} x[b, kh*d - pt + oh*s, kw*d - pl + ow*s, ci] * dy[b, oh, ow, co].
 *
 * Two routes compute it, chosen per call by {@link conv2DBackpropFilterPath} (measured rule:
 * 'gemm' below batch 4 with at least 8 output channels unless the call is tiny, 'conv'
 * otherwise).
 *
 * **'gemm'** (im2col): for each filter tap t = (kh, kw), the x values that tap reads form a
 * matrix X_t [Ci, P] over the P = B * OH * OW output pixels (zeros where the window lies in the
 * padding), and dW[kh, kw] (Ci x Co) = X_t . dy, with dy flattened to [P, Co]. Stacking the X_t
 * of all taps row-wise gives the im2col matrix A [KH*KW*Ci, P], and
 *
 *   dW (as [KH*KW*Ci, Co]) = A . dy
 *
 * is one dense GEMM whose output already has dW's [KH, KW, Ci, Co] order. x is transposed once
 * to [Ci, B, H, W] so every row of A is a (strided) run of one row of x, copied by
 * {@link fillIm2col}. The GEMM is the backend's `BatchMatMul` without transposes, which is
 * XNNPACK's fully-connected operator with dy as its packed "weights": dy is packed once per call
 * and its K = P inner dimension is read at full GEMM speed. When A would exceed
 * {@link IM2COL_MAX_FLOATS}, the taps are split into groups, one GEMM each, and the [rows, Co]
 * products are concatenated.
 *
 * **'conv'**: the sum above is itself a convolution once the axes are renamed: take
 * x' = transpose(x) [Ci, H, W, B] (the input channels become the batch, the batch becomes the
 * channels) and the filter
 * f' = transpose(dy) [OH, OW, B, Co]; then
 *
 *   out[ci, kh, kw, co] = sum_{oh, ow, b} x'[ci, kh*d - pt + oh*s, kw*d - pl + ow*s, b] * f'[oh, ow, b, co]
 *
 * is a convolution of x' by f' with stride d and dilation s (the roles of stride and dilation
 * swap), the same top/left padding, and a bottom/right padding chosen so that exactly KH x KW
 * outputs come out. Transposing `out` to [KH, KW, Ci, Co] gives dW.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm'); // registers this kernel
 * const x = tf.randomNormal([1, 8, 8, 3]) as tf.Tensor4D;
 * const w = tf.randomNormal([3, 3, 3, 4]);
 * const dW = tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')))(w); // [3, 3, 3, 4]
 * ```
 */
export function conv2DBackpropFilterWasm(args: {
  inputs: Conv2DBackpropFilterInputs;
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterWasmAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat === 'NCHW') {
    throw new Error(`${NAME} (wasm): dataFormat 'NCHW' is not supported; use 'NHWC'.`);
  }
  if (x.shape.length !== 4 || dy.shape.length !== 4) {
    throw new Error(`${NAME} (wasm): x and dy must be rank 4, got x [${x.shape}] and dy [${dy.shape}].`);
  }
  const dilations = attrs.dilations ?? 1;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const [batch, inH, inW, inC] = x.shape as [number, number, number, number];
  const [, outH, outW, outC] = dy.shape as [number, number, number, number];
  // tfjs-core's conv2d gradient does not forward `dimRoundingMode`, so with a numeric pad and
  // 'ceil' or 'round' dy can be one row/column larger than `info` (computed with floor) says.
  // The geometry below follows dy's actual size, so accept any size some rounding gives.
  const fits = (out: number, floorOut: number, inSize: number, pads: number, eff: number, stride: number) =>
    out === floorOut || out === Math.ceil((inSize + pads - eff) / stride) + 1;
  const padsH = info.padInfo.top + info.padInfo.bottom;
  const padsW = info.padInfo.left + info.padInfo.right;
  if (
    batch !== dy.shape[0] ||
    outC !== info.outChannels ||
    !fits(outH, info.outHeight, inH, padsH, info.effectiveFilterHeight, info.strideHeight) ||
    !fits(outW, info.outWidth, inW, padsW, info.effectiveFilterWidth, info.strideWidth)
  ) {
    throw new Error(
      `${NAME} (wasm): dy has shape [${dy.shape}] but x [${x.shape}] with filterShape [${filterShape}] ` +
        `gives [${info.outShape}].`,
    );
  }
  const kH = info.filterHeight;
  const kW = info.filterWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Rows x' must span (top padding included) so the new convolution yields exactly kH rows:
  // (kH - 1) * d new strides plus the effective height of dy dilated by s.
  const spanH = (kH - 1) * info.dilationHeight + (outH - 1) * info.strideHeight + 1;
  const spanW = (kW - 1) * info.dilationWidth + (outW - 1) * info.strideWidth + 1;
  // A negative bottom/right means the forward pass never read the last rows/columns of x
  // ('valid' or large strides leave a remainder): crop them instead, XNNPACK has no negative pads.
  const bottom = spanH - top - inH;
  const right = spanW - left - inW;
  const usedH = inH + Math.min(0, bottom);
  const usedW = inW + Math.min(0, right);
  if (usedH <= 0 || usedW <= 0) {
    // Every window lies wholly in the padding: the filter never touched x.
    return makeOutputFrom(backend, [...filterShape], 'float32', new Float32Array(kH * kW * inC * outC));
  }

  const geometry: Geometry = { info, kH, kW, top, left, bottom, right, usedH, usedW, outH, outW };
  const macs = batch * outH * outW * kH * kW * inC * outC;
  return conv2DBackpropFilterPath(batch, outC, macs) === 'gemm'
    ? gemmRoute(backend, x, dy, geometry)
    : convRoute(backend, x, dy, geometry);
}

/** What both routes need of the call's geometry (computed and checked once, above). */
interface Geometry {
  info: backend_util.Conv2DInfo;
  kH: number;
  kW: number;
  /** Top/left padding of the forward convolution. */
  top: number;
  left: number;
  /** Rows/columns x would need below/right of it so every tap window fits; negative: x has spare ones. */
  bottom: number;
  right: number;
  /** Rows/columns of x some tap reads. */
  usedH: number;
  usedW: number;
  /** dy's actual spatial size (may exceed info's by one, see above). */
  outH: number;
  outW: number;
}

/**
 * The 'gemm' route: an im2col matrix of x times dy, one dense XNNPACK GEMM per group of taps.
 * Rows of the im2col matrix are ordered (kh, kw, ci), so the GEMM's [KH*KW*Ci, Co] output
 * already is dW in [KH, KW, Ci, Co] order.
 */
function gemmRoute(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: Geometry): TensorInfo {
  const { info, kH, kW, outH, outW } = g;
  const [batch, , , inC] = x.shape as [number, number, number, number];
  const outC = dy.shape[3]!;
  const p = batch * outH * outW;
  const temps: TensorInfo[] = [];
  // Concat takes its inputs as an array, as tfjs-core passes them.
  const run = (kernelName: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: object) => {
    const out = runWasmKernel(NAME, kernelName, inputs as never, attrs as never, backend);
    temps.push(out);
    return out;
  };
  try {
    // x as [Ci, B, H, W]: each im2col row is then a (strided) run of one of its rows.
    const xT = run(Transpose, { x }, { perm: [3, 0, 1, 2] });
    // The GEMM's packed operand (its "weights") is dy as [P, Co]. A private copy of dy, freed
    // below, gets a fresh tensor id: XNNPACK's operator cache is keyed by that id, so packing
    // is shared by the groups of this call but nothing stays cached on the caller's dy.
    const dyCopy = backend.makeOutput([1, p, outC], 'float32');
    temps.push(dyCopy);
    backend.typedArrayFromHeap(dyCopy).set(backend.typedArrayFromHeap(dy));

    const taps = kH * kW;
    const tapsPerGroup = Math.max(1, Math.min(taps, Math.floor(im2colMaxFloats / (inC * p))));
    const products: TensorInfo[] = [];
    for (let first = 0; first < taps; first += tapsPerGroup) {
      const numTaps = Math.min(tapsPerGroup, taps - first);
      const im2col = backend.makeOutput([1, numTaps * inC, p], 'float32');
      temps.push(im2col);
      // Heap views only after the allocation: growing wasm memory detaches older views.
      const xView = backend.typedArrayFromHeap(xT) as Float32Array;
      fillIm2col(backend.typedArrayFromHeap(im2col) as Float32Array, xView, info, outH, outW, first, numTaps);
      products.push(run(BatchMatMul, { a: im2col, b: dyCopy }, { transposeA: false, transposeB: false }));
      // Free each group's matrix before the next one is made, so at most one exists at a time.
      disposeInfo(backend, im2col);
      temps.splice(temps.indexOf(im2col), 1);
    }
    const all = products.length === 1 ? products[0]! : run(Concat, products, { axis: 1 });
    // The result is the kernel's output: keep it out of the disposal below.
    temps.splice(temps.indexOf(all), 1);
    return { dataId: all.dataId, shape: [kH, kW, inC, outC], dtype: 'float32' };
  } finally {
    for (const t of temps) disposeInfo(backend, t);
  }
}

/** The 'conv' route: XNNPACK `Conv2D` of x as [Ci, H, W, B] by dy as [OH, OW, B, Co]. */
function convRoute(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: Geometry): TensorInfo {
  const { info, kH, kW, top, left, bottom, right, usedH, usedW } = g;
  const [batch, inH, inW, inC] = x.shape as [number, number, number, number];
  const outC = dy.shape[3]!;
  const temps: TensorInfo[] = [];
  try {
    let xUsed = x;
    if (usedH < inH || usedW < inW) {
      xUsed = runWasmKernel(NAME, Slice, { x }, { begin: [0, 0, 0, 0], size: [batch, usedH, usedW, inC] }, backend);
      temps.push(xUsed);
    }
    const xT = runWasmKernel(NAME, Transpose, { x: xUsed }, { perm: [3, 1, 2, 0] }, backend); // [Ci, H, W, B]
    temps.push(xT);
    const dyT = runWasmKernel(NAME, Transpose, { x: dy }, { perm: [1, 2, 0, 3] }, backend); // [OH, OW, B, Co]
    temps.push(dyT);
    const conv = runWasmKernel(
      NAME,
      Conv2D,
      { x: xT, filter: dyT },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: [
          [0, 0],
          [top, Math.max(0, bottom)],
          [left, Math.max(0, right)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
      backend,
    ); // [Ci, KH, KW, Co]
    temps.push(conv);
    // Guard the padding arithmetic above: a wrong size here would otherwise surface later as
    // a shape error far from its cause.
    if (conv.shape.join() !== [inC, kH, kW, outC].join()) {
      throw new Error(`${NAME} (wasm): internal convolution gave [${conv.shape}], expected [${[inC, kH, kW, outC]}].`);
    }
    return runWasmKernel(NAME, Transpose, { x: conv }, { perm: [1, 2, 0, 3] }, backend); // [KH, KW, Ci, Co]
  } finally {
    for (const t of temps) disposeInfo(backend, t);
  }
}

/** Registers {@link conv2DBackpropFilterWasm} as `Conv2DBackpropFilter` for 'wasm'. */
export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
