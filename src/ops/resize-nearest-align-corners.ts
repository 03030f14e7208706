import * as tf from '@tensorflow/tfjs-core';

/**
 * Source index of each output index of a nearest resize with align_corners=True:
 * round(i * (in - 1) / (out - 1)), exact .5 ties rounded up, in integer arithmetic (exact for any
 * size a tensor can have), so every caller gets the same indices.
 *
 * Porting note: TF 1.x (`roundf` of a float32 product) and deepfillv2-pytorch's
 * `downsampling_nn_tf` (float32 `torch.linspace`, + 0.5, floor) mean the same rounding but compute
 * it in float32, which puts a few exact ties just below .5: the port rounds 65 of them down
 * for in / out = 2 and 21 for in / out = 8 among all sizes up to 2048 (the first, 198 -> 99 at
 * i = 49: 98.5 -> 98, here 99). Every other index agrees (test/fixtures/models/deepfillv2_pytorch).
 * @internal
 */
export function alignCornersSourceIndices(inSize: number, outSize: number): number[] {
  if (outSize <= 1) return Array.from({ length: outSize }, () => 0);
  const num = inSize - 1;
  const den = outSize - 1;
  // floor(i * num / den + 1/2) = floor((2 i num + den) / (2 den)); operands stay far below 2^53.
  return Array.from({ length: outSize }, (_, i) => Math.min(inSize - 1, Math.floor((2 * i * num + den) / (2 * den))));
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
    const rows = tf.gather(x, alignCornersSourceIndices(h, size[0]), 1);
    return tf.gather(rows, alignCornersSourceIndices(w, size[1]), 2) as tf.Tensor4D;
  });
}
