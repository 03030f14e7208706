import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends } from '../harness/backends';
import { totalVariationLoss } from '../../src/losses';
import { cases, close, t4, value } from './helpers';

const c = cases.tv;

describeBackends('totalVariationLoss', () => {
  it('matches the PyTorch formulas for l1/l2 with mean/sum reductions', () => {
    const x = t4(c.x);
    const before = tf.memory().numTensors;
    expect(close(value(totalVariationLoss(x)), c.l1_mean)).toBe(true);
    for (const mode of ['l1', 'l2'] as const) {
      for (const reduction of ['mean', 'sum'] as const) {
        expect(
          close(value(totalVariationLoss(x, { mode, reduction })), c[`${mode}_${reduction}`]),
          `${mode} ${reduction}`,
        ).toBe(true);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('rejects unknown modes and too small images', () => {
    const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const thin = tf.zeros([1, 1, 4, 3]) as tf.Tensor4D;
    // @ts-expect-error bad mode
    expect(() => totalVariationLoss(x, { mode: 'isotropic' })).toThrow(
      /unknown mode 'isotropic'; valid values are 'l1', 'l2'/,
    );
    expect(() => totalVariationLoss(thin)).toThrow(/height and width >= 2, got shape \[1, 1, 4, 3\]/);
    tf.dispose([x, thin]);
  });
});
