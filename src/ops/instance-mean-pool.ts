import * as tf from '@tensorflow/tfjs-core';
import { checkError } from '../core/checks';
import { checkAxis, checkTensor, formatShape } from './internal/check-tensor';

/**
 * Instance-wise average pooling, the last step of pix2pixHD's feature `Encoder`: every pixel of
 * `features` is replaced, channel by channel, by the mean of `features` over all pixels of the same
 * image that carry the same instance id. The result is constant inside each instance.
 *
 * Inputs: `features` `[n, h, w, c]` (float32) and `instanceMap` `[n, h, w, 1]` of integer ids
 * (int32, or float32 holding integers), same n, h and w. Output: `[n, h, w, c]`. Differentiable
 * with respect to `features` (each pixel's gradient is spread evenly over its instance).
 *
 * The ids are read synchronously (`dataSync`), because the number of instances decides the
 * shape of the computation; the work and memory are bounded by the size of the map.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const f = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
 * const inst = tf.tensor4d([7, 7, 7, 9], [1, 2, 2, 1], 'int32');
 * ops.instanceMeanPool(f, inst).print(); // [[2, 2], [2, 4]] (as [1, 2, 2, 1])
 * ```
 */
export function instanceMeanPool(features: tf.Tensor4D, instanceMap: tf.Tensor4D): tf.Tensor4D {
  const owner = 'instanceMeanPool';
  checkTensor(owner, 'features', features, 4, '[n, h, w, c]');
  checkTensor(owner, 'instanceMap', instanceMap, 4, '[n, h, w, 1]');
  checkAxis(owner, 'instanceMap', instanceMap, 3, 1, 'channel');
  if (instanceMap.dtype !== 'int32' && instanceMap.dtype !== 'float32') {
    throw checkError(owner, 'instanceMap', "of dtype 'int32' or 'float32'", instanceMap.dtype);
  }
  const [n, h, w, c] = features.shape;
  if (instanceMap.shape[0] !== n || instanceMap.shape[1] !== h || instanceMap.shape[2] !== w) {
    throw new Error(
      `${owner}: instanceMap must have the batch size, height and width of features ${formatShape(features.shape)}, got shape ${formatShape(instanceMap.shape)}.`,
    );
  }
  const ids = instanceMap.dataSync();
  const segments = new Int32Array(ids.length);
  const counts: number[] = [];
  const perImage = h * w;
  for (let b = 0; b < n; b++) {
    const index = new Map<number, number>();
    for (let i = b * perImage; i < (b + 1) * perImage; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id)) {
        throw new Error(`${owner}: instanceMap must hold integer ids, got ${id} at flat index ${i}.`);
      }
      let s = index.get(id);
      if (s === undefined) {
        s = counts.length;
        index.set(id, s);
        counts.push(0);
      }
      counts[s]! += 1;
      segments[i] = s;
    }
  }
  return tf.tidy(() => {
    const flat = tf.reshape(features, [n * h * w, c]);
    const seg = tf.tensor1d(segments, 'int32');
    const sums = tf.unsortedSegmentSum(flat, seg, counts.length);
    const means = tf.div(sums, tf.tensor2d(counts, [counts.length, 1]));
    return tf.reshape(tf.gather(means, seg), [n, h, w, c]) as tf.Tensor4D;
  });
}
