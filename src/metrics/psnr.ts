import * as tf from '@tensorflow/tfjs-core';
import { checkOptions } from '../core/checks';
import { checkImagePair, checkMask, checkMaxVal } from './internal/image-pair';

/** Options of {@link psnr}. */
export interface PsnrOptions {
  /** The data range L: 1 for images in [0, 1], 255 for bytes, 2 for [-1, 1]. Default 1. */
  maxVal?: number;
  /**
   * A weight per pixel, [n, h, w, 1] in [0, 1] (1 inside the region to score, e.g. an inpainting
   * hole). The squared error is averaged with these weights over every channel. Each image's
   * mask must hold some weight. Default: every pixel, weight 1.
   */
  mask?: tf.Tensor4D;
}

/**
 * Peak signal-to-noise ratio per image, `10 log10(L² / MSE)` in dB, MSE taken over height, width
 * and channels (as scikit-image's `peak_signal_noise_ratio` and `tf.image.psnr`). Identical
 * images give `Infinity`.
 *
 * Input: two images [n, h, w, c] of one shape. Output: a tensor [n].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, metrics } from 'tfjs-synth';
 * await initBackend();
 * const a = tf.fill([1, 8, 8, 3], 0.5) as tf.Tensor4D;
 * const b = tf.fill([1, 8, 8, 3], 0.6) as tf.Tensor4D;
 * console.log(metrics.psnr(a, b).dataSync()[0].toFixed(1)); // 20.0 (MSE 0.01)
 * const hole = tf.pad(tf.ones([1, 8, 4, 1]), [[0, 0], [0, 0], [2, 2], [0, 0]]) as tf.Tensor4D; // columns 2-5
 * metrics.psnr(a, b, { mask: hole }); // over the hole only: 20.0 again
 * ```
 */
export function psnr(a: tf.Tensor4D, b: tf.Tensor4D, options?: PsnrOptions): tf.Tensor1D {
  const fn = 'psnr';
  const [x, y] = checkImagePair(fn, a, b);
  const opts = checkOptions<PsnrOptions>(fn, 'options', options);
  const maxVal = checkMaxVal(fn, opts.maxVal);
  const mask = checkMask(fn, opts.mask, x.shape);
  return tf.tidy(() => {
    const sq = tf.squaredDifference(tf.cast(x, 'float32'), tf.cast(y, 'float32'));
    let mse: tf.Tensor1D;
    if (mask === undefined) {
      mse = tf.mean(sq, [1, 2, 3]);
    } else {
      const weighted = tf.sum(tf.mul(sq, mask), [1, 2, 3]);
      mse = tf.div(weighted, tf.mul(tf.sum(mask, [1, 2, 3]), x.shape[3]));
    }
    // 10 log10(L² / mse); mse = 0 gives +Infinity, as the references do.
    return tf.mul(tf.log(tf.div(maxVal * maxVal, mse)), 10 / Math.LN10) as tf.Tensor1D;
  });
}
