import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { instanceMeanPool } from '../../ops/instance-mean-pool';

/**
 * pix2pixHD's instance-wise average pooling as a two-input layer (the math is
 * {@link instanceMeanPool}): each pixel of the features becomes the mean over its instance.
 * No weights. The feature encoder ends with it.
 *
 * Inputs: [features [batch, h, w, c], instanceMap [batch, h, w, 1]]. Output: [batch, h, w, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { InstanceMeanPooling } from './instance-mean-pooling';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const y = new InstanceMeanPooling().apply([tf.ones([1, 4, 4, 3]), tf.zeros([1, 4, 4, 1])]) as tf.Tensor; // [1, 4, 4, 3]
 * ```
 * @internal
 */
export class InstanceMeanPooling extends tfl.layers.Layer {
  static className = 'InstanceMeanPooling';

  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new Error('InstanceMeanPooling: expected two inputs [features, instanceMap].');
      }
      return instanceMeanPool(inputs[0] as tf.Tensor4D, inputs[1] as tf.Tensor4D);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (inputShape as tfl.Shape[])[0]!;
  }
}

/**
 * Creates an {@link InstanceMeanPooling} layer.
 *
 * Inputs: [features [batch, h, w, c], instanceMap [batch, h, w, 1]]. Output: [batch, h, w, c].
 *
 * @example
 * ```ts
 * import { instanceMeanPooling } from './instance-mean-pooling';
 * const pool = instanceMeanPooling({ name: 'instance_mean_pool' });
 * ```
 * @internal
 */
export function instanceMeanPooling(args: { name?: string } = {}): InstanceMeanPooling {
  return new InstanceMeanPooling(args);
}
