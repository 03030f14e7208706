import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_MAT_MUL_MIN_MACS,
  GEMM_PASS_MAX_M,
  GEMM_PASS_MIN_B,
  batchMatMulPath,
  forceBatchMatMulPath,
  type BatchMatMulPath,
} from '../../../src/backend/kernels/batch-mat-mul';
import { initBothBackends, onBackend, onBothBackends, relativeError, seeded } from './compare-backends';

interface Case {
  a: number[];
  b: number[];
  tA: boolean;
  tB: boolean;
}

// Every transpose combination; unbatched, batched, broadcast on either side, rank 4; odd sizes.
const CASES: Case[] = [
  { a: [33, 17], b: [33, 20], tA: true, tB: false },
  { a: [17, 33], b: [20, 33], tA: false, tB: true },
  { a: [33, 17], b: [20, 33], tA: true, tB: true },
  { a: [3, 9, 40], b: [3, 40, 7], tA: false, tB: false },
  { a: [3, 40, 9], b: [40, 7], tA: true, tB: false },
  { a: [40, 9], b: [3, 40, 7], tA: true, tB: false },
  { a: [2, 3, 9, 40], b: [2, 3, 7, 40], tA: false, tB: true },
  { a: [4, 24, 30], b: [1, 30, 24], tA: false, tB: false },
];
const TOLERANCE = 1e-5;
const mm = (c: Case, a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, c.tA, c.tB);

describe('BatchMatMul on wasm equals cpu', () => {
  beforeAll(initBothBackends);
  afterEach(() => forceBatchMatMulPath(undefined));

  // 'pass' forced on these (transposed or batched) products falls back to the backend's kernel.
  const routes: Array<BatchMatMulPath | undefined> = [undefined, 'xnnpack', 'stock', 'pass'];
  const table = routes.flatMap((route) => CASES.map((c) => ({ route: route ?? 'rule', ...c })));

  it.each(table)('$route: $a x $b, transposeA $tA, transposeB $tB', async ({ route, ...c }) => {
    const run = () => mm(c, seeded(c.a, 1), seeded(c.b, 2));
    const cpu = await onBackend('cpu', run);
    forceBatchMatMulPath(route === 'rule' ? undefined : (route as BatchMatMulPath));
    const wasm = await onBackend('wasm', run);
    expect(relativeError(wasm[0]!, cpu[0]!), `${route}`).toBeLessThanOrEqual(TOLERANCE);
  });

  // tfjs-core's matMul gradient does not sum over broadcast batch dimensions (on any backend).
  const sameBatch = (c: Case) => c.a.slice(0, -2).join() === c.b.slice(0, -2).join();
  it.each(CASES.filter(sameBatch))('gradients of a matMul through it, $a x $b, $tA $tB', async (c) => {
    forceBatchMatMulPath('xnnpack');
    const { cpu, wasm } = await onBothBackends(() => {
      const a = seeded(c.a, 3);
      const b = seeded(c.b, 4);
      const y = mm(c, a, b);
      const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(mm(c, p, q), seeded(y.shape, 5))))([a, b]);
      return [y, ...grads];
    });
    for (const [i, what] of ['forward', 'da', 'db'].entries()) {
      expect(relativeError(wasm[i]!, cpu[i]!), what).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('adds exactly one dataId (its output) per call, and a shape mismatch still throws', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    forceBatchMatMulPath('xnnpack');
    for (const c of CASES) {
      const a = seeded(c.a, 1);
      const b = seeded(c.b, 2);
      const ids = backend.numDataIds();
      const y = mm(c, a, b);
      expect(backend.numDataIds()).toBe(ids + 1);
      y.dispose();
      expect(backend.numDataIds()).toBe(ids);
      tf.dispose([a, b]);
    }
    const a = tf.zeros([4, 5]);
    const b = tf.zeros([4, 6]);
    expect(() => tf.matMul(a, b)).toThrow(/inner shapes/);
    tf.dispose([a, b]);
  });

  it('XNNPACK for transposed or batched products from 2^15 multiply-adds, the backend kernel otherwise', () => {
    expect(batchMatMulPath(1, 1, 64, 4096, 64, false, false)).toBe('stock');
    expect(batchMatMulPath(1, 1, 64, 4096, 64, true, false)).toBe('xnnpack');
    expect(batchMatMulPath(1, 1, 64, 4096, 64, false, true)).toBe('xnnpack');
    expect(batchMatMulPath(8, 1, 64, 64, 64, false, false)).toBe('xnnpack');
    expect(batchMatMulPath(1, 1, 8, 8, 8, true, true)).toBe('stock');
    expect(BATCH_MAT_MUL_MIN_MACS).toBe(32768);
  });

  it('the GEMM pass for few rows by a large B with N a multiple of 16', () => {
    expect(batchMatMulPath(1, 1, 4, 8192, 512, false, false)).toBe('pass');
    expect(batchMatMulPath(1, 1, GEMM_PASS_MAX_M, GEMM_PASS_MIN_B / 16, 16, false, false)).toBe('pass');
    expect(batchMatMulPath(1, 1, GEMM_PASS_MAX_M + 1, 8192, 512, false, false)).toBe('stock');
    expect(batchMatMulPath(1, 1, 4, 8192, 500, false, false)).toBe('stock');
    expect(batchMatMulPath(1, 1, 4, 64, 64, false, false)).toBe('stock');
    expect(batchMatMulPath(1, 1, 4, 8192, 512, false, true)).toBe('xnnpack');
  });

  // K of 1 and 3 (the loop's edge), rows 1 to 8, N = 16 (one column block) and 4096 (256).
  const passCases: [number, number, number][] = [
    [1, 1, 16],
    [3, 5, 32],
    [8, 300, 64],
    [2, 3, 4096],
  ];
  it.each(passCases)(
    'the GEMM pass on [%i, %i] x [%i] gives the bits of XNNPACK (the backend kernel)',
    async (m, k, n) => {
      const run = () => tf.matMul(seeded([m, k], 6), seeded([k, n], 7));
      forceBatchMatMulPath('pass');
      const pass = await onBackend('wasm', run);
      forceBatchMatMulPath('stock');
      const stock = await onBackend('wasm', run);
      const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer));
      expect(bits(pass[0]!)).toEqual(bits(stock[0]!));
    },
  );

  it('_FusedMatMul without bias or activation takes the pass with the same bits; with a bias, the backend kernel', async () => {
    const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer));
    const plain = () => tf.fused.matMul({ a: seeded([3, 40], 8), b: seeded([40, 32], 9) });
    forceBatchMatMulPath('pass');
    const pass = await onBackend('wasm', plain);
    forceBatchMatMulPath('stock');
    const stock = await onBackend('wasm', plain);
    expect(bits(pass[0]!)).toEqual(bits(stock[0]!));
    const biased = () =>
      tf.fused.matMul({ a: seeded([3, 40], 8), b: seeded([40, 32], 9), bias: seeded([32], 10), activation: 'relu' });
    forceBatchMatMulPath('pass');
    const wasm = await onBackend('wasm', biased);
    const cpu = await onBackend('cpu', biased);
    expect(relativeError(wasm[0]!, cpu[0]!)).toBeLessThanOrEqual(TOLERANCE);
  });
});
