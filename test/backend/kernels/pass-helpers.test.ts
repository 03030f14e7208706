import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/init-backend';
import { forceBatchMatMulPath } from '../../../src/backend/kernels/batch-mat-mul';
import { passHelpersOf, runPass } from '../../../src/backend/kernels/pass-helpers';
import { stockKernel } from '../../../src/backend/kernels/stock-kernels';
import { ADAM_PASS, GEMM_PASS } from '../../../src/backend/kernels/wasm-passes';
import { FUSED_ADAM_UPDATE } from '../../../src/core/kernel-capabilities';

// One file, one process (vitest forks): the threaded build with 2 threads throughout.

/** The float32 bit patterns of `values`. */
const bits = (values: Float32Array) => new Uint32Array(values.buffer, values.byteOffset, values.length);

/** How many entries of two bit patterns differ (Infinity when the lengths do). */
function mismatches(x: Uint32Array, y: Uint32Array): number {
  if (x.length !== y.length) return Number.POSITIVE_INFINITY;
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n;
}

/** `n` seeded values with zeros, -0, NaN (two payloads), infinities and subnormals among them. */
function values(n: number, seed: number): Float32Array {
  const x = tf.tidy(() => tf.randomNormal([n], 0, 3, 'float32', seed).dataSync() as Float32Array).slice();
  const specials = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -1e-40];
  for (const [k, v] of specials.entries()) x[(k * 104_729) % n] = v;
  new Uint32Array(x.buffer)[n - 1] = 0xffc01234; // a NaN with a sign and a payload
  return x;
}

const backendOf = () => tf.backend() as BackendWasm;

describe('pass helpers: the threaded wasm backend shares its own passes with helper threads', () => {
  beforeAll(async () => {
    await initBackend('cpu');
    await initBackend('wasm', { threads: 2 });
  });
  afterEach(() => forceBatchMatMulPath(undefined));

  it('threads: 2 starts one helper thread', () => {
    expect(passHelpersOf(backendOf())?.count).toBe(1);
  });

  it('the fused Adam update (shared: 100,003 values) gives the cpu kernel bits, with parts run by the helper', async () => {
    const n = 100_003; // a SIMD body and a tail of 3
    const [w, m, v, g] = [1, 2, 3, 4].map((s) => values(n, s));
    const v2 = v!.map(Math.abs);
    const attrs = { beta1: 0.5, beta2: 0.999, epsilon: 1e-8, correction2Sqrt: Math.sqrt(0.001), stepSize: 0.2 };
    const run = () => {
      const inputs = { w: tf.tensor1d(w!), m: tf.tensor1d(m!), v: tf.tensor1d(v2), g: tf.tensor1d(g!) };
      const outs = tf.engine().runKernel(FUSED_ADAM_UPDATE, inputs, attrs) as tf.Tensor[];
      const result = outs.map((t) => bits(t.dataSync() as Float32Array));
      tf.dispose([...outs, ...Object.values(inputs)]);
      return result;
    };
    await tf.setBackend('cpu');
    const expected = run();
    await tf.setBackend('wasm');
    const helpers = passHelpersOf(backendOf())!;
    const before = tf.memory().numTensors;
    const first = helpers.helperParts;
    // The helper claims parts only when it wakes in time; on a loaded machine that may take a few calls.
    for (let i = 0; i < 20 && helpers.helperParts === first; i++) {
      const got = run();
      for (const [k, out] of got.entries()) expect(mismatches(out, expected[k]!), `output ${k}`).toBe(0);
    }
    expect(helpers.helperParts).toBeGreaterThan(first);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('LeakyRelu (shared: 200,001 values) gives the stock kernel bits', () => {
    const x = tf.tensor1d(values(200_001, 5));
    for (const alpha of [0.2, -0.5]) {
      const y = tf.leakyRelu(x, alpha);
      const info = stockKernel('LeakyRelu').kernelFunc({ inputs: { x }, backend: backendOf(), attrs: { alpha } });
      const ref = tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo);
      expect(mismatches(bits(y.dataSync() as Float32Array), bits(ref.dataSync() as Float32Array))).toBe(0);
      tf.dispose([y, ref]);
    }
    x.dispose();
  });

  it('the GEMM pass ([4, 8192] x [8192, 512], shared) gives XNNPACK bits', () => {
    const a = tf.randomNormal([4, 8192], 0, 1, 'float32', 6);
    const b = tf.randomNormal([8192, 512], 0, 1, 'float32', 7);
    forceBatchMatMulPath('pass');
    const y = tf.matMul(a, b);
    forceBatchMatMulPath('stock');
    const ref = tf.matMul(a, b);
    expect(mismatches(bits(y.dataSync() as Float32Array), bits(ref.dataSync() as Float32Array))).toBe(0);
    tf.dispose([a, b, y, ref]);
  });

  it('runPass rejects wrong argument counts and byte counts, doing nothing', () => {
    const backend = backendOf();
    expect(() => runPass(backend, ADAM_PASS, [0, 0], 16)).toThrow(
      /^runPass: pass adam takes 7 addresses, 0 ints and 7 scalars\.$/,
    );
    const seven = [0, 0, 0, 0, 0, 0, 0];
    for (const bytes of [8, -16, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => runPass(backend, ADAM_PASS, seven, bytes, { scalars: seven })).toThrow(
        /^runPass: bytes must be a multiple of 16 in \[0, 2\^31\), got/,
      );
    }
    expect(() => runPass(backend, GEMM_PASS, [0, 0, 0], 16, { ints: [1, 1, 64, 64] })).toThrow(
      /bytes must be a multiple of 64/,
    );
  });

  it('the helpers stop with their backend; a new threaded backend starts its own', async () => {
    const old = backendOf();
    const helpers = passHelpersOf(old)!;
    tf.removeBackend('wasm');
    expect(helpers.count).toBe(0);
    expect(passHelpersOf(old)).toBeNull();
    await initBackend('wasm', { threads: 2 });
    expect(backendOf()).not.toBe(old);
    expect(passHelpersOf(backendOf())?.count).toBe(1);
    const x = tf.tensor1d(values(1 << 18, 8));
    const y = tf.leakyRelu(x, 0.2);
    expect(y.shape).toEqual([1 << 18]);
    tf.dispose([x, y]);
  });
});
