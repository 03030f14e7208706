import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { resizeNearestAlignCorners } from '../../ops/resize-nearest-align-corners';
import type { Kwargs } from './kwargs';

/**
 * neuralgym's `resize_mask_like(mask, x)`: the mask resized to x's height and width, nearest
 * neighbour with align_corners=True ({@link resizeNearestAlignCorners}). DeepFill v2 uses it to
 * give contextual attention the mask at feature resolution (1/4).
 *
 * Inputs: [mask [batch, h, w, 1], x [batch, h', w', c]]. Output: [batch, h', w', 1].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { ResizeMaskLike } from './resize-mask-like';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const m = new ResizeMaskLike().apply([tf.ones([1, 32, 32, 1]), tf.zeros([1, 8, 8, 16])]) as tf.Tensor; // [1, 8, 8, 1]
 * ```
 * @internal
 */
export class ResizeMaskLike extends tfl.layers.Layer {
  static className = 'ResizeMaskLike';

  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new Error('ResizeMaskLike: expected two inputs [mask, x].');
      }
      const [mask, like] = inputs as tf.Tensor4D[];
      return resizeNearestAlignCorners(mask!, [like!.shape[1], like!.shape[2]]);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [mask, like] = inputShape as tfl.Shape[];
    return [mask![0] ?? null, like![1] ?? null, like![2] ?? null, mask![3] ?? null];
  }
}
