import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gaussianTaps } from '../../src/metrics/internal/ssim-maps';
import { ssim } from '../../src/metrics/ssim';
import { describeBackends } from '../harness/backends';
import { fixture, VALUES } from './fixture';

it('the window is the normalised Gaussian of fspecial', () => {
  const taps = gaussianTaps(11, 1.5);
  expect(taps.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
  expect(taps[5]! / taps[4]!).toBeCloseTo(Math.exp(1 / (2 * 1.5 * 1.5)), 5);
  expect(taps[0]).toBeCloseTo(taps[10]!, 7);
});

describeBackends('ssim', () => {
  it('is within 1e-4 of ssim_index.m and scikit-image, masked too, at both data ranges', () => {
    const ref = fixture<tf.Tensor4D>('ref');
    const mask = fixture<tf.Tensor4D>('mask');
    for (const name of ['noisy', 'blurred', 'bright']) {
      const img = fixture<tf.Tensor4D>(name);
      const [ref255, img255] = [tf.mul(ref, 255) as tf.Tensor4D, tf.mul(img, 255) as tf.Tensor4D];
      const before = tf.memory().numTensors;
      const results = [ssim(ref, img), ssim(ref, img, { mask }), ssim(ref255, img255, { maxVal: 255 })];
      expect(tf.memory().numTensors).toBe(before + 3);
      const [plain, masked, bytes] = results.map((t) => t.dataSync()[0]!);
      tf.dispose(results);
      expect(Math.abs(plain! - VALUES[`ssim_${name}`]!)).toBeLessThan(1e-4);
      expect(Math.abs(plain! - VALUES[`skimage_ssim_${name}`]!)).toBeLessThan(1e-4);
      expect(Math.abs(masked! - VALUES[`masked_ssim_${name}`]!)).toBeLessThan(1e-4);
      expect(Math.abs(bytes! - VALUES[`ssim255_${name}`]!)).toBeLessThan(1e-4);
    }
  });

  it('is 1 for identical images and scores each image of a batch', () => {
    const a = tf.concat([fixture<tf.Tensor4D>('ref'), fixture<tf.Tensor4D>('ref')]);
    const b = tf.concat([fixture<tf.Tensor4D>('ref'), fixture<tf.Tensor4D>('blurred')]);
    const got = ssim(a, b).dataSync();
    expect(got[0]).toBeCloseTo(1, 5);
    expect(Math.abs(got[1]! - VALUES.ssim_blurred!)).toBeLessThan(1e-4);
  });

  it('rejects bad arguments before allocating', () => {
    const a = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    const small = tf.zeros([1, 10, 16, 3]) as tf.Tensor4D;
    const edgeOnly = tf.pad(
      tf.zeros([1, 6, 6, 1]),
      [
        [0, 0],
        [5, 5],
        [5, 5],
        [0, 0],
      ],
      1,
    ) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => ssim(small, small)).toThrow(/ssim: images must be at least 11×11 \(windowSize\), got 10×16/);
    expect(() => ssim(a, a, { windowSize: 8 })).toThrow(/ssim: windowSize must be odd/);
    expect(() => ssim(a, a, { windowSize: 1e9 })).toThrow(/windowSize must be an integer in \[3, 63\]/);
    expect(() => ssim(a, a, { sigma: -1 })).toThrow(/ssim: sigma/);
    expect(() => ssim(a, a, { k1: Number.NaN })).toThrow(/ssim: k1/);
    // Weight only where no window is centred: empty for SSIM, and the message says why.
    expect(() => ssim(a, a, { mask: edgeOnly })).toThrow(
      /mask of image 0 is empty \(at least 5 pixels from the border/,
    );
    expect(() => ssim(a, small)).toThrow(/same shape/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
