import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends } from '../harness/backends';
import { cosineDecay, linearDecay, setLearningRateFactor, stepDecay } from '../../src/training';
import { cases } from '../losses/helpers';

const ref = cases.schedules;

/** Max abs difference between schedule(1..n) and PyTorch's learning rates per epoch. */
function diff(schedule: (e: number) => number, expected: number[]): number {
  return Math.max(...expected.map((v, i) => Math.abs(schedule(i + 1) - v)));
}

describeBackends('LR schedules', () => {
  it('linearDecay gives the reference factors (1.0 to 99, 0.990099, 0.495050, 0.009901, 0)', () => {
    const f = linearDecay();
    for (let e = 1; e <= 99; e++) expect(f(e)).toBe(1);
    expect(f(100)).toBeCloseTo(0.990099, 6);
    expect(f(150)).toBeCloseTo(0.49505, 6);
    expect(f(199)).toBeCloseTo(0.009901, 6);
    expect(f(200)).toBe(0);
    expect(f(250)).toBe(0);
  });

  it('match PyTorch LambdaLR / StepLR / CosineAnnealingLR stepped once per epoch', () => {
    expect(diff(linearDecay(), ref.linear)).toBeLessThan(1e-12);
    expect(diff(linearDecay({ nEpochs: 50, nEpochsDecay: 30 }), ref.linear_50_30_count_1)).toBeLessThan(1e-12);
    expect(diff(stepDecay(), ref.step_50_01)).toBeLessThan(1e-12);
    expect(diff(cosineDecay({ tMax: 100 }), ref.cosine_100)).toBeLessThan(1e-9);
    expect(diff(cosineDecay({ tMax: 40, etaMin: 0.1 }), ref.cosine_40_eta_01)).toBeLessThan(1e-9);
  });

  it('linearDecay with epochCount shifts the schedule as the reference (resume)', () => {
    expect(linearDecay({ epochCount: 51 })(50)).toBeCloseTo(0.990099, 6);
  });

  it('setLearningRateFactor changes an Adam step (and SGD) without resetting its moments', () => {
    const x = tf.variable(tf.tensor1d([1, -2, 3]));
    const opt = tf.train.adam(0.1, 0.5, 0.999);
    const loss = (): tf.Scalar => tf.sum(tf.square(x));
    opt.minimize(loss, false, [x]);
    const afterFirst = Array.from(x.dataSync());
    expect(setLearningRateFactor(opt, 0.1, 0.5)).toBeCloseTo(0.05, 12);
    expect(opt.getConfig()['learningRate']).toBeCloseTo(0.05, 12);
    opt.minimize(loss, false, [x]);
    // Reference second Adam step with lr 0.05 on f = sum(x^2), beta1 0.5, beta2 0.999, eps 1e-7.
    const x0 = [1, -2, 3];
    const expected = x0.map((v0, i) => {
      const g1 = 2 * v0;
      const x1 = afterFirst[i]!;
      const g2 = 2 * x1;
      const m = 0.5 * (0.5 * g1) + 0.5 * g2;
      const v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2;
      const mHat = m / (1 - 0.25);
      const vHat = v / (1 - 0.999 ** 2);
      return x1 - (0.05 * mHat) / (Math.sqrt(vHat) + 1e-7);
    });
    const got = Array.from(x.dataSync());
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 5));
    const sgd = tf.train.sgd(1);
    setLearningRateFactor(sgd, 1, 0.25);
    const y = tf.variable(tf.scalar(1));
    sgd.minimize(() => tf.mul(y, 2) as tf.Scalar, false, [y]);
    expect(y.dataSync()[0]).toBeCloseTo(0.5, 6);
    tf.dispose([x, y]);
    opt.dispose();
    sgd.dispose();
  });

  it('rejects bad arguments', () => {
    expect(() => linearDecay({ nEpochs: -1 })).toThrow(/linearDecay: nEpochs must be an integer >= 0, got -1/);
    expect(() => stepDecay({ stepSize: 0 })).toThrow(/stepDecay: stepSize/);
    expect(() => cosineDecay({ tMax: Number.NaN })).toThrow(/cosineDecay: tMax/);
    expect(() => linearDecay()(-1)).toThrow(/epoch/);
    expect(() => setLearningRateFactor({} as tf.Optimizer, 1, 1)).toThrow(
      /setLearningRateFactor: optimizer .* has no numeric learningRate/,
    );
  });
});
