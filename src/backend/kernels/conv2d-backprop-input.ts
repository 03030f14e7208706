import {
  backend_util,
  Conv2D,
  Conv2DBackpropInput,
  PadV2,
  Reshape,
  Slice,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeInfo, runWasmKernel } from './kernel-utils';

const NAME = 'Conv2DBackpropInput';

/** The backend's own kernel, kept for the shapes where it is faster (see {@link useXnnpackPath}). */
let stock: KernelConfig | undefined;

/**
 * Remembers tfjs-backend-wasm's own `Conv2DBackpropInput` before {@link conv2DBackpropInputWasmConfig}
 * replaces it, so small and thin shapes can still use it. Called by `registerWasmTrainingKernels`.
 */
export function rememberStockConv2DBackpropInput(config: KernelConfig | undefined): void {
  if (config != null && config.kernelFunc !== (conv2DBackpropInputWasm as unknown as KernelFunc)) stock = config;
}

/** Smallest dx area (H * W) for which the XNNPACK route is used. */
export const XNNPACK_MIN_AREA = 32 * 32;
/** Smallest dx channel count for which the XNNPACK route is used. */
export const XNNPACK_MIN_CHANNELS = 4;

/**
 * Whether the XNNPACK route beats the stock loop for a dx of `height` x `width` x `inChannels`.
 * Measured rule (see docs/training-on-wasm.md, "Speed"): the backend's `Conv2D` packs the
 * (here freshly flipped) filter on every call, a cost proportional to the filter size that the
 * arithmetic only amortises over a large enough image: at 16x16 and below with 512-1024
 * channels the stock loop is 2x to 250x faster, from 32x32 up XNNPACK is 1.25x to 3.8x faster
 * even after the stride^2 extra multiply-adds of the zero-dilated dy. With 3 output channels
 * (an RGB image) the two are even.
 */
export function useXnnpackPath(height: number, width: number, inChannels: number): boolean {
  return height * width >= XNNPACK_MIN_AREA && inChannels >= XNNPACK_MIN_CHANNELS;
}

/**
 * The filter [KH, KW, Ci, Co] flipped in both spatial axes with its channel axes swapped:
 * out[KH-1-kh, KW-1-kw, co, ci] = w[kh, kw, ci, co]. One JavaScript pass: the backend's
 * `Reverse` kernel took 0.5-1.7 s on a 4x4x512x1024 filter, more than the convolution itself.
 */
function flipAndSwapChannels(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  const [kH, kW, ci, co] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([kH, kW, co, ci], 'float32');
  // Views taken after the allocation: a heap growth detaches earlier ones.
  const src = backend.typedArrayFromHeap(filter) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const taps = kH * kW;
  const block = ci * co;
  for (let t = 0; t < taps; t++) {
    // Flipping both spatial axes reverses the flattened tap index kh * KW + kw.
    const s0 = t * block;
    const d0 = (taps - 1 - t) * block;
    for (let i = 0; i < ci; i++) {
      const si = s0 + i * co;
      for (let o = 0; o < co; o++) dst[d0 + o * ci + i] = src[si + o]!;
    }
  }
  return out;
}

/**
 * Gradient of a 2-D convolution with respect to its input, which is also the forward pass of
 * every `conv2dTranspose`, on the wasm backend through the backend's XNNPACK `Conv2D` kernel.
 *
 * Shapes (NHWC only): `dy` [B, OH, OW, Co], `filter` [KH, KW, Ci, Co] -> dx [B, H, W, Ci]
 * (`inputShape`).
 *
 * The forward convolution with stride s and top/left padding (pt, pl) reads x[oh*s - pt + kh],
 * so dx[h] = sum_{kh} dy[(h + pt - kh) / s] * w[kh] over the kh where the division is exact.
 * Inserting s - 1 zeros between the pixels of dy (dy_s[oh*s] = dy[oh], zero elsewhere) makes
 * every kh valid:
 *
 *   dx[h] = sum_{kh'} dy_s[h - (KH - 1 - pt) + kh'] * w[KH - 1 - kh']
 *
 * a stride-1 convolution of dy_s, padded by KH - 1 - pt on top, with the spatially flipped filter
 * whose in/out channels are swapped ([KH, KW, Co, Ci]); likewise along the width. The zeros are
 * inserted by reshaping dy to [B, OH, 1, OW, 1, Co] and padding the unit axes to s.
 *
 * The stock kernel stays in use where it is faster ({@link useXnnpackPath}: small images, RGB
 * outputs) and for paddings the
 * formula above cannot express (top/left padding larger than KH - 1).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm'); // registers this kernel
 * const x = tf.randomNormal([1, 32, 32, 64]) as tf.Tensor4D;
 * const w = tf.randomNormal([4, 4, 32, 64]) as tf.Tensor4D;
 * const y = tf.conv2dTranspose(x, w, [1, 64, 64, 32], 2, 'same'); // [1, 64, 64, 32]
 * ```
 */
