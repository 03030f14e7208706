import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { featureStatistics } from '../../src/metrics/feature-statistics';
import { fid } from '../../src/metrics/fid';
import { frechetDistance } from '../../src/metrics/frechet-distance';
import { kernelDistance } from '../../src/metrics/kernel-distance';
import { kid } from '../../src/metrics/kid';
import { describeBackends } from '../harness/backends';

/** A fixed "extractor": channel means at two scales and per-channel spread (9 features). */
const extractor = (x: tf.Tensor4D): tf.Tensor2D =>
  tf.tidy(() => {
    const m = tf.moments(x, [1, 2]);
    const coarse = tf.max(tf.avgPool(x, 4, 4, 'valid'), [1, 2]);
    return tf.concat([m.mean, tf.sqrt(m.variance), coarse], 1) as tf.Tensor2D;
  });

describeBackends('fid and kid', () => {
  const real = () => tf.randomUniform([40, 8, 8, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
  const fake = () => tf.randomUniform([40, 8, 8, 3], 0, 0.8, 'float32', 12) as tf.Tensor4D;

  it('fid equals frechetDistance of the extracted features, for every batch size and source form', async () => {
    const [r, f] = [real(), fake()];
    const want = await frechetDistance(extractor(f), extractor(r));
    const before = tf.memory().numTensors;
    expect(await fid(f, r, extractor, { batchSize: 7 })).toBeCloseTo(want, 9);
    expect(tf.memory().numTensors).toBe(before);
    // Batches from an array and an async generator; the reference as statistics.
    const batches = tf.split(f, 4) as tf.Tensor4D[];
    async function* gen() {
      for (const b of batches) yield b;
    }
    const stats = await featureStatistics(extractor(r));
    expect(await fid(batches, stats, extractor)).toBeCloseTo(want, 5);
    expect(await fid(gen(), r, extractor)).toBeCloseTo(want, 5);
  });

  it('fid takes a tfjs-layers model as the extractor, and [n, 1, 1, d] outputs', async () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const pooled = tfl.layers.averagePooling2d({ poolSize: 8 }).apply(input) as tfl.SymbolicTensor; // [n, 1, 1, 3]
    const model = tfl.model({ inputs: input, outputs: pooled });
    const [r, f] = [real(), fake()];
    const want = await frechetDistance(tf.mean(f, [1, 2]) as tf.Tensor2D, tf.mean(r, [1, 2]) as tf.Tensor2D);
    expect(await fid(f, r, model)).toBeCloseTo(want, 4);
  });

  it('kid equals kernelDistance of the extracted features', async () => {
    const [r, f] = [real(), fake()];
    const want = await kernelDistance(extractor(f), extractor(r), { subsets: 3, subsetSize: 20, seed: 4 });
    expect(await kid(f, r, extractor, { subsets: 3, subsetSize: 20, seed: 4, batchSize: 16 })).toEqual(want);
  });

  it('rejects bad arguments, and stops on an aborted signal', async () => {
    const [r, f] = [real(), fake()];
    await expect(fid(f, r, 'inception' as never)).rejects.toThrow(
      /fid: extractor must be a function \(images\) => features or a model/,
    );
    await expect(fid(tf.zeros([2, 3]) as never, r, extractor)).rejects.toThrow(/fid: images must be rank 4/);
    await expect(fid(f, r, extractor, { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
    await expect(fid([], r, extractor)).rejects.toThrow(/fid: images holds no images/);
    await expect(fid(f, r, (x) => tf.zeros([x.shape[0] + 1, 3]))).rejects.toThrow(/one row per image/);
    // Too few images for the 9 features: the count needed is named.
    await expect(fid(tf.slice(f, 0, 5) as tf.Tensor4D, r, extractor)).rejects.toThrow(
      /images has 5 samples of 9 features; .* at least 10/,
    );
    const c = new AbortController();
    c.abort(new Error('stopped'));
    await expect(fid(f, r, extractor, { signal: c.signal })).rejects.toThrow('stopped');
    await expect(kid(f, r, extractor, { signal: c.signal })).rejects.toThrow('stopped');
  });
});
