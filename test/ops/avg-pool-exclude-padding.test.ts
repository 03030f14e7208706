// avgPoolExcludePadding against PyTorch's nn.AvgPool2d(count_include_pad=False)
// (test/fixtures/models/pix2pixhd/generate_pix2pixhd.py): values and autograd gradients; bad input.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { readSafetensors } from '../../src/io/read-safetensors';
import { avgPoolExcludePadding } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff, tensorOf } from '../models/helpers';

const DIR = new URL('../fixtures/models/pix2pixhd/', import.meta.url);
const META = JSON.parse(readFileSync(new URL('cases.json', DIR), 'utf8')) as {
  avgPool: { poolSize: number; strides: number; padding: number }[];
};
const FIX = readSafetensors(new Uint8Array(readFileSync(new URL('avg_pool.safetensors', DIR))));

describeBackends('avgPoolExcludePadding', () => {
  it.each(META.avgPool.map((o, i) => [i, o] as const))(
    'case %i %o matches torch, values and gradients',
    async (c, o) => {
      const before = tf.memory().numTensors;
      const x = tensorOf(FIX, `${c}:x`) as tf.Tensor4D;
      const r = tensorOf(FIX, `${c}:r`);
      const y = avgPoolExcludePadding(x, o);
      expect(await maxAbsDiff(y, FIX.get(`${c}:y`)!)).toBeLessThan(1e-6);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(avgPoolExcludePadding(t as tf.Tensor4D, o), r)))(x);
      expect(await maxAbsDiff(g, FIX.get(`${c}:grad`)!)).toBeLessThan(1e-6);
      tf.dispose([x, r, y, g]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('rejects bad options and inputs before allocating', () => {
    const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => avgPoolExcludePadding(x, { padding: 2 })).toThrow(
      /avgPoolExcludePadding: padding must be at most poolSize \/ 2 \(1.5\), got 2/,
    );
    expect(() => avgPoolExcludePadding(x, { poolSize: 0 })).toThrow(/poolSize must be an integer in \[1, 64\], got 0/);
    expect(() => avgPoolExcludePadding(x, { strides: Number.POSITIVE_INFINITY })).toThrow(/strides must be an integer/);
    expect(() => avgPoolExcludePadding(tf.zeros([4, 4]) as never)).toThrow(/x must be rank 4/);
    expect(() => avgPoolExcludePadding(x, { poolSize: 8, padding: 1 })).toThrow(
      /avgPoolExcludePadding: x must be at least 6x6 \(poolSize - 2 \* padding\), got shape \[1, 4, 4, 2\]/,
    );
    expect(tf.memory().numTensors).toBe(before + 1);
    x.dispose();
  });
});
