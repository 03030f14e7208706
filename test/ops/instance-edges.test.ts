// instanceEdges against pix2pixHD's own Pix2PixHDModel.get_edges
// (test/fixtures/models/pix2pixhd/generate_pix2pixhd.py), int32 and float32 maps; bad input.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { readSafetensors } from '../../src/io/read-safetensors';
import { instanceEdges } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff, tensorOf } from '../models/helpers';

const FIX = readSafetensors(
  new Uint8Array(readFileSync(new URL('../fixtures/models/pix2pixhd/edges.safetensors', import.meta.url))),
);

describeBackends('instanceEdges', () => {
  it('matches upstream get_edges on float32 and int32 maps', async () => {
    const before = tf.memory().numTensors;
    const inst = tensorOf(FIX, 'instance_map') as tf.Tensor4D;
    const asInt = tf.cast(inst, 'int32') as tf.Tensor4D;
    for (const map of [inst, asInt]) {
      const e = instanceEdges(map);
      expect(e.dtype).toBe('float32');
      expect(await maxAbsDiff(e, FIX.get('edges')!)).toBe(0);
      e.dispose();
    }
    tf.dispose([inst, asInt]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('marks both pixels of each differing pair, and handles 1-pixel sides', async () => {
    const row = tf.tensor4d([1, 1, 2, 2, 2], [1, 1, 5, 1], 'int32');
    const e = instanceEdges(row);
    expect(Array.from(await e.data())).toEqual([0, 1, 1, 0, 0]);
    const one = tf.tensor4d([3], [1, 1, 1, 1], 'int32');
    const e1 = instanceEdges(one);
    expect(Array.from(await e1.data())).toEqual([0]);
    tf.dispose([row, e, one, e1]);
  });

  it('rejects maps of the wrong shape or dtype', () => {
    const three = tf.zeros([1, 4, 4, 3], 'int32');
    const rank3 = tf.zeros([4, 4, 1], 'int32');
    const bool = tf.zeros([1, 4, 4, 1], 'bool');
    const before = tf.memory().numTensors;
    expect(() => instanceEdges(three as tf.Tensor4D)).toThrow(
      /instanceEdges: instanceMap must have 1 channel in axis 3, got shape \[1, 4, 4, 3\]/,
    );
    expect(() => instanceEdges(rank3 as never)).toThrow(/instanceEdges: instanceMap must be rank 4 \[n, h, w, 1\]/);
    expect(() => instanceEdges(bool as tf.Tensor4D)).toThrow(
      /instanceMap must be of dtype 'int32' or 'float32', got "bool"/,
    );
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => instanceEdges(null)).toThrow(/instanceEdges: instanceMap must be a tf.Tensor, got null/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([three, rank3, bool]);
  });
});
