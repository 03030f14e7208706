import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { featureStatistics } from '../../src/metrics/feature-statistics';
import { frechetDistance } from '../../src/metrics/frechet-distance';
import { describeBackends } from '../harness/backends';
import { fixture, relativeError, VALUES } from './fixture';

describeBackends('frechetDistance', () => {
  it('is within 1e-3 relative of pytorch-fid / scipy.linalg.sqrtm on the same features', async () => {
    const a = fixture<tf.Tensor2D>('features_a');
    const b = fixture<tf.Tensor2D>('features_b');
    const before = tf.memory().numTensors;
    const got = await frechetDistance(a, b);
    expect(tf.memory().numTensors).toBe(before);
    expect(relativeError(got, VALUES.fid!)).toBeLessThan(1e-3);
    // Symmetric, and 0 for a set against itself (scipy: -7e-13).
    expect(relativeError(await frechetDistance(b, a), VALUES.fid!)).toBeLessThan(1e-3);
    expect(Math.abs(await frechetDistance(a, a))).toBeLessThan(1e-6);
    tf.dispose([a, b]);
  });

  it('takes precomputed statistics, equal to numpy mean and cov', async () => {
    const a = fixture<tf.Tensor2D>('features_a');
    const b = fixture<tf.Tensor2D>('features_b');
    const stats = await featureStatistics(a);
    const mean = fixture('stats_a_mean').dataSync();
    const cov = fixture('stats_a_cov').dataSync();
    for (let i = 0; i < mean.length; i++) expect(Math.abs(stats.mean[i]! - mean[i]!)).toBeLessThan(1e-5);
    for (let i = 0; i < cov.length; i++) expect(Math.abs(stats.covariance[i]! - cov[i]!)).toBeLessThan(1e-4);
    expect(relativeError(await frechetDistance(stats, b), VALUES.fid!)).toBeLessThan(1e-3);
  });

  it('handles a singular covariance (a constant feature) through the eigen path', async () => {
    // Column 2 of a is constant, so Σa = blockdiag(Σa', 0) and the distance splits exactly into
    // the distance of the first two columns (Cholesky path) plus column 2's mean gap and b's variance.
    const r = tf.randomNormal([60, 3], 0, 1, 'float32', 5) as tf.Tensor2D;
    const a = tf.concat([tf.slice(r, [0, 0], [-1, 2]), tf.fill([60, 1], 0.5)], 1) as tf.Tensor2D;
    const b = tf.randomNormal([60, 3], 0.2, 1.3, 'float32', 6) as tf.Tensor2D;
    const full = await frechetDistance(a, b);
    const head = await frechetDistance(
      tf.slice(a, [0, 0], [-1, 2]) as tf.Tensor2D,
      tf.slice(b, [0, 0], [-1, 2]) as tf.Tensor2D,
    );
    const sb = await featureStatistics(b);
    const expected = head + (0.5 - sb.mean[2]!) ** 2 + sb.covariance[8]!;
    expect(relativeError(full, expected)).toBeLessThan(1e-6);
  });

  it('says how many samples a full-rank covariance needs', async () => {
    const few = tf.zeros([10, 16]) as tf.Tensor2D;
    const ok = tf.randomNormal([40, 16], 0, 1, 'float32', 1) as tf.Tensor2D;
    await expect(frechetDistance(few, ok)).rejects.toThrow(
      /frechetDistance: a has 10 samples of 16 features; a full-rank covariance needs at least 17 \(d \+ 1\) samples/,
    );
    await expect(frechetDistance(ok, tf.zeros([40, 8]) as tf.Tensor2D)).rejects.toThrow(
      /same number of features, got 16 and 8/,
    );
    await expect(frechetDistance(ok, null as never)).rejects.toThrow(
      /b must be a \[samples, features\] tf.Tensor or FeatureStatistics/,
    );
    await expect(
      frechetDistance(ok, { dim: 16, count: 40, mean: new Float64Array(3), covariance: new Float64Array(256) }),
    ).rejects.toThrow(/b.mean must be a Float64Array of length 16/);
    const nan = tf.tensor2d(
      Array.from({ length: 40 * 16 }, (_, i) => (i === 7 ? Number.NaN : i % 5)),
      [40, 16],
    );
    await expect(frechetDistance(nan, ok)).rejects.toThrow(/features must hold finite values, got NaN at index 7/);
    await expect(frechetDistance(tf.zeros([40, 5000]) as tf.Tensor2D, ok)).rejects.toThrow(
      /5000 features; at most 4096/,
    );
  });
});
