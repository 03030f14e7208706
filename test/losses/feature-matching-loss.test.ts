// featureMatchingLoss against pix2pixHD's own loop (Pix2PixHDModel.forward, "GAN feature matching
// loss"; test/fixtures/models/pix2pixhd/generate_pix2pixhd.py): values and torch autograd
// gradients with respect to the fake features, real features detached; bad inputs.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { readSafetensors } from '../../src/io/read-safetensors';
import { featureMatchingLoss } from '../../src/losses/feature-matching-loss';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff, tensorOf } from '../models/helpers';

const DIR = new URL('../fixtures/models/pix2pixhd/', import.meta.url);
const META = JSON.parse(readFileSync(new URL('cases.json', DIR), 'utf8')) as {
  losses: { numD: number; perD: number; weight: number; loss: number }[];
};
const FIX = readSafetensors(new Uint8Array(readFileSync(new URL('losses.safetensors', DIR))));

function lists(c: number, kind: 'fake' | 'real' | 'grad'): tf.Tensor[][] {
  const { numD, perD } = META.losses[c]!;
  return Array.from({ length: numD }, (_, i) =>
    Array.from({ length: perD }, (_, j) => tensorOf(FIX, `${c}:${kind}:${i}:${j}`)),
  );
}

describeBackends('featureMatchingLoss', () => {
  it.each(META.losses.map((c, i) => [i, c.numD, c.perD] as const))(
    'case %i (%i discriminators, %i entries each) matches upstream, value and gradients',
    async (c) => {
      const meta = META.losses[c]!;
      const before = tf.memory().numTensors;
      const fake = lists(c, 'fake');
      const real = lists(c, 'real');
      // Gradients with respect to every feature but the predictions (which the loss leaves out:
      // upstream's gradient for them is zero, and tfjs refuses a gradient of an unused input).
      const m = meta.perD - 1;
      const used = [...fake.map((per) => per.slice(0, m)), ...real.map((per) => per.slice(0, m))].flat();
      const g = tf.grads((...xs: tf.Tensor[]) => {
        const pick = (lists: tf.Tensor[][], offset: number) =>
          lists.map((per, i) => [...xs.slice(offset + i * m, offset + (i + 1) * m), per[m]!]);
        return featureMatchingLoss(pick(fake, 0), pick(real, fake.length * m), { weight: meta.weight });
      })(used);
      const loss = featureMatchingLoss(fake, real, { weight: meta.weight });
      expect(Math.abs((await loss.data())[0]! - meta.loss) / meta.loss).toBeLessThan(1e-5);
      for (let i = 0; i < fake.length; i++) {
        for (let j = 0; j < m; j++) {
          const got = g[i * m + j]!;
          expect(await maxAbsDiff(got, FIX.get(`${c}:grad:${i}:${j}`)!), `grad ${i} ${j}`).toBeLessThan(1e-6);
          // The real features get no gradient (upstream's .detach()).
          const gReal = g[fake.length * m + i * m + j]!;
          expect(Math.max(...Array.from(await gReal.data(), Math.abs))).toBe(0);
        }
      }
      const flat = [...fake.flat(), ...real.flat()];
      tf.dispose([...flat, ...g, loss]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('gives weight * 4 / (nLayers + 1) / numD per unit of mean absolute difference', async () => {
    const ones = tf.ones([1, 2, 2, 1]);
    const zeros = tf.zeros([1, 2, 2, 1]);
    // Two discriminators with 3 features + prediction each: nLayers + 1 = 3.
    const fake = [Array(4).fill(ones), Array(4).fill(ones)];
    const real = [Array(4).fill(zeros), Array(4).fill(zeros)];
    const l = featureMatchingLoss(fake, real, { weight: 10 });
    // 2 D * 3 layers * 1 * (4 / 3) * (1 / 2) * 10 = 40; the predictions are left out.
    expect((await l.data())[0]).toBeCloseTo(40, 5);
    tf.dispose([ones, zeros, l]);
  });

  it('rejects bad inputs before computing anything', () => {
    const a = tf.zeros([1, 2, 2, 1]);
    const b = tf.zeros([1, 3, 2, 1]);
    const before = tf.memory().numTensors;
    expect(() => featureMatchingLoss([[a, a]], [[b, a]])).toThrow(
      /featureMatchingLoss: fakeFeatures\[0\]\[0\] and realFeatures\[0\]\[0\] must have the same shape/,
    );
    expect(() => featureMatchingLoss([[a]], [[a]])).toThrow(/featureMatchingLoss: fakeFeatures must be 1 to 64 lists/);
    expect(() => featureMatchingLoss([[a, a]], [[a, a, a]])).toThrow(/must both hold 1 lists of 2 tensors/);
    expect(() =>
      featureMatchingLoss(
        [[a, a]],
        [
          [a, a],
          [a, a],
        ],
      ),
    ).toThrow(/must both hold 1 lists of 2 tensors/);
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => featureMatchingLoss(null, [[a, a]])).toThrow(/fakeFeatures must be .* got object/);
    expect(() => featureMatchingLoss([[a, a]], [[a, a]], { weight: Number.NaN })).toThrow(
      /featureMatchingLoss: weight must be a finite number >= 0, got NaN/,
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});
