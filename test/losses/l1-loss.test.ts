import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends } from '../harness/backends';
import { cycleConsistencyLoss, identityLoss, l1Loss } from '../../src/losses';
import { cases, close, t, value } from './helpers';

const c = cases.l1;

describeBackends('l1Loss, cycleConsistencyLoss, identityLoss', () => {
  it('match PyTorch L1Loss (mean) with the CycleGAN weights', () => {
    const a = t(c.a);
    const b = t(c.b);
    const before = tf.memory().numTensors;
    expect(close(value(l1Loss(a, b)), c.l1)).toBe(true);
    expect(close(value(cycleConsistencyLoss(a, b, 10)), c.cycle_lambda10)).toBe(true);
    expect(close(value(cycleConsistencyLoss(a, b)), c.cycle_lambda10)).toBe(true);
    expect(close(value(identityLoss(a, b, 10, 0.5)), c.identity_lambda10_weight05)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });

  it('name both shapes on a mismatch', () => {
    const a = tf.zeros([1, 4, 4, 3]);
    const b = tf.zeros([1, 4, 4, 1]);
    expect(() => l1Loss(a, b)).toThrow(
      'l1Loss: a and b must have the same shape, got a [1, 4, 4, 3] and b [1, 4, 4, 1].',
    );
    expect(() => cycleConsistencyLoss(a, b, 10)).toThrow(/reconstructed \[1, 4, 4, 3\] and original \[1, 4, 4, 1\]/);
    expect(() => identityLoss(a, b)).toThrow(/mapped \[1, 4, 4, 3\] and original \[1, 4, 4, 1\]/);
    expect(() => cycleConsistencyLoss(a, a, Number.NaN)).toThrow(/lambda must be a finite number/);
    tf.dispose([a, b]);
  });
});
