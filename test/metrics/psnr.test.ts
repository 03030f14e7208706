import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { psnr } from '../../src/metrics/psnr';
import { describeBackends } from '../harness/backends';
import { fixture, VALUES } from './fixture';

describeBackends('psnr', () => {
  it('equals scikit-image peak_signal_noise_ratio, and the masked definition', () => {
    const ref = fixture<tf.Tensor4D>('ref');
    const mask = fixture<tf.Tensor4D>('mask');
    for (const name of ['noisy', 'blurred', 'bright']) {
      const img = fixture<tf.Tensor4D>(name);
      const before = tf.memory().numTensors;
      const results = [psnr(ref, img), psnr(ref, img, { mask })];
      expect(tf.memory().numTensors).toBe(before + 2); // the two results, nothing else
      const [got, masked] = results.map((t) => t.dataSync()[0]);
      tf.dispose(results);
      expect(Math.abs(got! - VALUES[`psnr_${name}`]!)).toBeLessThan(1e-4);
      expect(Math.abs(masked! - VALUES[`masked_psnr_${name}`]!)).toBeLessThan(1e-4);
      // Byte range: the same number.
      const [bytes] = psnr(tf.mul(ref, 255) as tf.Tensor4D, tf.mul(img, 255) as tf.Tensor4D, {
        maxVal: 255,
      }).dataSync();
      expect(Math.abs(bytes! - VALUES[`psnr_${name}`]!)).toBeLessThan(1e-3);
    }
  });

  it('scores each image of a batch, Infinity for identical images, and an all-ones mask as no mask', () => {
    const a = tf.concat([fixture<tf.Tensor4D>('ref'), fixture<tf.Tensor4D>('ref')]);
    const b = tf.concat([fixture<tf.Tensor4D>('ref'), fixture<tf.Tensor4D>('noisy')]);
    const got = psnr(a, b).dataSync();
    expect(got[0]).toBe(Number.POSITIVE_INFINITY);
    expect(Math.abs(got[1]! - VALUES.psnr_noisy!)).toBeLessThan(1e-4);
    const ones = tf.ones([2, a.shape[1], a.shape[2], 1]) as tf.Tensor4D;
    expect(Math.abs(psnr(a, b, { mask: ones }).dataSync()[1]! - got[1]!)).toBeLessThan(1e-4);
  });

  it('rejects bad arguments before allocating', () => {
    const a = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => psnr(a, tf.zeros([1, 4, 5, 3]) as tf.Tensor4D)).toThrow(/psnr: a and b must have the same shape/);
    expect(() => psnr(null as never, a)).toThrow(/psnr: a must be a tf.Tensor/);
    expect(() => psnr(a, a, { maxVal: 0 })).toThrow(/psnr: maxVal must be a finite number > 0/);
    expect(() => psnr(a, a, { maxVal: Number.NaN })).toThrow(/maxVal/);
    expect(() => psnr(a, a, { mask: tf.zeros([1, 4, 4, 1]) as tf.Tensor4D })).toThrow(/psnr: mask of image 0 is empty/);
    expect(() => psnr(a, a, { mask: tf.fill([1, 4, 4, 1], 2) as tf.Tensor4D })).toThrow(/values in \[0, 1\]/);
    expect(() => psnr(a, a, { mask: tf.ones([1, 4, 4, 3]) as tf.Tensor4D })).toThrow(
      /mask must have shape \[1, 4, 4, 1\]/,
    );
    expect(() => psnr(a, a, 5 as never)).toThrow(/psnr: options must be an options object/);
    // Only the test's own 4 arguments were allocated; nothing of psnr's stayed.
    expect(tf.memory().numTensors).toBe(before + 4);
  });
});
