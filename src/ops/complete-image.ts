import * as tf from '@tensorflow/tfjs-core';

/**
 * Pastes an inpainting prediction into the holes of an image: `prediction * mask +
 * image * (1 - mask)` (the final step of DeepFill v2, Yu et al. 2019, "Free-Form Image
 * Inpainting with Gated Convolution", https://arxiv.org/abs/1806.03589). Where the mask is 0 the
 * result is the input image exactly; where it is 1, the prediction.
 *
 * Shapes: image and prediction [batch, h, w, c]; mask [batch or 1, h, w, 1] (1 = hole), broadcast
 * over channels. Output: [batch, h, w, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const image = tf.zeros<tf.Rank.R4>([1, 8, 8, 3]);
 * const mask = tf.pad(tf.ones<tf.Rank.R4>([1, 4, 4, 1]), [[0, 0], [2, 2], [2, 2], [0, 0]]);
 * const completed = ops.completeImage(image, mask, tf.ones<tf.Rank.R4>([1, 8, 8, 3])); // ones inside the hole
 * ```
 * @throws Error naming the argument when shapes do not match.
 */
export function completeImage(image: tf.Tensor4D, mask: tf.Tensor4D, prediction: tf.Tensor4D): tf.Tensor4D {
  const shape = (t: tf.Tensor): string => `[${t.shape.join(', ')}]`;
  if (image.rank !== 4) throw new Error(`completeImage: image must be rank 4 (NHWC), got shape ${shape(image)}.`);
  if (prediction.rank !== 4 || prediction.shape.some((d, i) => d !== image.shape[i])) {
    throw new Error(`completeImage: prediction must have the image's shape ${shape(image)}, got ${shape(prediction)}.`);
  }
  const [n, h, w] = image.shape;
  if (
    mask.rank !== 4 ||
    mask.shape[1] !== h ||
    mask.shape[2] !== w ||
    mask.shape[3] !== 1 ||
    (mask.shape[0] !== n && mask.shape[0] !== 1)
  ) {
    throw new Error(`completeImage: mask must have shape [${n} or 1, ${h}, ${w}, 1], got ${shape(mask)}.`);
  }
  return tf.tidy(() => tf.add(tf.mul(prediction, mask), tf.mul(image, tf.sub(1, mask))));
}
