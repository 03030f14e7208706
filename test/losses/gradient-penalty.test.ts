import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends } from '../harness/backends';
import { gradientPenalty } from '../../src/losses';
import { cases, maxAbsDiff, t, t4, value } from './helpers';

const c = cases.gradient_penalty;

/** The fixture's discriminator: conv 3->4 k3 s2 (torch padding 1), leaky ReLU 0.2, conv 4->1 k3 s1 pad 1. */
function makeDiscriminator(): { vars: tf.Variable[]; d: (x: tf.Tensor) => tf.Tensor } {
  const vars = [t(c.w1), t(c.b1), t(c.w2), t(c.b2)].map((x, i) => {
    const v = tf.variable(x, true, `gp_test_${i}_${Math.random()}`);
    x.dispose();
    return v;
  });
  const [w1, b1, w2, b2] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const pad: [number, number][] = [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ];
  // Porting note: explicit symmetric padding, as torch's padding=1 (TF 'same' pads 0/1 at stride 2).
  const d = (x: tf.Tensor): tf.Tensor => {
    const h = tf.leakyRelu(tf.add(tf.conv2d(tf.pad(x as tf.Tensor4D, pad), w1 as tf.Tensor4D, 2, 'valid'), b1), 0.2);
    return tf.add(tf.conv2d(tf.pad(h as tf.Tensor4D, pad), w2 as tf.Tensor4D, 1, 'valid'), b2);
  };
  return { vars, d };
}

describeBackends('gradientPenalty', () => {
  it('matches cal_gradient_penalty (mixed) of PyTorch on a tiny conv discriminator', () => {
    const { vars, d } = makeDiscriminator();
    const real = t4(c.real);
    const fake = t4(c.fake);
    const before = tf.memory().numTensors;
    const gp = value(gradientPenalty(d, real, fake, { alpha: c.alpha, lambda: c.lambda }));
    const alphaTensor = tf.tensor1d(c.alpha);
    const gp2 = value(gradientPenalty(d, real, fake, { alpha: alphaTensor }));
    alphaTensor.dispose();
    expect(tf.memory().numTensors).toBe(before);
    console.log(`gradientPenalty ${gp} vs PyTorch ${c.gp} (abs diff ${Math.abs(gp - c.gp).toExponential(2)})`);
    expect(Math.abs(gp - c.gp)).toBeLessThan(1e-5 * c.gp);
    expect(gp2).toBe(gp);
    tf.dispose([...vars, real, fake]);
  });

  it('second-order: variableGrads of the penalty w.r.t. the discriminator weights match PyTorch', () => {
    const { vars, d } = makeDiscriminator();
    const real = t4(c.real);
    const fake = t4(c.fake);
    const before = tf.memory().numTensors;
    const { value: v, grads } = tf.variableGrads(() => gradientPenalty(d, real, fake, { alpha: c.alpha }), vars);
    expect(Math.abs(v.dataSync()[0]! - c.gp)).toBeLessThan(1e-5 * c.gp);
    const names = ['dw1', 'db1', 'dw2', 'db2'];
    const report: string[] = [];
    vars.forEach((variable, i) => {
      const ref = c[names[i]!];
      const g = grads[variable.name];
      if (g === undefined) {
        // The output bias never reaches the input gradient; PyTorch reports it unused (zero).
        expect(
          ref.data.every((x: number) => x === 0),
          names[i],
        ).toBe(true);
        report.push(`${names[i]} not connected (PyTorch: zero)`);
        return;
      }
      expect(g.shape).toEqual(ref.shape);
      const scale = Math.max(1, ...ref.data.map(Math.abs));
      const diff = maxAbsDiff(g, ref.data);
      report.push(`${names[i]} ${diff.toExponential(2)} (max |ref| ${scale.toPrecision(4)})`);
      expect(diff, names[i]).toBeLessThan(2e-5 * scale);
    });
    console.log(`gradientPenalty weight gradients max abs diff vs PyTorch: ${report.join(', ')}`);
    tf.dispose([v, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...vars, real, fake]);
  });

  it('draws a fresh alpha ~ U(0, 1) per sample when none is given', () => {
    // D(x) = sum(x^2) / 2 has input gradient x_hat = alpha * real + (1 - alpha) * fake. With
    // real = 1, fake = 0 and one value per sample, ||g|| = alpha, so gp/lambda = mean((alpha - 1)^2);
    // a batch of one recovers alpha = 1 - sqrt(gp / 10).
    const d = (x: tf.Tensor): tf.Tensor => tf.mul(tf.sum(tf.square(x)), 0.5);
    const real = tf.ones([1, 1]);
    const fake = tf.zeros([1, 1]);
    const alphas = Array.from({ length: 200 }, () => 1 - Math.sqrt(value(gradientPenalty(d, real, fake)) / 10));
    expect(alphas.every((a) => a >= -1e-6 && a <= 1 + 1e-6)).toBe(true);
    const mean = alphas.reduce((p, q) => p + q, 0) / alphas.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.1); // 200 draws: std of the mean ~0.02
    expect(new Set(alphas.map((a) => a.toFixed(6))).size).toBeGreaterThan(190);
    tf.dispose([real, fake]);
  });

  it('rejects mismatched shapes and a wrong number of alphas', () => {
    const { vars, d } = makeDiscriminator();
    const a = tf.zeros([2, 8, 8, 3]);
    const b = tf.zeros([2, 8, 8, 1]);
    expect(() => gradientPenalty(d, a, b)).toThrow(
      'gradientPenalty: real and fake must have the same shape, got real [2, 8, 8, 3] and fake [2, 8, 8, 1].',
    );
    expect(() => gradientPenalty(d, a, a, { alpha: [0.5] })).toThrow(/one value per sample \(2\), got length 1/);
    expect(() => gradientPenalty(d, a, a, { lambda: Number.POSITIVE_INFINITY })).toThrow(
      /lambda must be a finite number/,
    );
    tf.dispose([...vars, a, b]);
  });
});
