import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { adamSimd } from '../../../src/backend/kernels/fused-adam';
import { FUSED_ADAM_UPDATE } from '../../../src/core/kernel-capabilities';
import { LeanAdamOptimizer } from '../../../src/training/internal/lean-adam';
import { describeBackends } from '../../harness/backends';

/** The float32 bit patterns of `values` (NaN keeps its payload and sign). */
const bits = (values: Float32Array) => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

/**
 * A seeded gradient of `n` values for step `t`: normal values scaled over 2^-140 .. 2^120 (so
 * subnormal, tiny and huge ones), with zeros and, when `specials`, NaN and infinities.
 */
function gradient(n: number, t: number, specials: boolean): tf.Tensor {
  const base = tf.tidy(() => tf.randomNormal([n], 0, 1, 'float32', 100 + t).dataSync() as Float32Array);
  const scale = tf.tidy(() => tf.randomUniform([n], -140, 120, 'float32', 200 + t).dataSync() as Float32Array);
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = (i * 7 + t) % 23;
    g[i] = k === 0 ? 0 : k === 1 ? -0 : base[i]! * 2 ** Math.round(k < 12 ? 0 : scale[i]!);
    if (specials && k === 2) g[i] = Number.NaN;
    if (specials && k === 3) g[i] = Number.POSITIVE_INFINITY;
    if (specials && k === 4) g[i] = Number.NEGATIVE_INFINITY;
  }
  return tf.tensor1d(g);
}

describeBackends('fused Adam update kernel', (backend) => {
  it('is registered, so the trainers Adam takes it', () => {
    expect(tf.getKernel(FUSED_ADAM_UPDATE, backend)).toBeDefined();
    // On wasm the SIMD module on the backend's heap does the work (the JavaScript loop only the tail).
    if (backend === 'wasm') expect(adamSimd(tf.backend() as BackendWasm)).toBeTypeOf('function');
  });

  // 40,000, 7 and 1 values (SIMD body, SIMD and tail, tail only on wasm); 40,000: above the size from which wasm splits scalar element-wise ops between threads.
  for (const specials of [false, true]) {
    it(`gives the bits of the 13 element-wise ops over 4 steps${specials ? ' with NaN and infinite gradients' : ''}, without leaking`, () => {
      const sizes = [40_000, 7, 1];
      const init = sizes.map((n, i) =>
        tf.tidy(() => tf.mul(tf.randomNormal([n], 0, 1, 'float32', i + 1), i === 1 ? 1e30 : 1)),
      );
      const run = (fused: boolean) => {
        const opt = new LeanAdamOptimizer(0.0002, 0.5, 0.999, 1e-8);
        opt.useFusedKernel = fused;
        const vars = init.map((t) => tf.variable(t));
        for (let t = 1; t <= 4; t++) {
          const before = tf.memory().numTensors;
          const grads = vars.map((v, i) => ({ name: v.name, tensor: gradient(sizes[i]!, 10 * t + i, specials) }));
          opt.applyGradients(grads);
          tf.dispose(grads.map((g) => g.tensor));
          // Slots appear on the first step only (two per variable).
          expect(tf.memory().numTensors).toBe(before + (t === 1 ? 2 * vars.length : 0));
        }
        const state = opt.getWeights();
        return state.then((weights) => {
          const out = {
            values: vars.map((v) => bits(v.dataSync() as Float32Array)),
            state: weights.map((w) => bits(w.tensor.dataSync() as Float32Array)),
            names: weights.map((w) => w.name.replace(/^[^/]*/, '')),
          };
          weights[0]!.tensor.dispose();
          tf.dispose(vars);
          opt.dispose();
          return out;
        });
      };
      const before = tf.memory().numTensors;
      return Promise.all([run(true), run(false)]).then(([fused, ops]) => {
        expect(fused.names).toEqual(ops.names);
        for (const [i, v] of ops.values.entries()) expect(fused.values[i]).toEqual(v);
        for (const [i, v] of ops.state.entries()) expect(fused.state[i]).toEqual(v);
        if (specials) expect(ops.values[0]!.some((b) => (b & 0x7fffffff) > 0x7f800000)).toBe(true);
        tf.dispose(init);
        expect(tf.memory().numTensors).toBe(before - init.length);
      });
    });
  }

  it('rejects inputs of different shapes or dtypes and non-finite attributes', () => {
    const attrs = { beta1: 0.5, beta2: 0.999, epsilon: 1e-8, correction2Sqrt: 0.1, stepSize: 0.1 };
    const run = (inputs: tf.NamedTensorMap, a: Record<string, unknown> = attrs) =>
      tf.tidy(() => tf.engine().runKernel(FUSED_ADAM_UPDATE, inputs, a as unknown as tf.NamedAttrMap));
    const x = tf.zeros([3]);
    const y = tf.zeros([4]);
    const i = tf.zeros([3], 'int32');
    expect(() => run({ w: x, m: x, v: x, g: y })).toThrow(/input 'g' has shape \[4\]/);
    expect(() => run({ w: x, m: x, v: i, g: x })).toThrow(/input 'v' must be float32/);
    expect(() => run({ w: x, m: x, v: x })).toThrow(/input 'g' is missing/);
    expect(() => run({ w: x, m: x, v: x, g: x }, { ...attrs, epsilon: Number.NaN })).toThrow(
      /'epsilon' must be a finite/,
    );
    tf.dispose([x, y, i]);
  });
});
