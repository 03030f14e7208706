import type { backend_util } from '@tensorflow/tfjs-core';

/**
 * Fills rows of the im2col matrix of a 2-D convolution's input, for the filter gradient.
 *
 * `xT` is the input transposed to [Ci, B, H, W] (flat); `dst` receives `numTaps * Ci` rows of
 * P = B * OH * OW floats, for the filter taps `firstTap .. firstTap + numTaps - 1` (tap
 * t = kh * KW + kw). Row (t - firstTap) * Ci + ci, column (b * OH + oh) * OW + ow holds
 *
 *   x[b, oh * sH - pt + kh * dH, ow * sW - pl + kw * dW, ci]
 *
 * or 0 where that pixel lies in the padding. `outH`/`outW` are dy's actual spatial size.
 * The rows are contiguous runs of x (strided by sW), so they are copied with `set` when
 * sW = 1: the backend's `StridedSlice`/`Slice` kernels walk every element through a generic
 * n-d index loop and were measured 10x slower than this for the same copy.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { fillIm2col } from './im2col';
 * const info = tf.backend_util.computeConv2DInfo([1, 4, 4, 1], [3, 3, 1, 1], 1, 1, 'same');
 * const xT = Float32Array.from({ length: 16 }, (_, i) => i); // [Ci=1, B=1, 4, 4]
 * const dst = new Float32Array(9 * 16); // 9 taps x P = 16
 * fillIm2col(dst, xT, info, 4, 4, 0, 9);
 * // dst.subarray(4 * 16, 5 * 16) (the centre tap) equals xT
 * ```
 * @internal
 */
export function fillIm2col(
  dst: Float32Array,
  xT: Float32Array,
  info: backend_util.Conv2DInfo,
  outH: number,
  outW: number,
  firstTap: number,
  numTaps: number,
): void {
  const { batchSize: batch, inHeight: inH, inWidth: inW, inChannels: inC, filterWidth: kW } = info;
  const { strideHeight: sH, strideWidth: sW, dilationHeight: dH, dilationWidth: dW } = info;
  const { top, left } = info.padInfo;
  const p = batch * outH * outW;
  if (dst.length < numTaps * inC * p) {
    throw new Error(`fillIm2col: dst holds ${dst.length} floats, needs ${numTaps * inC * p}.`);
  }
  for (let t = 0; t < numTaps; t++) {
    const kh = Math.floor((firstTap + t) / kW);
    const kw = (firstTap + t) % kW;
    const r0 = kh * dH - top;
    const c0 = kw * dW - left;
    // Output columns whose input column lies inside x: owLo .. owHi - 1.
    const owLo = Math.min(outW, Math.max(0, Math.ceil(-c0 / sW)));
    const owHi = Math.max(owLo, Math.min(outW, Math.floor((inW - 1 - c0) / sW) + 1));
    for (let ci = 0; ci < inC; ci++) {
      let out = (t * inC + ci) * p;
      for (let b = 0; b < batch; b++) {
        const plane = (ci * batch + b) * inH * inW;
        for (let oh = 0; oh < outH; oh++, out += outW) {
          const ih = r0 + oh * sH;
          if (ih < 0 || ih >= inH || owLo === owHi) {
            dst.fill(0, out, out + outW);
            continue;
          }
          if (owLo > 0) dst.fill(0, out, out + owLo);
          if (owHi < outW) dst.fill(0, out + owHi, out + outW);
          const src = plane + ih * inW + c0;
          if (sW === 1) {
            dst.set(xT.subarray(src + owLo, src + owHi), out + owLo);
          } else {
            for (let o = out + owLo, i = src + owLo * sW, end = out + owHi; o < end; o++, i += sW) dst[o] = xT[i]!;
          }
        }
      }
    }
  }
}
