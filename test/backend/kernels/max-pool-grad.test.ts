import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxPoolGradWasmConfig } from '../../../src/backend/kernels/max-pool-grad';
import { initBothBackends, onBothBackends, relativeError, seeded } from './compare-backends';

describe('MaxPoolGrad on wasm equals cpu', () => {
  beforeAll(initBothBackends);

  it('replaces the stock wasm kernel', () => {
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).toBe(maxPoolGradWasmConfig);
  });

  it('routes the gradient of all-negative windows (hand-computed)', async () => {
    // x = -1 ... -16 in a 4x4 image: each 2x2 window's maximum is its top-left value.
    const { cpu, wasm } = await onBothBackends(() => {
      const x = tf.reshape(tf.neg(tf.range(1, 17)), [1, 4, 4, 1]);
      return tf.grad((v: tf.Tensor) => tf.sum(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid')))(x);
    });
    const expected = [1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0];
    expect(Array.from(cpu[0]!)).toEqual(expected);
    expect(Array.from(wasm[0]!)).toEqual(expected);
  });

  it.each([
    { x: [2, 8, 8, 3], f: 2, s: 2, pad: 'valid', shift: -2 },
    { x: [1, 9, 7, 2], f: 3, s: 2, pad: 'same', shift: -2 },
    { x: [2, 7, 10, 4], f: 3, s: 1, pad: 'same', shift: 0 },
    { x: [1, 10, 9, 1], f: 3, s: 3, pad: 1, shift: -1.5 },
  ] as const)('overlapping windows, x $x filter $f stride $s pad $pad, values shifted by $shift', async (c) => {
    const { cpu, wasm } = await onBothBackends(() => {
      // Shifting [-1, 1) values down makes most windows (or all) entirely negative.
      const x = tf.add(seeded([...c.x], 31), c.shift) as tf.Tensor4D;
      const loss = (v: tf.Tensor) => {
        const y = tf.maxPool(v as tf.Tensor4D, c.f, c.s, c.pad);
        return tf.sum(tf.mul(y, seeded(y.shape, 32)));
      };
      return tf.grad(loss)(x);
    });
    expect(relativeError(wasm[0]!, cpu[0]!)).toBeLessThanOrEqual(1e-6);
  });
});
