import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { kernelDistance } from '../../src/metrics/kernel-distance';
import { describeBackends } from '../harness/backends';
import { fixture, relativeError, VALUES } from './fixture';

describeBackends('kernelDistance', () => {
  it('equals the unbiased polynomial MMD of numpy when one subset holds every sample', async () => {
    const a = fixture<tf.Tensor2D>('features_a');
    const b = fixture<tf.Tensor2D>('features_b');
    const before = tf.memory().numTensors;
    const { mean, std } = await kernelDistance(a, b, { subsets: 1, subsetSize: 300 });
    expect(tf.memory().numTensors).toBe(before);
    expect(relativeError(mean, VALUES.kid_full!)).toBeLessThan(1e-4);
    expect(std).toBe(0);
  });

  it('is reproducible with a seed, near 0 for two samples of one distribution, and larger for different ones', async () => {
    const a = fixture<tf.Tensor2D>('features_a');
    const b = fixture<tf.Tensor2D>('features_b');
    const first = await kernelDistance(a, b, { subsets: 8, subsetSize: 100, seed: 3 });
    expect(await kernelDistance(a, b, { subsets: 8, subsetSize: 100, seed: 3 })).toEqual(first);
    const same1 = tf.slice(a, [0, 0], [150, -1]) as tf.Tensor2D;
    const same2 = tf.slice(a, [150, 0], [150, -1]) as tf.Tensor2D;
    const same = await kernelDistance(same1, same2, { subsets: 8, subsetSize: 100, seed: 3 });
    expect(Math.abs(same.mean)).toBeLessThan(first.mean / 10);
    expect(first.mean).toBeGreaterThan(3 * first.std);
  });

  it('rejects bad arguments', async () => {
    const a = tf.zeros([10, 4]) as tf.Tensor2D;
    await expect(kernelDistance(a, tf.zeros([10, 5]) as tf.Tensor2D)).rejects.toThrow(
      /same number of features, got 4 and 5/,
    );
    await expect(kernelDistance(a, tf.zeros([1, 4]) as tf.Tensor2D)).rejects.toThrow(
      /b needs at least 2 samples, got 1/,
    );
    await expect(kernelDistance(a, a, { subsets: 0 })).rejects.toThrow(/subsets must be a positive integer/);
    await expect(kernelDistance(a, a, { subsetSize: 1 })).rejects.toThrow(/subsetSize must be at least 2/);
    await expect(kernelDistance(a, a, { seed: -1 })).rejects.toThrow(/seed/);
    const c = new AbortController();
    c.abort(new Error('stop'));
    await expect(kernelDistance(a, a, { signal: c.signal })).rejects.toThrow('stop');
  });
});
