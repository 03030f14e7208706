// instanceMeanPool: per-image, per-instance means (upstream Encoder parity, with gradients, is in
// test/models/pix2pixhd.test.ts), an id present in one image only, gradients, bad input.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { instanceMeanPool } from '../../src/ops';
import { describeBackends } from '../harness/backends';

describeBackends('instanceMeanPool', () => {
  it('averages each instance of each image separately', async () => {
    const before = tf.memory().numTensors;
    // Two images, 2x2, two channels; id 5 appears in both images, id 9 only in the second.
    const f = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60, 7, 70, 8, 80], [2, 2, 2, 2]);
    const inst = tf.tensor4d([5, 5, 5, 6, 9, 9, 5, 5], [2, 2, 2, 1], 'int32');
    const y = instanceMeanPool(f, inst);
    expect(Array.from(await y.data())).toEqual([2, 20, 2, 20, 2, 20, 4, 40, 5.5, 55, 5.5, 55, 7.5, 75, 7.5, 75]);
    // d/df sum(y * w) spreads each instance's summed weight evenly over its pixels.
    const w = tf.tensor4d([1, 0, 2, 0, 3, 0, 4, 0, 1, 1, 1, 1, 0, 2, 0, 2], [2, 2, 2, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(instanceMeanPool(t as tf.Tensor4D, inst), w)))(f);
    expect(Array.from(await g.data())).toEqual([2, 0, 2, 0, 2, 0, 4, 0, 1, 1, 1, 1, 0, 2, 0, 2]);
    tf.dispose([f, inst, y, w, g]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mismatched, non-integer and wrongly typed instance maps', () => {
    const f = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const small = tf.zeros([1, 4, 3, 1], 'int32');
    const nan = tf.fill([1, 4, 4, 1], Number.NaN);
    const before = tf.memory().numTensors;
    expect(() => instanceMeanPool(f, small as tf.Tensor4D)).toThrow(
      /instanceMeanPool: instanceMap must have the batch size, height and width of features \[1, 4, 4, 3\], got shape \[1, 4, 3, 1\]/,
    );
    expect(() => instanceMeanPool(f, nan as tf.Tensor4D)).toThrow(
      /instanceMap must hold integer ids, got NaN at flat index 0/,
    );
    expect(() => instanceMeanPool(f, f as tf.Tensor4D)).toThrow(/instanceMap must have 1 channel in axis 3/);
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => instanceMeanPool(undefined, small)).toThrow(
      /instanceMeanPool: features must be a tf.Tensor, got undefined/,
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([f, small, nan]);
  });
});