export function conv2DBackpropInputWasm(args: {
  inputs: Conv2DBackpropInputInputs;
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (dataFormat === 'NCHW') {
    throw new Error(`${NAME} (wasm): dataFormat 'NCHW' is not supported; use 'NHWC'.`);
  }
  if (dy.shape.length !== 4 || filter.shape.length !== 4) {
    throw new Error(`${NAME} (wasm): dy and filter must be rank 4, got dy [${dy.shape}] and filter [${filter.shape}].`);
  }
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const [batch, inH, inW, inC] = info.inShape;
  const [kH, kW, , outC] = filter.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const sH = info.strideHeight;
  const sW = info.strideWidth;
  const top = kH - 1 - info.padInfo.top;
  const left = kW - 1 - info.padInfo.left;
  const fast = top >= 0 && left >= 0 && useXnnpackPath(inH, inW, inC);
  if (!fast) {
    if (stock == null) {
      throw new Error(`${NAME} (wasm): the backend's own kernel was not recorded; call registerWasmTrainingKernels().`);
    }
    return stock.kernelFunc({ inputs, backend, attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
  }

  const temps: TensorInfo[] = [];
  try {
    // dy with s - 1 zeros after every pixel along each strided axis: [B, OH*sH, OW*sW, Co].
    let dyS = dy;
    if (sH > 1 || sW > 1) {
      const r6 = runWasmKernel(NAME, Reshape, { x: dy }, { shape: [batch, outH, 1, outW, 1, outC] }, backend);
      temps.push(r6);
      const padded = runWasmKernel(
        NAME,
        PadV2,
        { x: r6 },
        { paddings: [[0, 0], [0, 0], [0, sH - 1], [0, 0], [0, sW - 1], [0, 0]], constantValue: 0 },
        backend,
      );
      temps.push(padded);
      dyS = runWasmKernel(NAME, Reshape, { x: padded }, { shape: [batch, outH * sH, outW * sW, outC] }, backend);
      temps.push(dyS);
    }
    // Bottom/right padding that yields exactly H x W outputs; when negative, the trailing rows
    // are never read (zeros, or a remainder the forward pass skipped): crop instead.
    const bottom = inH + info.padInfo.top - outH * sH;
    const right = inW + info.padInfo.left - outW * sW;
    if (bottom < 0 || right < 0) {
      const cropped = runWasmKernel(
        NAME,
        Slice,
        { x: dyS },
        { begin: [0, 0, 0, 0], size: [batch, outH * sH + Math.min(0, bottom), outW * sW + Math.min(0, right), outC] },
        backend,
      );
      temps.push(cropped);
      dyS = cropped;
    }
    const wT = flipAndSwapChannels(backend, filter); // [KH, KW, Co, Ci]
    temps.push(wT);
    const dx = runWasmKernel(
      NAME,
      Conv2D,
      { x: dyS, filter: wT },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [0, 0],
          [top, Math.max(0, bottom)],
          [left, Math.max(0, right)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
      backend,
    );
    // Guard the padding arithmetic: a wrong size would otherwise surface far from its cause.
    if (dx.shape.join() !== [batch, inH, inW, inC].join()) {
      disposeInfo(backend, dx);
      throw new Error(`${NAME} (wasm): internal convolution gave [${dx.shape}], expected [${[batch, inH, inW, inC]}].`);
    }
    return dx;
  } finally {
    for (const t of temps) if (t !== dy) disposeInfo(backend, t);
  }
}

/**
 * Registers {@link conv2DBackpropInputWasm} as `Conv2DBackpropInput` for 'wasm'. Its setup runs
 * the stock kernel's setup, so the fallback works even when registered before the backend starts.
 */
export const conv2DBackpropInputWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as KernelFunc,
  setupFunc: (backend) => stock?.setupFunc?.(backend),
};
