import * as tf from '@tensorflow/tfjs-core';
import { checkError } from '../core/checks';
import { checkAxis, checkTensor } from './internal/check-tensor';

/**
 * The instance-boundary map of pix2pixHD (`Pix2PixHDModel.get_edges`): 1 at every pixel whose
 * right, left, lower or upper neighbour has a different instance id, 0 elsewhere. pix2pixHD
 * concatenates it to the one-hot label map, so that the generator and the discriminator see where
 * two objects of the same class meet.
 *
 * Input: an instance map `[n, h, w, 1]` of integer ids (int32, or float32 holding integers, e.g.
 * Cityscapes' `gtFine_instanceIds`). Output: float32 `[n, h, w, 1]` of 0 and 1. Not
 * differentiable (the ids are labels).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const inst = tf.tensor4d([1, 1, 2, 1, 1, 2], [1, 2, 3, 1], 'int32');
 * ops.instanceEdges(inst).print(); // [[0, 1, 1], [0, 1, 1]] (as [1, 2, 3, 1])
 * ```
 */
export function instanceEdges(instanceMap: tf.Tensor4D): tf.Tensor4D {
  const owner = 'instanceEdges';
  checkTensor(owner, 'instanceMap', instanceMap, 4, '[n, h, w, 1]');
  checkAxis(owner, 'instanceMap', instanceMap, 3, 1, 'channel');
  if (instanceMap.dtype !== 'int32' && instanceMap.dtype !== 'float32') {
    throw checkError(owner, 'instanceMap', "of dtype 'int32' or 'float32'", instanceMap.dtype);
  }
  const [n, h, w] = instanceMap.shape;
  return tf.tidy(() => {
    let edge: tf.Tensor = tf.zeros([n, h, w, 1]);
    // get_edges marks both pixels of every differing neighbour pair along each axis.
    for (const axis of [2, 1] as const) {
      const size = instanceMap.shape[axis];
      if (size < 2) continue;
      const lengths: [number, number, number, number] = [n, h, w, 1];
      lengths[axis] = size - 1;
      const begin: [number, number, number, number] = [0, 0, 0, 0];
      const first = tf.slice(instanceMap, begin, lengths);
      begin[axis] = 1;
      const second = tf.slice(instanceMap, begin, lengths);
      const d = tf.cast(tf.notEqual(second, first), 'float32');
      for (const side of [0, 1]) {
        const pads: [number, number][] = [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ];
        pads[axis] = side === 0 ? [1, 0] : [0, 1];
        edge = tf.maximum(edge, tf.pad(d, pads));
      }
    }
    return edge as tf.Tensor4D;
  });
}
