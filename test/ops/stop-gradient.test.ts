// stopGradient: identity forward (bit-exact, any rank), zero gradient backward, nothing leaks.
// PyTorch's counterpart is `.detach()`, which has no value to compare: defining properties only.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { stopGradient } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { expectOnlyOutputsRemain } from '../harness/op-conformance';

describeBackends('stopGradient', () => {
  it('returns a new tensor with the same values and shape, for rank 0 to 4', async () => {
    for (const shape of [[], [5], [2, 3], [2, 1, 3], [1, 2, 3, 2]]) {
      const x = tf.randomNormal(shape, 0, 1, 'float32', shape.length);
      const y = stopGradient(x);
      expect(y).not.toBe(x);
      expect(y.shape).toEqual(x.shape);
      expect(Array.from(await y.data())).toEqual(Array.from(await x.data()));
      tf.dispose([x, y]);
    }
  });

  it('stopGradient passes values and blocks gradients', async () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, stopGradient(x))));
    const x = tf.tensor1d([1, -2, 3]);
    const gx = g(x);
    expect(Array.from(await gx.data())).toEqual([1, -2, 3]);
    tf.dispose([x, gx]);
  });

  it('the gradient through it alone is zero, and leaves nothing behind', async () => {
    const x = tf.variable(tf.randomNormal([2, 3], 0, 1, 'float32', 9));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(stopGradient(x))) as tf.Scalar, [x]);
    expect(Array.from(await grads[x.name]!.data())).toEqual(new Array(6).fill(0));
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    expectOnlyOutputsRemain(() => stopGradient(x));
    x.dispose();
  });
});
