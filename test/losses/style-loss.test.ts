import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends } from '../harness/backends';
import { contentLoss, gramMatrix, GRAM_NORMALIZATIONS, styleLoss } from '../../src/losses';
import { cases, close, maxAbsDiff, t4, value } from './helpers';

const s = cases.style;

describeBackends('gramMatrix, styleLoss, contentLoss', () => {
  it('gramMatrix matches PyTorch bmm(F, F^T) for each normalisation', () => {
    const g1 = t4(s.g1);
    for (const normalize of GRAM_NORMALIZATIONS) {
      const g = gramMatrix(g1, { normalize });
      const ref = s[`gram_g1_${normalize}`];
      expect(g.shape).toEqual(ref.shape);
      const scale = Math.max(...ref.data.map(Math.abs));
      expect(maxAbsDiff(g, ref.data)).toBeLessThan(1e-6 * Math.max(1, scale));
      g.dispose();
    }
    g1.dispose();
  });

  it('styleLoss matches PyTorch, with and without layer weights, for chw, paper and none', () => {
    const gen = [t4(s.g1), t4(s.g2)];
    const sty = [t4(s.s1), t4(s.s2)];
    const before = tf.memory().numTensors;
    for (const normalize of GRAM_NORMALIZATIONS) {
      expect(close(value(styleLoss(gen, sty, { normalize })), s[`style_${normalize}_unweighted`]), normalize).toBe(
        true,
      );
      const w = value(styleLoss(gen, sty, { normalize, weights: s.weights }));
      expect(close(w, s[`style_${normalize}_weighted`]), normalize).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...gen, ...sty]);
  });

  it('contentLoss matches PyTorch mse_loss and the paper 1/2 sum', () => {
    const a = t4(s.g1);
    const b = t4(s.s1);
    expect(close(value(contentLoss(a, b)), s.content_mse)).toBe(true);
    expect(close(value(contentLoss(a, b, { reduction: 'paper' })), s.content_paper)).toBe(true);
    tf.dispose([a, b]);
  });

  it('rejects bad input with clear errors', () => {
    const a = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const b = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    // @ts-expect-error bad option
    expect(() => gramMatrix(a, { normalize: 'bchw' })).toThrow(
      /gramMatrix: unknown normalize 'bchw'; valid values are 'chw', 'paper', 'none'/,
    );
    expect(() => gramMatrix(tf.zeros([4, 4, 3]) as unknown as tf.Tensor4D)).toThrow(/rank 4/);
    expect(() => styleLoss([a], [b])).toThrow(/genFeatures\[0\] \[1, 4, 4, 3\] and styleFeatures\[0\] \[1, 4, 4, 2\]/);
    expect(() => styleLoss([a], [a, a])).toThrow(/same length, got 1 and 2/);
    expect(() => styleLoss([a], [a], { weights: [1, 2] })).toThrow(/one entry per layer/);
    expect(() => contentLoss(a, b)).toThrow(/genFeatures \[1, 4, 4, 3\] and targetFeatures \[1, 4, 4, 2\]/);
    // @ts-expect-error bad option
    expect(() => contentLoss(a, a, { reduction: 'sum' })).toThrow(/valid values are 'mean', 'paper'/);
    tf.dispose([a, b]);
  });
});
