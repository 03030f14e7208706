import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  columnSumSimdAvailable,
  leadingReduceRows,
  REDUCE_LEADING_MIN_SIZE,
} from '../../../src/backend/kernels/reduce-leading';
import { stockKernel } from '../../../src/backend/kernels/stock-kernels';
import { initBothBackends, onBackend, relativeError, seeded } from './compare-backends';

/** The backend's own kernel on the same input, as a tensor. */
function stock(kernelName: 'Sum' | 'Mean', x: tf.Tensor, axis: number[], keepDims: boolean): tf.Tensor {
  const backend = tf.backend() as BackendWasm;
  const info = stockKernel(kernelName).kernelFunc({
    inputs: { x },
    backend,
    attrs: { axis, keepDims },
  }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info);
}

describe('leadingReduceRows', () => {
  it('counts the rows when the axes are the leading ones, else null', () => {
    expect(leadingReduceRows([1, 64, 64, 128], [0, 1, 2])).toBe(4096);
    expect(leadingReduceRows([1, 64, 64, 128], [2, 0, 1])).toBe(4096);
    expect(leadingReduceRows([8, 5], [0])).toBe(8);
    expect(leadingReduceRows([1, 64, 64, 128], [3])).toBeNull();
    expect(leadingReduceRows([1, 64, 64, 128], [0, 2])).toBeNull();
    expect(leadingReduceRows([4, 4], [0, 1])).toBeNull();
  });
});

describe('Sum and Mean over leading axes on wasm', () => {
  beforeAll(initBothBackends);

  it('runs its SIMD loop here (Node has WebAssembly SIMD)', async () => {
    await tf.setBackend('wasm');
    expect(columnSumSimdAvailable(tf.backend() as BackendWasm)).toBe(true);
  });

  const cases: { label: string; shape: number[]; axis: number[] }[] = [
    { label: 'batch-norm statistics, NHWC over [0, 1, 2]', shape: [1, 32, 32, 24], axis: [0, 1, 2] },
    { label: 'batch 2, odd sizes', shape: [2, 17, 13, 7], axis: [0, 1, 2] },
    { label: 'over [0, 1] of a rank-3 tensor', shape: [33, 65, 5], axis: [0, 1] },
    { label: 'over axis 0, one column', shape: [REDUCE_LEADING_MIN_SIZE, 1], axis: [0] },
  ];
  const table = (['Sum', 'Mean'] as const).flatMap((kernel) =>
    cases.flatMap((c) => [false, true].map((keepDims) => ({ kernel, keepDims, ...c }))),
  );

  it.each(table)(
    '$kernel, $label, keepDims $keepDims: the backend kernel to the bit',
    async ({ kernel, shape, axis, keepDims }) => {
      await tf.setBackend('wasm');
      const f = kernel === 'Sum' ? tf.sum : tf.mean;
      // Values of mixed magnitude, so that any other order of the additions rounds differently.
      const x = tf.tidy(() => tf.mul(seeded(shape, 7), tf.exp(tf.mul(seeded(shape, 8), 6))));
      const before = tf.memory().numTensors;
      const y = f(x, axis, keepDims);
      expect(tf.memory().numTensors).toBe(before + 1);
      const ref = stock(kernel, x, axis, keepDims);
      expect(y.shape).toEqual(ref.shape);
      expect(Array.from(y.dataSync())).toEqual(Array.from(ref.dataSync()));
      tf.dispose([x, y, ref]);
    },
  );

  it.each(['Sum', 'Mean'] as const)('%s agrees with cpu, and its gradient too', async (kernel) => {
    const f = kernel === 'Sum' ? tf.sum : tf.mean;
    const run = () => {
      const x = seeded([2, 16, 16, 24], 9);
      const w = seeded([24], 10);
      const y = f(x, [0, 1, 2]);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(tf.mul(v, v), [0, 1, 2]), w)))(x);
      return [y, g];
    };
    const wasm = await onBackend('wasm', run);
    const cpu = await onBackend('cpu', run);
    expect(relativeError(wasm[0]!, cpu[0]!)).toBeLessThan(1e-5);
    expect(relativeError(wasm[1]!, cpu[1]!)).toBeLessThan(1e-6);
  });

  it('sums -0 columns to +0, infinities and NaN as the backend does', async () => {
    await tf.setBackend('wasm');
    const rows = REDUCE_LEADING_MIN_SIZE;
    const values = new Float32Array(rows * 4);
    for (let r = 0; r < rows; r++) {
      values[r * 4] = -0;
      values[r * 4 + 1] = r === 5 ? Number.POSITIVE_INFINITY : 1;
      values[r * 4 + 2] = r === 7 ? Number.NaN : 2;
      values[r * 4 + 3] = r % 2 === 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    }
    const x = tf.tensor2d(values, [rows, 4]);
    for (const kernel of ['Sum', 'Mean'] as const) {
      const y = (kernel === 'Sum' ? tf.sum : tf.mean)(x, 0);
      const ref = stock(kernel, x, [0], false);
      const got = Array.from(y.dataSync());
      expect(Object.is(got[0], 0)).toBe(true);
      expect(got).toEqual(Array.from(ref.dataSync()));
      tf.dispose([y, ref]);
    }
    x.dispose();
  });

  it('leaves inner axes, int32 and small inputs to the backend kernel', async () => {
    await tf.setBackend('wasm');
    const x = seeded([4, 8, 16], 11);
    const i = tf.tensor1d([1, 2, 3], 'int32');
    expect(Array.from(tf.sum(x, 2).dataSync())).toEqual(Array.from(stock('Sum', x, [2], false).dataSync()));
    expect(Array.from(tf.mean(x, [0, 1]).dataSync())).toEqual(Array.from(stock('Mean', x, [0, 1], false).dataSync()));
    expect(Array.from(tf.sum(i).dataSync())).toEqual([6]);
    tf.dispose([x, i]);
  });
});
