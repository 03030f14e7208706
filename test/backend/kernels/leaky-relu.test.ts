import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmMemoryOf } from '../../../src/backend/kernels/simd-module';
import { LEAKY_RELU_PASS, passFunction } from '../../../src/backend/kernels/wasm-passes';
import { stockKernel } from '../../../src/backend/kernels/stock-kernels';
import { initBothBackends, onBackend, relativeError, seeded } from './compare-backends';

/** The backend's own kernel on the same input. */
function stock(x: tf.Tensor, alpha: number): tf.Tensor {
  const backend = tf.backend() as BackendWasm;
  const info = stockKernel('LeakyRelu').kernelFunc({ inputs: { x }, backend, attrs: { alpha } }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Large enough for several SIMD parts, with a tail of 3 values after the last whole vector. */
const SIZE = (1 << 12) + 3;

describe('LeakyRelu on wasm', () => {
  beforeAll(initBothBackends);

  it('runs its SIMD pass here (Node has WebAssembly SIMD)', async () => {
    await tf.setBackend('wasm');
    const memory = wasmMemoryOf(tf.backend() as BackendWasm);
    expect(memory).not.toBeNull();
    expect(passFunction(memory!, LEAKY_RELU_PASS)).not.toBeNull();
  });

  it.each([0.2, 0.01, 0, 1.7])(
    'alpha %s: the backend kernel to the bit, with -0, NaN, infinities and a tail',
    async (alpha) => {
      await tf.setBackend('wasm');
      const size = SIZE;
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
    const x = seeded([SIZE], 3);
    const ids = tf.backend().numDataIds();
    const y = tf.leakyRelu(x, 0.2);
    expect(tf.backend().numDataIds()).toBe(ids + 1);
    tf.dispose([x, y]);
  });
});
