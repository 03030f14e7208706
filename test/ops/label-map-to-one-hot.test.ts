// labelMapToOneHot: SPADE's one-hot semantic map (Pix2PixModel.preprocess_input's scatter_),
// with the don't-care label as the last channel, and a clear Error for ids out of range.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { labelMapToOneHot } from '../../src/ops/label-map-to-one-hot';
import { describeBackends } from '../harness/backends';

describeBackends('labelMapToOneHot', () => {
  it('one-hot encodes [n, h, w] and [n, h, w, 1] maps of int32 or integral float32', async () => {
    const ids = tf.tensor3d([0, 2, 1, 1, 0, 2], [2, 1, 3], 'int32');
    const y = labelMapToOneHot(ids, 3);
    expect(y.shape).toEqual([2, 1, 3, 3]);
    expect(y.dtype).toBe('float32');
    expect(Array.from(await y.data())).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1]);
    const f = tf.tensor4d([0, 2, 1, 1, 0, 2], [2, 1, 3, 1]);
    const yf = labelMapToOneHot(f, 3);
    expect(Array.from(await yf.data())).toEqual(Array.from(await y.data()));
    tf.dispose([ids, y, f, yf]);
  });

  it("maps the don't-care id to one extra last channel", async () => {
    const ids = tf.tensor3d([255, 1], [1, 1, 2], 'int32');
    const y = labelMapToOneHot(ids, 2, { dontCareId: 255 });
    expect(Array.from(await y.data())).toEqual([0, 0, 1, 0, 1, 0]);
    tf.dispose([ids, y]);
  });

  it('rejects ids out of range, non-integers and bad arguments without leaking', () => {
    const before = tf.memory().numTensors;
    const ids = tf.tensor3d([0, 5], [1, 1, 2], 'int32');
    expect(() => labelMapToOneHot(ids, 3)).toThrow(
      /labelMapToOneHot: label ids must be integers in \[0, 3\) \(numLabels 3\), got 5/,
    );
    expect(() => labelMapToOneHot(ids, 3, { dontCareId: 255 })).toThrow(/or the don't-care id 255, got 5/);
    expect(() => labelMapToOneHot(ids, 0)).toThrow(
      /labelMapToOneHot: numLabels must be an integer in \[1, 4096\], got 0/,
    );
    expect(() => labelMapToOneHot(ids, 3, { dontCareId: 1 })).toThrow(/dontCareId must be an id outside \[0, 3\)/);
    const neg = tf.tensor3d([-1], [1, 1, 1], 'int32');
    expect(() => labelMapToOneHot(neg, 3)).toThrow(/got -1/);
    const wide = tf.zeros([1, 2, 2, 3]);
    expect(() => labelMapToOneHot(wide, 3)).toThrow(
      /labels must be \[n, h, w\] or \[n, h, w, 1\], got shape \[1, 2, 2, 3\]/,
    );
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => labelMapToOneHot(null, 3)).toThrow(/labelMapToOneHot: labels must be a live tf.Tensor/);
    tf.dispose([ids, neg, wide]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
