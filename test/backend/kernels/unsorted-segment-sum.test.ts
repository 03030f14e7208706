import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBothBackends, onBothBackends, relativeError, seeded } from './compare-backends';

describe('UnsortedSegmentSum and the gather gradient on wasm equal cpu', () => {
  beforeAll(initBothBackends);

  it.each([
    { shape: [10, 4], indices: [3, 0, 3, 9, 3, 1], axis: 0 },
    { shape: [5, 7, 3], indices: [6, 6, 0, 2, 6], axis: 1 },
    { shape: [2, 3, 8], indices: [7, 0, 0, 7, 5, 5, 1], axis: 2 },
    { shape: [6], indices: [5, 5, 5, 0], axis: 0 },
  ])('gradient of gather, x $shape axis $axis', async ({ shape, indices, axis }) => {
    const { cpu, wasm } = await onBothBackends(() => {
      const x = seeded(shape, 21);
      const loss = (v: tf.Tensor) => {
        const g = tf.gather(v, tf.tensor1d(indices, 'int32'), axis);
        return tf.sum(tf.mul(g, seeded(g.shape, 22)));
      };
      return tf.grad(loss)(x);
    });
    expect(relativeError(wasm[0]!, cpu[0]!)).toBeLessThanOrEqual(1e-6);
  });

  it('skips ids outside [0, numSegments) as cpu does, and keeps int32', async () => {
    const { cpu, wasm } = await onBothBackends(() => [
      tf.unsortedSegmentSum(seeded([6, 2], 23), tf.tensor1d([2, -1, 0, 4, 2, 1], 'int32'), 3),
      tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([1, 0, 1, 1], 'int32'), 2),
    ]);
    expect(relativeError(wasm[0]!, cpu[0]!)).toBeLessThanOrEqual(1e-6);
    expect(Array.from(wasm[1]!)).toEqual([2, 8]);
    expect(Array.from(cpu[1]!)).toEqual([2, 8]);
  });
});
