import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { completeImage } from '../../ops/complete-image';
import type { Kwargs } from './kwargs';

/**
 * Layer form of {@link completeImage}: `prediction * mask + image[..., :c] * (1 - mask)`. DeepFill
 * v2 uses it between its stages (the coarse result pasted into the holes is the refinement's
 * input), with its 5-channel network input as `image`: the first three channels of that are the
 * incomplete image, exactly the `xin[:, :, :, 0:3]` of the reference.
 *
 * Inputs: [prediction [batch, h, w, c], image [batch, h, w, c' >= c], mask [batch, h, w, 1]].
 * Output: [batch, h, w, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { MaskComposite } from './mask-composite';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const y = new MaskComposite().apply([tf.ones([1, 8, 8, 3]), tf.zeros([1, 8, 8, 3]), tf.ones([1, 8, 8, 1])]) as tf.Tensor;
 * ```
 * @internal
 */
export class MaskComposite extends tfl.layers.Layer {
  static className = 'MaskComposite';

  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 3) {
        throw new Error('MaskComposite: expected three inputs [prediction, image, mask].');
      }
      const [prediction, image, mask] = inputs as tf.Tensor4D[];
      const c = prediction!.shape[3];
      const rgb = image!.shape[3] > c ? tf.slice(image!, [0, 0, 0, 0], [-1, -1, -1, c]) : image!;
      return completeImage(rgb, mask!, prediction!);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return [...(inputShape as tfl.Shape[])[0]!];
  }
}
