// normalizeByMoments: values and gradients (x, gamma, beta) equal tfjs autodiff of the composed
// formula for batch-norm and instance-norm axes, with and without affine; the statistics carry
// no gradient; nothing leaks; and it keeps fewer tensors alive through a backward pass.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { normalizeByMoments } from '../../../src/ops/internal/normalize-moments';
import { describeBackends } from '../../harness/backends';
import { maxAbsDiff } from '../../harness/compare';

/** The textbook composition, differentiated by tfjs. */
function composed(x: tf.Tensor4D, axes: number[], eps: number, gamma?: tf.Tensor1D, beta?: tf.Tensor1D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, axes, true);
  let y: tf.Tensor4D = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  if (gamma) y = tf.mul(y, gamma);
  if (beta) y = tf.add(y, beta);
  return y;
}

describeBackends('normalizeByMoments', () => {
  const cases: [string, number[], boolean][] = [
    ['batch norm, affine', [0, 1, 2], true],
    ['batch norm, no affine', [0, 1, 2], false],
    ['instance norm, affine', [1, 2], true],
    ['instance norm, no affine', [1, 2], false],
  ];
  for (const [name, axes, affine] of cases) {
    it(`${name}: values and gradients equal autodiff of the composed ops (<= 1e-5)`, async () => {
      const before = tf.memory().numTensors;
      const x = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([2, 5, 3, 4], 0, 1, 'float32', 3), 2), 0.5)) as tf.Tensor4D;
      const gamma = tf.randomUniform([4], 0.5, 1.5, 'float32', 4) as tf.Tensor1D;
      const beta = tf.randomUniform([4], -1, 1, 'float32', 5) as tf.Tensor1D;
      // A non-uniform upstream gradient, so every term of the backward formula matters.
      const w = tf.randomNormal([2, 5, 3, 4], 0, 1, 'float32', 6);
      const loss = (f: (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor4D) =>
        tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(f(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D), w)),
        );
      const ours = (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) =>
        (affine
          ? normalizeByMoments(a, axes, 1e-5, g, b).y
          : tf.add(tf.add(normalizeByMoments(a, axes, 1e-5).y, tf.mul(g, 0)), tf.mul(b, 0))) as tf.Tensor4D;
      const ref = (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) =>
        (affine
          ? composed(a, axes, 1e-5, g, b)
          : tf.add(tf.add(composed(a, axes, 1e-5), tf.mul(g, 0)), tf.mul(b, 0))) as tf.Tensor4D;
      const gotY = tf.tidy(() => ours(x, gamma, beta));
      const wantY = tf.tidy(() => ref(x, gamma, beta));
      expect(await maxAbsDiff(gotY, wantY)).toBeLessThanOrEqual(1e-5);
      const got = loss(ours)([x, gamma, beta]);
      const want = loss(ref)([x, gamma, beta]);
      for (const [i, g] of got.entries())
        expect(await maxAbsDiff(g, want[i]!), `gradient ${i}`).toBeLessThanOrEqual(1e-5);
      // The dx of a normalisation is not trivially zero: the check above compares real values.
      expect(tf.tidy(() => tf.max(tf.abs(got[0]!)).dataSync()[0]!)).toBeGreaterThan(1e-2);
      tf.dispose([x, gamma, beta, w, gotY, wantY, ...got, ...want]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('returns the mean and biased variance over the axes, without gradient', async () => {
    const x = tf.randomNormal([2, 4, 4, 3], 1, 2, 'float32', 7) as tf.Tensor4D;
    const { y, mean, variance } = normalizeByMoments(x, [1, 2], 1e-5);
    const m = tf.moments(x, [1, 2], true);
    expect(mean.shape).toEqual([2, 1, 1, 3]);
    expect(await maxAbsDiff(mean, m.mean)).toBeLessThanOrEqual(1e-6);
    expect(await maxAbsDiff(variance, m.variance)).toBeLessThanOrEqual(1e-5);
    // The statistics are off the gradient tape: adding them to the loss changes no gradient.
    const w = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 9);
    const gradOf = (withStats: boolean) =>
      tf.grad((a: tf.Tensor) => {
        const r = normalizeByMoments(a as tf.Tensor4D, [1, 2], 1e-5);
        const base = tf.sum(tf.mul(r.y, w));
        return withStats ? tf.add(base, tf.add(tf.sum(r.mean), tf.sum(r.variance))) : base;
      })(x);
    const [g1, g2] = [gradOf(true), gradOf(false)];
    expect(await maxAbsDiff(g1, g2)).toBe(0);
    tf.dispose([x, y, mean, variance, m.mean, m.variance, w, g1, g2]);
  });

  it('keeps fewer bytes alive at the peak of a backward pass than the composed ops', async () => {
    const x = tf.randomNormal([1, 32, 32, 16], 0, 1, 'float32', 8) as tf.Tensor4D;
    const gamma = tf.ones([16]) as tf.Tensor1D;
    const beta = tf.zeros([16]) as tf.Tensor1D;
    const peak = async (f: (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor4D) => {
      const info = await tf.profile(() => {
        const gs = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.relu(f(tf.relu(a as tf.Tensor4D), g as tf.Tensor1D, b as tf.Tensor1D))),
        )([x, gamma, beta]);
        tf.dispose(gs);
      });
      return info.peakBytes - tf.memory().numBytes;
    };
    const ours = await peak((a, g, b) => normalizeByMoments(a, [0, 1, 2], 1e-5, g, b).y);
    const theirs = await peak((a, g, b) => composed(a, [0, 1, 2], 1e-5, g, b));
    // One activation is 64 KB here; the composed ops hold several more of them at the peak.
    expect(ours).toBeLessThan(theirs - 2 * 32 * 32 * 16 * 4);
    tf.dispose([x, gamma, beta]);
  });
});
