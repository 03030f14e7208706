import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyBox } from '../../../src/backend/kernels/slice';
import { initBothBackends, onBackend, onBothBackends, seeded } from './compare-backends';

/** The same values, bit for bit (these kernels copy; they compute nothing). */
function expectSame(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  expect(Array.from(a)).toEqual(Array.from(b));
}

describe('Slice, SplitV, Unpack, Concat and Pack on wasm equal cpu', () => {
  beforeAll(initBothBackends);

  it.each([
    { shape: [7], begin: [2], size: [4] },
    { shape: [5, 6], begin: [1, 0], size: [3, 6] },
    { shape: [5, 6], begin: [0, 2], size: [5, 3] },
    { shape: [1, 9, 9, 96], begin: [0, 0, 0, 48], size: [1, 9, 9, 48] },
    { shape: [1, 9, 9, 300], begin: [0, 1, 2, 3], size: [1, 7, 6, 290] },
    { shape: [2, 5, 4, 3], begin: [1, 1, 0, 0], size: [1, 3, 4, 3] },
    { shape: [1, 6, 2, 8, 3], begin: [0, 0, 1, 0, 0], size: [1, 6, 1, 8, 3] },
    { shape: [2, 3, 4, 2, 5, 3], begin: [1, 0, 1, 1, 2, 0], size: [1, 3, 2, 1, 3, 2] },
    { shape: [3, 4], begin: [1, 1], size: [0, 2] },
  ])('slice $shape at $begin size $size, with its gradient', async ({ shape, begin, size }) => {
    const { cpu, wasm } = await onBothBackends(() => {
      const x = seeded(shape, 31);
      const y = tf.slice(x, begin, size);
      const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.slice(v, begin, size), seeded(size, 32))))(x);
      return [y, dx];
    });
    expectSame(wasm[0]!, cpu[0]!);
    expectSame(wasm[1]!, cpu[1]!);
  });

  it('slices int32 and bool tensors', async () => {
    const f = () => [
      tf.slice(tf.reshape(tf.range(0, 60, 1, 'int32'), [3, 4, 5]), [1, 1, 2], [2, 2, 3]),
      tf.cast(tf.slice(tf.greater(seeded([4, 6], 33), 0), [1, 2], [2, 3]), 'int32'),
    ];
    const { cpu, wasm } = await onBothBackends(f);
    expectSame(wasm[0]!, cpu[0]!);
    expectSame(wasm[1]!, cpu[1]!);
  });

  it.each([
    { shape: [1, 6, 5, 96], splits: 2, axis: 3 },
    { shape: [1, 6, 5, 10], splits: [3, 7], axis: -1 },
    { shape: [4, 3, 2], splits: [1, 0, 3], axis: 0 },
    { shape: [2, 6, 3], splits: 3, axis: 1 },
  ])('split $shape into $splits along $axis, with its gradient', async ({ shape, splits, axis }) => {
    const { cpu, wasm } = await onBothBackends(() => {
      const x = seeded(shape, 34);
      const parts = tf.split(x, splits, axis);
      const dx = tf.grad((v: tf.Tensor) =>
        tf.addN(tf.split(v, splits, axis).map((p, i) => tf.sum(tf.mul(p, seeded(p.shape, 35 + i))))),
      )(x);
      return [...parts, dx];
    });
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((c, i) => expectSame(wasm[i]!, c));
  });

  it.each([
    { shape: [1, 4, 2, 6, 3], axis: 2 },
    { shape: [1, 4, 5, 2, 3], axis: 3 },
    { shape: [3, 2], axis: 0 },
    { shape: [2, 3, 4], axis: -1 },
  ])('unstack $shape along $axis and stack back, with gradients', async ({ shape, axis }) => {
    const { cpu, wasm } = await onBothBackends(() => {
      const x = seeded(shape, 36);
      const parts = tf.unstack(x, axis);
      const stacked = tf.stack(parts, axis);
      const dx = tf.grad((v: tf.Tensor) => {
        const ps = tf.unstack(v, axis);
        return tf.sum(
          tf.mul(
            tf.stack(
              ps.map((p) => tf.square(p)),
              axis,
            ),
            seeded(shape, 37),
          ),
        );
      })(x);
      return [...parts, stacked, dx];
    });
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((c, i) => expectSame(wasm[i]!, c));
  });

  it.each([
    {
      shapes: [
        [1, 5, 4, 3],
        [1, 5, 4, 200],
      ],
      axis: 3,
    },
    {
      shapes: [
        [2, 3],
        [0, 3],
        [4, 3],
      ],
      axis: 0,
    },
    {
      shapes: [
        [2, 1, 3],
        [2, 4, 3],
        [2, 2, 3],
      ],
      axis: 1,
    },
  ])('concat $shapes along $axis, with its gradient', async ({ shapes, axis }) => {
    const { cpu, wasm } = await onBothBackends(() => {
      const xs = shapes.map((s, i) => seeded(s, 40 + i));
      const y = tf.concat(xs, axis);
      const dxs = tf.grads((...vs: tf.Tensor[]) => tf.sum(tf.mul(tf.concat(vs, axis), seeded(y.shape, 45))))(xs);
      return [y, ...dxs];
    });
    cpu.forEach((c, i) => expectSame(wasm[i]!, c));
  });

  it('upsamples by 2 (stack along inner axes) with the gradient, as DeepFill does', async () => {
    const { cpu, wasm } = await onBothBackends(() => {
      const x = seeded([1, 5, 6, 7], 50);
      const up = (v: tf.Tensor) => {
        const cols = tf.reshape(tf.stack([v, v], 3), [1, 5, 12, 7]);
        return tf.reshape(tf.stack([cols, cols], 2), [1, 10, 12, 7]);
      };
      return [up(x), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(up(v), seeded([1, 10, 12, 7], 51))))(x)];
    });
    cpu.forEach((c, i) => expectSame(wasm[i]!, c));
  });

  it('frees nothing it should keep and keeps nothing it should free', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = seeded([2, 3, 4, 6], 52);
    const ids = backend.numDataIds();
    const parts = tf.split(x, [3, 3], 3);
    const s = tf.slice(x, [0, 1, 0, 0], [2, 2, 4, 6]);
    const c = tf.concat(parts, 3);
    const st = tf.stack(parts, 0);
    const un = tf.unstack(x, 1);
    expect(backend.numDataIds()).toBe(ids + 2 + 1 + 1 + 1 + 3);
    tf.dispose([...parts, s, c, st, ...un]);
    expect(backend.numDataIds()).toBe(ids);
    x.dispose();
  });

  it('copyBox copies long and short runs and empty boxes', () => {
    const src = Float32Array.from({ length: 2 * 3 * 200 }, (_, i) => i);
    const dst = new Float32Array(2 * 2 * 150);
    expect(copyBox(src, [2, 3, 200], [0, 1, 25], [2, 2, 150], dst, 0)).toBe(600);
    expect(dst[0]).toBe(225);
    expect(dst[150]).toBe(425);
    expect(dst[300]).toBe(825);
    expect(copyBox(src, [2, 3, 200], [0, 0, 0], [2, 0, 200], dst, 0)).toBe(0);
  });

  it('keeps strings on the backend kernel', async () => {
    const v = await onBackend('wasm', () => {
      const s = tf.slice(tf.tensor1d(['a', 'b', 'c']), [1], [2]);
      expect(s.dataSync()).toEqual(['b', 'c']);
      return tf.zeros([1]);
    });
    expect(v[0]!.length).toBe(1);
  });
});
