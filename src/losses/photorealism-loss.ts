import * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '../core/checks';
import type { MattingLaplacian } from '../ops/matting-laplacian';

/**
 * The photorealism regulariser of Luan et al.'s Deep Photo Style Transfer (2017, eq. 3):
 * `weight · Σ_c V_c[O]ᵀ M_I V_c[O]`, with M_I the matting Laplacian of the input photo (built once
 * with `ops.mattingLaplacian`) and V_c[O] channel c of the output. It is zero when the output is
 * locally an affine colour transform of the input, so it keeps edges and structure of the photo
 * while the style loss changes colours. Its gradient is `2 · weight · M_I V[O]`, exact.
 *
 * Input: the Laplacian and the output image [1, h, w, c] of the Laplacian's size. Output: a scalar.
 *
 * Porting note: Luan et al. weight it with λ = 10⁴ for images in [0, 1] (their Torch code); the
 * default weight here is 1, so pass the λ you want.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, losses, ops } from 'tfjs-synth';
 * await initBackend();
 * const photo = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
 * const laplacian = ops.mattingLaplacian(photo);
 * // The photo itself is an affine function of its own colours: its cost is about 0.
 * console.log(losses.photorealismLoss(laplacian, photo).dataSync()[0] < 1e-3); // true
 * const noisy = tf.add(photo, tf.randomNormal(photo.shape, 0, 0.05, 'float32', 2)) as tf.Tensor4D;
 * console.log(losses.photorealismLoss(laplacian, noisy, { weight: 1e4 }).dataSync()[0] > 1); // true
 * laplacian.dispose();
 * ```
 */
export function photorealismLoss(
  laplacian: MattingLaplacian,
  output: tf.Tensor4D,
  options: { weight?: number } = {},
): tf.Scalar {
  const owner = 'photorealismLoss';
  if (
    laplacian === null ||
    typeof laplacian !== 'object' ||
    typeof (laplacian as MattingLaplacian).quadraticForm !== 'function'
  ) {
    throw new Error(`${owner}: laplacian must be a MattingLaplacian from ops.mattingLaplacian.`);
  }
  const weight = options.weight === undefined ? 1 : checkNumber(owner, 'weight', options.weight, { min: 0 });
  return tf.tidy(() => tf.mul(laplacian.quadraticForm(output), weight) as tf.Scalar);
}
