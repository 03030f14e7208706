import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, checkOptions } from '../core/checks';
import { checkImagePair, checkMaxVal } from './internal/image-pair';
import { ssimMaps } from './internal/ssim-maps';
import { checkSsimWindow, type SsimWindowOptions } from './internal/ssim-options';

/** Options of {@link msSsim}. */
export interface MsSsimOptions extends SsimWindowOptions {
  /** The data range L: 1 for images in [0, 1], 255 for bytes, 2 for [-1, 1]. Default 1. */
  maxVal?: number;
  /**
   * The exponent of each scale, finest first; their count is the number of scales (1 to 8).
   * Default Wang et al.'s five: [0.0448, 0.2856, 0.3001, 0.2363, 0.1333].
   */
  weights?: readonly number[];
}

/** Wang, Simoncelli and Bovik (2003), Table 1. */
const MS_SSIM_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333] as const;

/**
 * Multi-scale SSIM per image (Wang, Simoncelli and Bovik 2003), as the authors' reference
 * `msssim.m`: at each scale but the last the mean contrast-structure term, at the last the mean
 * SSIM, each raised to its weight and multiplied; between scales a 2×2 mean filter (replicating
 * the last row and column of odd sizes) and subsampling by 2. Colour images are scored per
 * channel and the channels averaged.
 *
 * Input: two images [n, h, w, c] of one shape. With the default 5 scales and 11×11 window the
 * coarsest scale must still hold a window, so h and w must be at least 161. Output: [n].
 *
 * Porting note: like the reference, a negative contrast-structure mean (only for images that
 * are nearly inverse) gives NaN under a fractional power; some PyTorch ports clamp it to 0.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, metrics } from 'tfjs-synth';
 * await initBackend();
 * const a = tf.randomUniform([1, 176, 176, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
 * const b = tf.clipByValue(tf.add(a, 0.1), 0, 1) as tf.Tensor4D;
 * console.log(metrics.msSsim(a, b).dataSync()[0] > 0.9); // true
 * ```
 */
export function msSsim(a: tf.Tensor4D, b: tf.Tensor4D, options?: MsSsimOptions): tf.Tensor1D {
  const fn = 'msSsim';
  const [x, y] = checkImagePair(fn, a, b);
  const opts = checkOptions<MsSsimOptions>(fn, 'options', options);
  const maxVal = checkMaxVal(fn, opts.maxVal);
  const settings = checkSsimWindow(fn, opts);
  let weights: readonly number[] = MS_SSIM_WEIGHTS;
  if (opts.weights !== undefined) {
    if (!Array.isArray(opts.weights) || opts.weights.length < 1 || opts.weights.length > 8) {
      throw new Error(`${fn}: weights must be an array of 1 to 8 numbers.`);
    }
    weights = opts.weights.map((v, i) => checkNumber(fn, `weights[${i}]`, v, { min: 0 }));
  }
  const levels = weights.length;
  // Each scale halves (rounding up); the coarsest must still hold one window.
  const need = (settings.windowSize - 1) * 2 ** (levels - 1) + 1;
  const [, h, w] = x.shape;
  if (h < need || w < need) {
    throw new Error(
      `${fn}: images must be at least ${need}×${need} for ${levels} scales of a ${settings.windowSize}-pixel window, got ${h}×${w}.`,
    );
  }
  return tf.tidy(() => {
    const scale = 1 / maxVal;
    let u = tf.mul(tf.cast(x, 'float32'), scale) as tf.Tensor4D;
    let v = tf.mul(tf.cast(y, 'float32'), scale) as tf.Tensor4D;
    let product: tf.Tensor2D | undefined;
    for (let level = 0; level < levels; level++) {
      const maps = ssimMaps(u, v, settings);
      const last = level === levels - 1;
      const term = tf.pow(tf.mean(last ? maps.ssim : maps.cs, [1, 2]), weights[level]!) as tf.Tensor2D; // [n, c]
      product = product === undefined ? term : (tf.mul(product, term) as tf.Tensor2D);
      if (!last) {
        u = halve(u);
        v = halve(v);
      }
    }
    return tf.mean(product!, 1) as tf.Tensor1D;
  });
}

/** 2×2 mean then every second pixel, replicating the last row/column of an odd size. */
function halve(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  let padded = x;
  if (h % 2 === 1) padded = tf.concat([padded, tf.slice(padded, [0, h - 1, 0, 0], [-1, 1, -1, -1])], 1);
  if (w % 2 === 1) padded = tf.concat([padded, tf.slice(padded, [0, 0, w - 1, 0], [-1, -1, 1, -1])], 2);
  return tf.avgPool(padded, 2, 2, 'valid');
}
