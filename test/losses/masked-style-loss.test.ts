import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { maskedStyleLoss } from '../../src/losses/masked-style-loss';
import { styleLoss } from '../../src/losses/style-loss';
import { describeBackends } from '../harness/backends';

describeBackends('maskedStyleLoss', () => {
  it('equals a direct float64 computation of region Grams', () => {
    const g = tf.randomNormal([1, 4, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const s = tf.randomNormal([1, 4, 5, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    // Masks at the feature size (so the resize is the identity): soft, two regions.
    const m1 = tf.randomUniform([1, 4, 5, 1], 0, 1, 'float32', 3);
    const gm = tf.concat([m1, tf.sub(1, m1)], 3) as tf.Tensor4D;
    const m2 = tf.randomUniform([1, 4, 5, 1], 0, 1, 'float32', 4);
    const sm = tf.concat([m2, tf.sub(1, m2)], 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const loss = maskedStyleLoss([g], [s], gm, sm, { weights: [0.5] });
    expect(tf.memory().numTensors).toBe(before + 1);
    const [G, S, GM, SM] = [g, s, gm, sm].map((t) => t.dataSync());
    const gram = (f: Float32Array | Int32Array | Uint8Array, m: Float32Array | Int32Array | Uint8Array, r: number) => {
      const out = new Float64Array(9);
      let area = 0;
      for (let p = 0; p < 20; p++) {
        const w = m[p * 2 + r]!;
        area += w;
        for (let a = 0; a < 3; a++)
          for (let b = 0; b < 3; b++) out[a * 3 + b]! += w * w * f[p * 3 + a]! * f[p * 3 + b]!;
      }
      return out.map((v) => v / (area + 1e-8));
    };
    let want = 0;
    for (let r = 0; r < 2; r++) {
      const a = gram(G!, GM!, r);
      const b = gram(S!, SM!, r);
      want += a.reduce((acc, v, i) => acc + (v - b[i]!) ** 2, 0) / 9;
    }
    expect(loss.dataSync()[0]!).toBeCloseTo(0.5 * want, 4);
  });

  it('with one all-ones region it is C² times styleLoss (chw normalisation), and 0 for the same input', () => {
    const g = tf.randomNormal([1, 6, 6, 4], 0, 1, 'float32', 5) as tf.Tensor4D;
    const s = tf.randomNormal([1, 6, 6, 4], 0, 1, 'float32', 6) as tf.Tensor4D;
    const ones = tf.ones([1, 12, 12, 1]) as tf.Tensor4D;
    const masked = maskedStyleLoss([g], [s], ones, ones).dataSync()[0]!;
    const plain = styleLoss([g], [s]).dataSync()[0]!;
    expect(masked).toBeCloseTo(16 * plain, 4);
    expect(maskedStyleLoss([g], [g], ones, ones).dataSync()[0]).toBeCloseTo(0, 6);
  });

  it('rejects mismatched inputs', () => {
    const f = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const m = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    expect(() => maskedStyleLoss([f], [], m, m)).toThrow(/non-empty lists of the same length/);
    expect(() => maskedStyleLoss([f], [f], m, tf.ones([1, 4, 4, 3]) as tf.Tensor4D)).toThrow(/the same R/);
    expect(() => maskedStyleLoss([f], [tf.zeros([1, 4, 4, 2]) as tf.Tensor4D], m, m)).toThrow(/the same c/);
    expect(() => maskedStyleLoss([f], [f], m, m, { weights: [Number.NaN] })).toThrow(/weights\[0\]/);
  });
});
