// resizeNearestAlignCorners: TF 1.x resize_nearest_neighbor(align_corners=True), the reference
// DeepFill's neuralgym uses (torch's nearest mode has no align_corners): the hand-derived picks,
// tfjs' own resizeNearestNeighbor(alignCorners = true) as reference, the gradient, errors.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { resizeNearestAlignCorners } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { expectOnlyOutputsRemain } from '../harness/op-conformance';

/** A [1, h, w, 1] tensor whose value is its flat index, so the output names its source pixels. */
function indexImage(h: number, w: number): tf.Tensor4D {
  return tf.tensor4d(
    Float32Array.from({ length: h * w }, (_, i) => i),
    [1, h, w, 1],
  );
}

describeBackends('resizeNearestAlignCorners', () => {
  it('64 -> 32 picks rows and columns 0, 2, ..., 30, 33, ..., 63 (TF 1.x align_corners=True)', async () => {
    const x = indexImage(64, 64);
    // Only the output survives (the index tensors of the gathers are freed).
    expectOnlyOutputsRemain(() => resizeNearestAlignCorners(x, [32, 32]));
    const y = resizeNearestAlignCorners(x, [32, 32]);
    const picks = [...Array.from({ length: 16 }, (_, i) => 2 * i), ...Array.from({ length: 16 }, (_, i) => 33 + 2 * i)];
    const expected = picks.flatMap((r) => picks.map((c) => r * 64 + c));
    expect(Array.from(await y.data())).toEqual(expected);
    tf.dispose([x, y]);
  });

  it("agrees with tfjs' resizeNearestNeighbor(alignCorners = true) for down- and upscaling, several channels", async () => {
    for (const [h, w, oh, ow] of [
      [256, 256, 64, 64],
      [40, 24, 10, 6],
      [3, 5, 7, 4],
      [8, 8, 1, 3],
    ] as const) {
      const x = tf.tensor4d(
        Float32Array.from({ length: 2 * h * w * 3 }, (_, i) => i),
        [2, h, w, 3],
      );
      const ours = resizeNearestAlignCorners(x, [oh, ow]);
      const theirs = tf.image.resizeNearestNeighbor(x, [oh, ow], true);
      expect(ours.shape).toEqual([2, oh, ow, 3]);
      expect(Array.from(await ours.data()), `${h}x${w} -> ${oh}x${ow}`).toEqual(Array.from(await theirs.data()));
      tf.dispose([x, ours, theirs]);
    }
  });

  it('is differentiable: the gradient counts how often each pixel is picked', async () => {
    const x = indexImage(6, 6);
    const g = tf.grad((t: tf.Tensor) => tf.sum(resizeNearestAlignCorners(t as tf.Tensor4D, [4, 2])))(x);
    // Rows round(i * 5 / 3) = 0, 2, 3, 5; columns 0 and 5.
    const expected = new Array(36).fill(0);
    for (const r of [0, 2, 3, 5]) for (const c of [0, 5]) expected[r * 6 + c] += 1;
    expect(Array.from(await g.data())).toEqual(expected);
    tf.dispose([x, g]);
  });

  it('rejects bad inputs with Errors naming the argument', () => {
    expect(() => resizeNearestAlignCorners(tf.zeros([4, 4, 1]) as unknown as tf.Tensor4D, [2, 2])).toThrow(
      /resizeNearestAlignCorners: x must be rank 4/,
    );
    expect(() => resizeNearestAlignCorners(tf.zeros([1, 4, 4, 1]) as tf.Tensor4D, [0, 2])).toThrow(
      /resizeNearestAlignCorners: size must be two positive integers, got \[0,2\]/,
    );
  });
});
