import * as tf from '@tensorflow/tfjs-core';

/**
 * Nearest-neighbour x2 upsampling by pixel repetition: out[i, j] = x[floor(i / 2), floor(j / 2)].
 * For a factor of 2 this equals DeepFill's `resize(..., align_corners=True)` on the sizes it uses
 * and PyTorch's `interpolate(scale_factor=2, mode='nearest')`.
 *
 * Written with `tf.stack` + `tf.reshape` rather than `tf.image.resizeNearestNeighbor` so that its
 * gradient only needs kernels every backend has.
 *
 * Input shape: [n, h, w, c]. Output shape: [n, 2h, 2w, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * ops.upsampleNearest2x(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1])).print(); // 4x4 blocks
 * ```
 */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  if (x.rank !== 4) {
    throw new Error(`upsampleNearest2x: expected a rank-4 NHWC tensor, got shape [${x.shape.join(', ')}].`);
  }
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const cols = tf.reshape(tf.stack([x, x], 3), [n, h, 2 * w, c]);
    return tf.reshape(tf.stack([cols, cols], 2), [n, 2 * h, 2 * w, c]);
  });
}
