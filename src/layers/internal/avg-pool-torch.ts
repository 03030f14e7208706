import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { formatShape, singleInput, singleShape } from './shapes';
import type { Kwargs } from './kwargs';

/**
 * PyTorch's `F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=False)`, the
 * downsampling between the scales of the pix2pixHD / SPADE multi-scale discriminator: every
 * window averages only the pixels inside the image.
 *
 * Computed as avgPool(pad(x)) / avgPool(pad(ones)) with zero padding 1 and 'valid' pooling, so
 * the window grid is PyTorch's (tfjs 'same' would pad 0 before and 1 after on even sizes).
 *
 * Input shape: [batch, h, w, c]. Output shape: [batch, floor((h - 1) / 2) + 1, floor((w - 1) / 2) + 1, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { AvgPoolTorch } from './avg-pool-torch';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const y = new AvgPoolTorch().apply(tf.ones([1, 9, 8, 2])) as tf.Tensor; // [1, 5, 4, 2], all ones
 * ```
 * @internal
 */
export class AvgPoolTorch extends tfl.layers.Layer {
  static className = 'AvgPoolTorch';

  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      if (x.rank !== 4)
        throw new Error(`AvgPoolTorch: expected a rank-4 NHWC input, got shape ${formatShape(x.shape)}.`);
      const pad: [number, number][] = [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ];
      const sums = tf.avgPool(tf.pad(x as tf.Tensor4D, pad), 3, 2, 'valid');
      const [, h, w] = x.shape as number[];
      const counts = tf.avgPool(tf.pad(tf.ones([1, h!, w!, 1]) as tf.Tensor4D, pad), 3, 2, 'valid');
      return tf.div(sums, counts);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = singleShape(inputShape);
    const down = (n: number | null | undefined) => (n == null ? null : Math.floor((n - 1) / 2) + 1);
    return [s[0] ?? null, down(s[1]), down(s[2]), s[3] ?? null];
  }
}
