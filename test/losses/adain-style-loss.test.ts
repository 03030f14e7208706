import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends } from '../harness/backends';
import { adainStyleLoss } from '../../src/losses';
import { cases, close, t4, value } from './helpers';

const c = cases.adain;

describeBackends('adainStyleLoss', () => {
  it('matches pytorch-AdaIN calc_style_loss summed over layers (style maps of another size)', () => {
    const gen = [t4(c.g1), t4(c.g2)];
    const sty = [t4(c.s1), t4(c.s2)];
    const before = tf.memory().numTensors;
    const got = value(adainStyleLoss(gen, sty));
    expect(close(got, c.value)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    // Differentiable with respect to the generated features.
    const g = tf.grad((x: tf.Tensor) => adainStyleLoss([x as tf.Tensor4D], [sty[0]!]))(gen[0]!);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([...gen, ...sty, g]);
  });

  it('rejects mismatched channels and 1x1 maps', () => {
    const a = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const b = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    const one = tf.zeros([1, 1, 1, 3]) as tf.Tensor4D;
    expect(() => adainStyleLoss([a], [b])).toThrow(/batch and channels, got \[1, 4, 4, 3\] and \[1, 4, 4, 2\]/);
    expect(() => adainStyleLoss([a], [one])).toThrow(/at least 2 pixels/);
    expect(() => adainStyleLoss([], [])).toThrow(/non-empty/);
    tf.dispose([a, b, one]);
  });
});
