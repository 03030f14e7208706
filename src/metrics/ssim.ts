import * as tf from '@tensorflow/tfjs-core';
import { checkOptions } from '../core/checks';
import { checkImagePair, checkMask, checkMaxVal } from './internal/image-pair';
import { ssimMaps } from './internal/ssim-maps';
import { checkSsimWindow, type SsimWindowOptions } from './internal/ssim-options';

/** Options of {@link ssim}. */
export interface SsimOptions extends SsimWindowOptions {
  /** The data range L: 1 for images in [0, 1], 255 for bytes, 2 for [-1, 1]. Default 1. */
  maxVal?: number;
  /**
   * A weight per pixel, [n, h, w, 1] in [0, 1]: the SSIM map is averaged with the weights at the
   * window centres (so pixels closer than windowSize / 2 to the border do not count, as in the
   * unmasked mean). Each image's mask must hold some weight there. Default: every window.
   */
  mask?: tf.Tensor4D;
}

/**
 * Structural similarity per image (Wang, Bovik, Sheikh and Simoncelli 2004), as the authors'
 * reference `ssim_index.m`: an 11×11 Gaussian window (σ = 1.5), K1 = 0.01, K2 = 0.03, 'valid'
 * filtering, and the mean of the SSIM map. Colour images are scored per channel and the
 * channels averaged (scikit-image's `structural_similarity(..., channel_axis=-1,
 * gaussian_weights=True, use_sample_covariance=False)` gives the same numbers).
 *
 * Input: two images [n, h, w, c] of one shape, h and w at least `windowSize`. Output: [n].
 *
 * Porting note: the later `ssim.m` of the same authors first downsamples images larger than
 * 256 pixels; this function does not (scikit-image and most papers' code do not either).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, metrics } from 'tfjs-synth';
 * await initBackend();
 * const a = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
 * const b = tf.clipByValue(tf.add(a, tf.randomNormal(a.shape, 0, 0.05, 'float32', 2)), 0, 1) as tf.Tensor4D;
 * console.log(metrics.ssim(a, a).dataSync()[0]); // 1
 * console.log(metrics.ssim(a, b).dataSync()[0] < 1); // true
 * ```
 */
export function ssim(a: tf.Tensor4D, b: tf.Tensor4D, options?: SsimOptions): tf.Tensor1D {
  const fn = 'ssim';
  const [x, y] = checkImagePair(fn, a, b);
  const opts = checkOptions<SsimOptions>(fn, 'options', options);
  const maxVal = checkMaxVal(fn, opts.maxVal);
  const settings = checkSsimWindow(fn, opts);
  const [, h, w] = x.shape;
  if (h < settings.windowSize || w < settings.windowSize) {
    throw new Error(
      `${fn}: images must be at least ${settings.windowSize}×${settings.windowSize} (windowSize), got ${h}×${w}.`,
    );
  }
  const r = (settings.windowSize - 1) / 2;
  const mask = checkMask(fn, opts.mask, x.shape, r);
  return tf.tidy(() => {
    const scale = 1 / maxVal;
    const map = ssimMaps(tf.mul(tf.cast(x, 'float32'), scale), tf.mul(tf.cast(y, 'float32'), scale), settings).ssim;
    if (mask === undefined) return tf.mean(map, [1, 2, 3]) as tf.Tensor1D;
    const centres = tf.slice(mask, [0, r, r, 0], [-1, h - 2 * r, w - 2 * r, 1]);
    const weighted = tf.sum(tf.mul(map, centres), [1, 2, 3]);
    return tf.div(weighted, tf.mul(tf.sum(centres, [1, 2, 3]), x.shape[3])) as tf.Tensor1D;
  });
}
