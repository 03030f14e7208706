// reflectionPad2d against torch's F.pad(mode='reflect') (= nn.ReflectionPad2d), values and
// autograd gradients (tfjs' own mirrorPad gradient drops the border copies); normalizePadding2d's
// accepted forms; argument errors.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { normalizePadding2d, reflectionPad2d, type Padding2D } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { expectOpFiniteDifferences, loadOpFixture, runOpGoldens } from '../harness/op-conformance';

describeBackends('reflectionPad2d', () => {
  runOpGoldens({
    op: 'reflectionPad2d',
    cases: loadOpFixture('reflection-pad.json').cases,
    call: (i, c) => reflectionPad2d(i.x as tf.Tensor4D, c.options.padding as Padding2D),
    // A pure copy of values: no rounding. The gradient sums at most four weights per pixel.
    tolerance: 0,
    gradientTolerance: 1e-6,
  });

  it('does not repeat the edge pixel (hand-checked row)', async () => {
    const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const y = reflectionPad2d(x, [
      [0, 0],
      [2, 2],
    ]);
    expect(Array.from(await y.data())).toEqual([3, 2, 1, 2, 3, 2, 1]);
    tf.dispose([x, y]);
  });

  it('gradient counts every copy of a border pixel (tfjs mirrorPad gradient drops them)', async () => {
    // [1, 2, 3] padded by 2 on both sides is [3, 2, 1, 2, 3, 2, 1]: d sum / dx = [2, 3, 2].
    const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const g = tf.grad((t: tf.Tensor) =>
      tf.sum(
        reflectionPad2d(t as tf.Tensor4D, [
          [0, 0],
          [2, 2],
        ]),
      ),
    )(x);
    expect(Array.from(await g.data())).toEqual([2, 3, 2]);
    tf.dispose([x, g]);
  });

  it('gradient matches central finite differences (quadratic loss, padding on all four sides)', async () => {
    // The gradient of a pad is a sum of copies, so central differences of a quadratic loss are
    // exact up to float32 rounding: 1e-2 relative leaves room for that rounding only.
    const x = tf.randomUniform([1, 4, 5, 2], -1, 1, 'float32', 3);
    await expectOpFiniteDifferences(
      'reflectionPad2d',
      [x],
      ([v]) =>
        reflectionPad2d(v as tf.Tensor4D, [
          [2, 1],
          [1, 3],
        ]),
      1e-2,
      {
        samples: 8,
        square: true,
      },
    );
    x.dispose();
  });

  it('normalizePadding2d accepts a number, [vertical, horizontal] and [[top, bottom], [left, right]]', () => {
    expect(normalizePadding2d(2)).toEqual([
      [2, 2],
      [2, 2],
    ]);
    expect(normalizePadding2d(0)).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(normalizePadding2d([1, 3])).toEqual([
      [1, 1],
      [3, 3],
    ]);
    expect(
      normalizePadding2d([
        [0, 1],
        [2, 3],
      ]),
    ).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('normalizePadding2d rejects everything else, naming the owner and the value', () => {
    for (const bad of [-1, 1.5, NaN, [1, 2, 3], [1, -1], [[1, 2], 3], [[1, 2], [3]], null, '2']) {
      expect(() => normalizePadding2d(bad as never, 'Owner')).toThrow(
        /^Owner: padding must be a non-negative integer, \[vertical, horizontal\] or \[\[top, bottom\], \[left, right\]\], got /,
      );
    }
    expect(() => normalizePadding2d(-1)).toThrow(/^reflectionPad2d: padding .*got -1\.$/);
  });

  it('rejects bad inputs with Errors naming the argument', () => {
    const x = tf.zeros([1, 3, 5, 1]);
    expect(() =>
      reflectionPad2d(x as tf.Tensor4D, [
        [0, 0],
        [5, 0],
      ]),
    ).toThrow(/reflectionPad2d: .* width 5/);
    expect(() => reflectionPad2d(x as tf.Tensor4D, 3)).toThrow(
      /reflectionPad2d: reflect padding \[\[3,3\],\[3,3\]\] must be smaller than the input height 3 on each side/,
    );
    const x3 = tf.zeros([3, 5, 1]);
    expect(() => reflectionPad2d(x3 as never, 1)).toThrow(
      /reflectionPad2d: expected a rank-4 NHWC input, got shape \[3, 5, 1\]/,
    );
    tf.dispose([x, x3]);
  });
});
