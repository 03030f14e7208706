import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { photorealismLoss } from '../../src/losses/photorealism-loss';
import { mattingLaplacian } from '../../src/ops/matting-laplacian';
import { describeBackends } from '../harness/backends';

describeBackends('photorealismLoss', () => {
  it('is weight · Σ_c vᵀ L v, about 0 for the photo itself, with gradient 2 · weight · L v', () => {
    const photo = tf.randomUniform([1, 9, 10, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const lap = mattingLaplacian(photo);
    expect(Math.abs(photorealismLoss(lap, photo).dataSync()[0]!)).toBeLessThan(1e-3);
    const out = tf.randomUniform([1, 9, 10, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const form = lap.quadraticForm(out).dataSync()[0]!;
    expect(photorealismLoss(lap, out, { weight: 3 }).dataSync()[0]!).toBeCloseTo(3 * form, 2);
    const grad = tf.grad((x: tf.Tensor) => photorealismLoss(lap, x as tf.Tensor4D, { weight: 3 }))(out);
    const want = tf.mul(lap.multiply(out), 6);
    expect(tf.max(tf.abs(tf.sub(grad, want))).dataSync()[0]!).toBeLessThan(1e-4 * tf.max(tf.abs(want)).dataSync()[0]!);
    expect(() => photorealismLoss({} as never, out)).toThrow(/laplacian must be a MattingLaplacian/);
    expect(() => photorealismLoss(lap, out, { weight: -1 })).toThrow(/weight must be a finite number >= 0/);
    lap.dispose();
  });
});
