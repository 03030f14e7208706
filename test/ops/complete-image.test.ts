// completeImage: DeepFill's `predicted * mask + incomplete * (1 - mask)`, checked by its defining
// properties (bit-exact outside the hole, the prediction inside, a linear blend for soft mask
// values), its gradients with respect to all three inputs, no leaks, and shape errors.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { completeImage } from '../../src/ops';
import { seededValues } from '../backend/kernels/compare-backends';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff } from '../harness/compare';
import { expectOnlyOutputsRemain, lossWeights } from '../harness/op-conformance';

describeBackends('completeImage', () => {
  it('keeps unmasked pixels bit-exact, takes the prediction in the holes, blends soft mask values', async () => {
    const n = 2,
      h = 5,
      w = 6;
    const image = tf.tensor4d(seededValues(n * h * w * 3, 1), [n, h, w, 3]);
    const prediction = tf.tensor4d(seededValues(n * h * w * 3, 2), [n, h, w, 3]);
    const m = Float32Array.from({ length: n * h * w }, (_, i) => [0, 1, 0.25][i % 3]!);
    const mask = tf.tensor4d(m, [n, h, w, 1]);
    const before = tf.memory().numTensors;
    const y = completeImage(image, mask, prediction);
    expect(tf.memory().numTensors).toBe(before + 1);
    const [out, im, p] = await Promise.all([y.data(), image.data(), prediction.data()]);
    let bad = 0;
    for (let k = 0; k < out.length; k++) {
      const mk = m[Math.floor(k / 3)]!;
      if (mk === 0 && out[k] !== im[k]) bad++;
      if (mk === 1 && out[k] !== p[k]) bad++;
      if (mk === 0.25 && Math.abs(out[k]! - (0.25 * p[k]! + 0.75 * im[k]!)) > 1e-6) bad++;
    }
    expect(bad).toBe(0);
    tf.dispose([image, prediction, mask, y]);
  });

  it('broadcasts a [1, h, w, 1] mask over the batch', async () => {
    const image = tf.zeros([3, 2, 2, 3]) as tf.Tensor4D;
    const prediction = tf.ones([3, 2, 2, 3]) as tf.Tensor4D;
    const mask = tf.tensor4d([1, 0, 0, 1], [1, 2, 2, 1]);
    const y = completeImage(image, mask, prediction);
    const row = [1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1];
    expect(Array.from(await y.data())).toEqual([...row, ...row, ...row]);
    tf.dispose([image, prediction, mask, y]);
  });

  it('gradients: w * mask for the prediction, w * (1 - mask) for the image, w * (prediction - image) for the mask', async () => {
    const shape = [2, 3, 4, 2];
    const image = tf.tensor4d(seededValues(48, 3), shape as [number, number, number, number]);
    const prediction = tf.tensor4d(seededValues(48, 4), shape as [number, number, number, number]);
    const mask = tf.tensor4d(
      Float32Array.from({ length: 12 }, (_, i) => [0, 1, 0.25][i % 3]!),
      [1, 3, 4, 1],
    );
    const w = lossWeights(shape);
    const [dImage, dMask, dPrediction] = tf.grads((a: tf.Tensor, m: tf.Tensor, p: tf.Tensor) =>
      tf.sum(tf.mul(completeImage(a as tf.Tensor4D, m as tf.Tensor4D, p as tf.Tensor4D), w)),
    )([image, mask, prediction]);
    const expected = tf.tidy(() => [
      tf.mul(w, tf.sub(1, mask)),
      tf.sum(tf.mul(w, tf.sub(prediction, image)), [0, 3], true),
      tf.mul(w, mask),
    ]);
    expect(await maxAbsDiff(dImage!, expected[0]!)).toBeLessThanOrEqual(1e-6);
    expect(await maxAbsDiff(dMask!, expected[1]!)).toBeLessThanOrEqual(1e-5);
    expect(await maxAbsDiff(dPrediction!, expected[2]!)).toBeLessThanOrEqual(1e-6);
    expectOnlyOutputsRemain(() => completeImage(image, mask, prediction));
    tf.dispose([image, prediction, mask, w, dImage!, dMask!, dPrediction!, ...expected]);
  });

  it('rejects mismatched shapes with Errors naming the argument', () => {
    const image = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    expect(() => completeImage(image, tf.zeros([1, 4, 4, 3]) as tf.Tensor4D, image)).toThrow(
      /completeImage: mask must have shape \[1 or 1, 4, 4, 1\], got \[1, 4, 4, 3\]/,
    );
    expect(() =>
      completeImage(image, tf.zeros([1, 4, 4, 1]) as tf.Tensor4D, tf.zeros([1, 4, 2, 3]) as tf.Tensor4D),
    ).toThrow(/completeImage: prediction must have the image's shape \[1, 4, 4, 3\], got \[1, 4, 2, 3\]/);
    tf.dispose(image);
  });
});
