// Latent helpers: lerp, slerp, latentMean, latentArithmetic against float64 JavaScript references.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { latentArithmetic, latentMean, lerp, slerp } from '../../src/ops/latent-vectors';
import { describeBackends } from '../harness/backends';
import { createRandom } from '../../src/core/random';

function gaussianRows(n: number, d: number, seed: number): number[][] {
  const r = createRandom(seed);
  return Array.from({ length: n }, () =>
    Array.from({ length: d }, () => {
      const u = Math.max(r.uniform(0, 1), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.uniform(0, 1));
    }),
  );
}

/** float64 slerp through acos (a different route from the op's atan2). */
function slerpRef(a: number[], b: number[], t: number): number[] {
  const na = Math.hypot(...a);
  const nb = Math.hypot(...b);
  const cos = Math.min(1, Math.max(-1, a.reduce((s, v, i) => s + v * b[i]!, 0) / (na * nb)));
  const w = Math.acos(cos);
  if (Math.sin(w) < 1e-4) return a.map((v, i) => (1 - t) * v + t * b[i]!);
  return a.map((v, i) => (Math.sin((1 - t) * w) * v + Math.sin(t * w) * b[i]!) / Math.sin(w));
}

function maxDiff(got: ArrayLike<number>, want: number[]): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i]! - want[i]!));
  return m;
}

describeBackends('latent vectors', () => {
  it('slerp agrees with a float64 reference on Gaussian latents, keeps the endpoints, and stacks an array of t', async () => {
    const A = gaussianRows(4, 100, 1);
    const B = gaussianRows(4, 100, 2);
    const a = tf.tensor2d(A);
    const b = tf.tensor2d(B);
    const before = tf.memory().numTensors;
    const ts = [0, 0.25, 0.5, 0.9, 1];
    const path = slerp(a, b, ts);
    expect(path.shape).toEqual([5, 4, 100]);
    const got = await path.data();
    ts.forEach((t, k) => {
      const want = A.flatMap((row, i) => slerpRef(row, B[i]!, t));
      expect(maxDiff(got.subarray(k * 400, (k + 1) * 400), want)).toBeLessThan(1e-5);
    });
    expect(maxDiff(got.subarray(0, 400), A.flat())).toBeLessThan(1e-6);
    expect(maxDiff(got.subarray(1600, 2000), B.flat())).toBeLessThan(1e-5);
    path.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });

  it('slerp keeps the norm of equal-norm vectors at every t; lerp shrinks it in between', async () => {
    const [A, B] = gaussianRows(2, 64, 3).map((row) => {
      const n = Math.hypot(...row);
      return row.map((v) => (5 * v) / n);
    });
    const a = tf.tensor1d(A!);
    const b = tf.tensor1d(B!);
    for (const t of [0.1, 0.3, 0.5, 0.7]) {
      const s = slerp(a, b, t);
      const l = lerp(a, b, t);
      expect(Math.hypot(...(await s.data()))).toBeCloseTo(5, 4);
      expect(Math.hypot(...(await l.data()))).toBeLessThan(5 - 1e-3);
      tf.dispose([s, l]);
    }
    tf.dispose([a, b]);
  });

  it('slerp stays finite and near lerp for parallel, nearly parallel and opposite vectors', async () => {
    const a = tf.tensor2d([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const b = tf.tensor2d([
      [2, 4, 6],
      [1, 2, 3.00001],
      [-1, -2, -3],
      [0, 1, 0],
    ]);
    const s = slerp(a, b, 0.5);
    const l = lerp(a, b, 0.5);
    const sv = await s.data();
    expect(Array.from(sv).every(Number.isFinite)).toBe(true);
    expect(maxDiff(sv.subarray(0, 9), Array.from((await l.data()).subarray(0, 9)))).toBeLessThan(1e-5);
    // A zero row counts as orthogonal: sin(pi/4) / sin(pi/2) of b.
    expect(maxDiff(sv.subarray(9), [0, Math.SQRT1_2, 0])).toBeLessThan(1e-6);
    tf.dispose([a, b, s, l]);
  });

  it('lerp, latentMean and latentArithmetic match float64 arithmetic', async () => {
    const Z = gaussianRows(6, 8, 4);
    const z = tf.tensor3d([Z.slice(0, 3), Z.slice(3)]);
    const m = latentMean(z);
    expect(m.shape).toEqual([2, 8]);
    const want = [0, 1].flatMap((g) =>
      Array.from({ length: 8 }, (_, j) => (Z[3 * g]![j]! + Z[3 * g + 1]![j]! + Z[3 * g + 2]![j]!) / 3),
    );
    expect(maxDiff(await m.data(), want)).toBeLessThan(1e-6);
    const one = latentMean(tf.tensor2d(Z.slice(0, 3)));
    expect(one.shape).toEqual([8]);
    const [a, b, c] = [0, 1, 2].map((i) => tf.tensor1d(Z[i]!));
    const r = latentArithmetic(a!, b!, c!);
    expect(
      maxDiff(
        await r.data(),
        Z[0]!.map((v, j) => v - Z[1]![j]! + Z[2]![j]!),
      ),
    ).toBeLessThan(1e-6);
    const l = lerp(a!, b!, 1.5);
    expect(
      maxDiff(
        await l.data(),
        Z[0]!.map((v, j) => -0.5 * v + 1.5 * Z[1]![j]!),
      ),
    ).toBeLessThan(1e-6);
    tf.dispose([z, m, one, a!, b!, c!, r, l]);
  });

  it('rejects bad inputs with the function and argument named, allocating nothing', () => {
    const a = tf.zeros([2, 4]);
    const b = tf.zeros([2, 4]);
    const wide = tf.zeros([2, 5]);
    const flat = tf.zeros([4]);
    const empty = tf.zeros([0, 4]);
    const cube = tf.zeros([2, 2, 2]);
    const ints = tf.zeros([2], 'int32');
    const before = tf.memory().numTensors;
    expect(() => slerp(a, wide, 0.5)).toThrow(/slerp: a and b must have the same shape, got \[2, 4\] and \[2, 5\]/);
    expect(() => slerp(a, b, Number.NaN)).toThrow(
      /slerp: t must be a finite number or an array of finite numbers, got NaN/,
    );
    expect(() => lerp(a, b, [])).toThrow(/lerp: t must be a finite number or an array of 1 to 10000 finite numbers/);
    expect(() => lerp(a, b, new Array(10_001).fill(0))).toThrow(/lerp: t must be/);
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => lerp(null, b, 0)).toThrow(/lerp: a must be a tf.Tensor, got null/);
    expect(() => latentMean(flat)).toThrow(
      /latentMean: z must be rank 2 \[n, d\] or rank 3 \[g, n, d\], got shape \[4\]/,
    );
    expect(() => latentMean(empty)).toThrow(/latentMean: z must not be empty/);
    expect(() => latentArithmetic(a, b, flat)).toThrow(
      /latentArithmetic: a and c must have the same shape, got \[2, 4\] and \[4\]/,
    );
    expect(() => slerp(cube, cube, 0)).toThrow(/slerp: a must be rank 1 \[d\] or rank 2 \[n, d\]/);
    expect(() => slerp(ints, ints, 0)).toThrow(/slerp: a must be float32, got int32/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, wide, flat, empty, cube, ints]);
  });
});
