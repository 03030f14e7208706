import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends } from '../harness/backends';
import { discriminatorLoss, ganLoss, generatorLoss, GAN_MODES } from '../../src/losses';
import { cases, t, value } from './helpers';

const gan = cases.gan;
const tol = (e: number): number => 2e-6 * Math.max(1, Math.abs(e));

describeBackends('GAN losses', () => {
  it('ganLoss matches PyTorch (BCEWithLogits, MSE, hinge, wgan) for real and fake targets', () => {
    const real = t(gan.real);
    const fake = t(gan.fake);
    let worst = 0;
    for (const mode of GAN_MODES) {
      for (const [name, p] of [
        ['real', real],
        ['fake', fake],
      ] as const) {
        for (const target of [true, false]) {
          const expected = gan.values[`${mode}_${name}_as_${target ? 'real' : 'fake'}`] as number;
          const got = value(ganLoss(p, target, mode));
          worst = Math.max(worst, Math.abs(got - expected));
          expect(Math.abs(got - expected), `${mode} ${name} ${target}`).toBeLessThan(tol(expected));
        }
      }
    }
    console.log(`ganLoss max abs diff vs PyTorch: ${worst.toExponential(2)}`);
    tf.dispose([real, fake]);
  });

  it('discriminatorLoss (scale 1 and 0.5) and generatorLoss match PyTorch; hinge G is -mean(fake)', () => {
    const real = t(gan.real);
    const fake = t(gan.fake);
    for (const mode of GAN_MODES) {
      const d = gan.values[`${mode}_discriminator`] as number;
      expect(Math.abs(value(discriminatorLoss(real, fake, mode)) - d)).toBeLessThan(tol(d));
      expect(Math.abs(value(discriminatorLoss(real, fake, mode, { scale: 0.5 })) - 0.5 * d)).toBeLessThan(tol(d));
      const g = gan.values[`${mode}_generator`] as number;
      expect(Math.abs(value(generatorLoss(fake, mode)) - g)).toBeLessThan(tol(g));
    }
    // The hinge generator loss differs from the discriminator's "fake as real" term.
    expect(gan.values.hinge_generator).not.toBeCloseTo(gan.values.hinge_fake_as_real, 3);
    tf.dispose([real, fake]);
  });

  it('vanilla is finite and exact for logits of +-100 and +-30, with finite gradients', () => {
    const x = t(gan.extreme);
    expect(value(ganLoss(x, true, 'vanilla'))).toBeCloseTo(gan.extreme_values.as_real, 5);
    expect(value(ganLoss(x, false, 'vanilla'))).toBeCloseTo(gan.extreme_values.as_fake, 5);
    const g = tf.grad((p: tf.Tensor) => ganLoss(p, true, 'vanilla'))(x);
    const gv = Array.from(g.dataSync());
    expect(gv.every(Number.isFinite)).toBe(true);
    // d/dx mean(BCE(x, 1)) = (sigmoid(x) - 1) / n: 0 at +100, -1/4 at -100.
    expect(gv[0]).toBeCloseTo(0, 6);
    expect(gv[1]).toBeCloseTo(-0.25, 6);
    tf.dispose([x, g]);
  });

  it('gradients agree with central finite differences (vanilla discriminator loss)', () => {
    const real = t(gan.real);
    const fake = t(gan.fake);
    const analytic = tf.grad((r: tf.Tensor) => discriminatorLoss(r, fake, 'vanilla'))(real);
    const a = analytic.dataSync();
    const base = Array.from(real.dataSync());
    const h = 1e-2;
    for (const i of [0, 5, 11, 17]) {
      const at = (delta: number): number => {
        const v = base.slice();
        v[i] = v[i]! + delta;
        const rt = tf.tensor(v, real.shape);
        const out = value(discriminatorLoss(rt, fake, 'vanilla'));
        rt.dispose();
        return out;
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(numeric - a[i]!)).toBeLessThan(2e-4);
    }
    tf.dispose([real, fake, analytic]);
  });

  it('leaks no tensors', () => {
    const real = tf.randomNormal([2, 4, 4, 1]);
    const fake = tf.randomNormal([2, 4, 4, 1]);
    const before = tf.memory().numTensors;
    for (const mode of GAN_MODES) {
      tf.dispose([ganLoss(real, true, mode), discriminatorLoss(real, fake, mode), generatorLoss(fake, mode)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([real, fake]);
  });

  it('rejects unknown modes, listing the valid ones', () => {
    const p = tf.zeros([1, 2]);
    // @ts-expect-error testing a bad mode
    expect(() => ganLoss(p, true, 'wgangp')).toThrow(
      /ganLoss: unknown mode 'wgangp'; valid values are 'vanilla', 'lsgan', 'hinge', 'wgan'/,
    );
    // @ts-expect-error testing a bad mode
    expect(() => discriminatorLoss(p, p, 'bce')).toThrow(/discriminatorLoss: unknown mode 'bce'/);
    // @ts-expect-error testing a bad mode
    expect(() => generatorLoss(p, 'x')).toThrow(/generatorLoss: unknown mode 'x'; valid values/);
    expect(() => discriminatorLoss(p, p, 'hinge', { scale: Number.NaN })).toThrow(/scale/);
    p.dispose();
  });
});
