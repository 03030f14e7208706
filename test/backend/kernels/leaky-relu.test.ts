import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEAKY_RELU_SIMD_MIN_SIZE, leakyReluSimdAvailable } from '../../../src/backend/kernels/leaky-relu';
import { stockKernel } from '../../../src/backend/kernels/stock-kernels';
import { initBothBackends, onBackend, relativeError, seeded } from './compare-backends';

/** The backend's own kernel on the same input. */
function stock(x: tf.Tensor, alpha: number): tf.Tensor {
  const backend = tf.backend() as BackendWasm;
  const info = stockKernel('LeakyRelu').kernelFunc({ inputs: { x }, backend, attrs: { alpha } }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info);
}

describe('LeakyRelu on wasm', () => {
  beforeAll(initBothBackends);

  it('runs its SIMD loop here (Node has WebAssembly SIMD)', async () => {
    await tf.setBackend('wasm');
    expect(leakyReluSimdAvailable(tf.backend() as BackendWasm)).toBe(true);
  });

  it.each([0.2, 0.01, 0, 1.7])(
    'alpha %s: the backend kernel to the bit, with -0, NaN, infinities and a tail',
    async (alpha) => {
      await tf.setBackend('wasm');
      const size = LEAKY_RELU_SIMD_MIN_SIZE + 3;
      const values = seeded([size], 1).dataSync().slice();
      values.set([
        -0,
        0,
        Number.NaN,
        -Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        -1e-45,
        3e38,
        -3e38,
      ]);
      values[size - 1] = -0.75;
      const x = tf.tensor1d(values);
      const y = tf.leakyRelu(x, alpha);
      const ref = stock(x, alpha);
      const bits = (t: tf.Tensor) => Array.from(new Uint32Array(t.dataSync().buffer));
      expect(bits(y)).toEqual(bits(ref));
      tf.dispose([x, y, ref]);
    },
  );

  it('agrees with cpu, gradient included, and leaks nothing', async () => {
    const run = () => {
      const x = seeded([1, 32, 32, 8], 2);
      return [tf.leakyRelu(x, 0.2), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(v, 0.2), v)))(x)];
    };
    const wasm = await onBackend('wasm', run);
    const cpu = await onBackend('cpu', run);
    expect(relativeError(wasm[0]!, cpu[0]!)).toBeLessThan(1e-6);
    expect(relativeError(wasm[1]!, cpu[1]!)).toBeLessThan(1e-6);
    await tf.setBackend('wasm');
    const x = seeded([LEAKY_RELU_SIMD_MIN_SIZE], 3);
    const ids = tf.backend().numDataIds();
    const y = tf.leakyRelu(x, 0.2);
    expect(tf.backend().numDataIds()).toBe(ids + 1);
    tf.dispose([x, y]);
  });
});
