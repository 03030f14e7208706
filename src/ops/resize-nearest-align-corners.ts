import * as tf from '@tensorflow/tfjs-core';

/** Source index of each output index: TF 1.x resize_nearest_neighbor with align_corners=True. */
function sourceIndices(inSize: number, outSize: number): number[] {
  const scale = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  return Array.from({ length: outSize }, (_, i) => Math.min(inSize - 1, Math.round(i * scale)));
}

/**
 * Nearest-neighbour resize with TF 1.x `align_corners=True` semantics (corner pixels map to corner
 * pixels; source index round(i * (in - 1) / (out - 1))), as neuralgym's `resize_mask_like` uses
 * to bring DeepFill v2's mask to feature resolution. Implemented with gathers, so it is
 * differentiable and gives identical results on every backend.
 *
 * Input shape: [batch, h, w, c]. Output shape: [batch, size[0], size[1], c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const small = ops.resizeNearestAlignCorners(tf.ones([1, 256, 256, 1]), [64, 64]); // [1, 64, 64, 1]
 * ```
 * @throws Error when x is not rank 4 or the size is not two positive integers.
 */
export function resizeNearestAlignCorners(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  if (x.rank !== 4) {
    throw new Error(`resizeNearestAlignCorners: x must be rank 4 (NHWC), got shape [${x.shape.join(', ')}].`);
  }
  if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => Number.isInteger(s) && s > 0)) {
    throw new Error(`resizeNearestAlignCorners: size must be two positive integers, got ${JSON.stringify(size)}.`);
  }
  const [, h, w] = x.shape;
  return tf.tidy(() => {
    const rows = tf.gather(x, sourceIndices(h, size[0]), 1);
    return tf.gather(rows, sourceIndices(w, size[1]), 2) as tf.Tensor4D;
  });
}
