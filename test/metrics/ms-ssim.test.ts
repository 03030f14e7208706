import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { msSsim } from '../../src/metrics/ms-ssim';
import { describeBackends } from '../harness/backends';
import { fixture, VALUES } from './fixture';

describeBackends('msSsim', () => {
  it('is within 1e-4 of msssim.m on odd and even sizes', () => {
    const ref = fixture<tf.Tensor4D>('ms_ref'); // 170 × 184: odd sizes appear at coarser scales
    for (const name of ['noisy', 'blurred']) {
      const img = fixture<tf.Tensor4D>(`ms_${name}`);
      const before = tf.memory().numTensors;
      const result = msSsim(ref, img);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(Math.abs(result.dataSync()[0]! - VALUES[`msssim_${name}`]!)).toBeLessThan(1e-4);
      result.dispose();
    }
    expect(msSsim(ref, ref).dataSync()[0]).toBeCloseTo(1, 5);
  });

  it('says which size the scales need, and checks the weights', () => {
    const a = tf.zeros([1, 160, 200, 1]) as tf.Tensor4D;
    expect(() => msSsim(a, a)).toThrow(
      /msSsim: images must be at least 161×161 for 5 scales of a 11-pixel window, got 160×200/,
    );
    expect(() => msSsim(a, a, { weights: [0.5, 0.5] })).not.toThrow();
    expect(() => msSsim(a, a, { weights: [] })).toThrow(/weights must be an array of 1 to 8 numbers/);
    expect(() => msSsim(a, a, { weights: [0.5, Number.NaN] })).toThrow(
      /msSsim: weights\[1\] must be a finite number >= 0/,
    );
  });
});
