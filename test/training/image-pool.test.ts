import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends } from '../harness/backends';
import { ImagePool } from '../../src/training';

/** A batch whose image i is filled with the value ids[i] (1x1x1 images). */
function batch(ids: number[]): tf.Tensor4D {
  return tf.tensor4d(ids, [ids.length, 1, 1, 1]);
}

function ids(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

describeBackends('ImagePool', () => {
  it('size 0 passes images through as a copy', () => {
    const pool = new ImagePool({ size: 0 });
    const x = batch([1, 2, 3]);
    const out = pool.query(x);
    expect(out).not.toBe(x);
    expect(ids(out)).toEqual([1, 2, 3]);
    expect(pool.count).toBe(0);
    x.dispose();
    pool.dispose();
  });

  it('fills up first (returning the new images), then follows the swap rule, owning its tensors', () => {
    const before = tf.memory().numTensors;
    const size = 10;
    const pool = new ImagePool({ size, seed: 1 });
    // Filling: the first 10 images are stored and returned unchanged.
    let next = 1;
    for (let i = 0; i < 5; i++) {
      const x = batch([next, next + 1]);
      next += 2;
      expect(ids(pool.query(x))).toEqual([next - 2, next - 1]);
      x.dispose(); // the pool keeps its own copies
    }
    expect(pool.count).toBe(size);
    expect(tf.memory().numTensors).toBe(before + size);
    // Full: each image is returned itself (p <= 0.5) or swapped for a stored one (p > 0.5).
    const stored = new Set(Array.from({ length: size }, (_, i) => i + 1));
    let swaps = 0;
    let queries = 0;
    for (let round = 0; round < 300; round++) {
      const x = batch([next, next + 1, next + 2, next + 3]);
      const out = ids(pool.query(x));
      x.dispose();
      out.forEach((v, i) => {
        const fresh = next + i;
        queries++;
        if (v === fresh) return;
        // A swap returns an image that was stored, and the fresh one takes its place.
        expect(stored.has(v)).toBe(true);
        stored.delete(v);
        stored.add(fresh);
        swaps++;
      });
      next += 4;
      expect(pool.count).toBe(size);
    }
    // p > 0.5 with p ~ U(0, 1): about half of the queries swap (1200 draws, std ~0.015).
    expect(Math.abs(swaps / queries - 0.5)).toBeLessThan(0.06);
    expect(tf.memory().numTensors).toBe(before + size);
    pool.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const late = batch([1]);
    expect(() => pool.query(late)).toThrow(/disposed/);
    late.dispose();
  });

  it('picks every slot 0..size-1 and is reproducible with a seed', () => {
    const run = (seed: number): number[] => {
      const pool = new ImagePool({ size: 4, seed });
      const out: number[] = [];
      for (let i = 0; i < 200; i++) {
        const x = batch([i]);
        out.push(...ids(pool.query(x)));
        x.dispose();
      }
      pool.dispose();
      return out;
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    // Returned old images come from all four initial slots at some point.
    expect(new Set(a.filter((v, i) => v !== i && v < 4)).size).toBe(4);
  });

  it('works inside tf.tidy (stored images survive the scope)', () => {
    const pool = new ImagePool({ size: 2, seed: 3 });
    const out = tf.tidy(() => pool.query(tf.randomNormal([2, 4, 4, 3])));
    expect(pool.count).toBe(2);
    const zeros = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const again = pool.query(zeros);
    expect(again.shape).toEqual([1, 4, 4, 3]);
    tf.dispose([out, again, zeros]);
    pool.dispose();
  });

  it('rejects bad sizes and mismatched image shapes', () => {
    expect(() => new ImagePool({ size: -1 })).toThrow(/ImagePool: size must be an integer >= 0, got -1/);
    const pool = new ImagePool({ size: 2, seed: 1 });
    const a = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const b = tf.zeros([1, 4, 5, 3]) as tf.Tensor4D;
    tf.dispose(pool.query(a));
    expect(() => pool.query(b)).toThrow(/images \[1, 4, 5, 3\] do not match the stored images \[4, 4, 3\]/);
    const rank3 = tf.zeros([4, 4, 3]);
    expect(() => pool.query(rank3 as unknown as tf.Tensor4D)).toThrow(/rank 4/);
    tf.dispose([a, b, rank3]);
    pool.dispose();
  });

  it('getState/setState resume the same choices in another pool, without leaks', async () => {
    const batches = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => tf.fill([1, 2, 2, 1], i) as tf.Tensor4D);
    const pool = new ImagePool({ size: 3, seed: 4 });
    for (const b of batches.slice(0, 4)) tf.dispose(pool.query(b));
    const state = pool.getState();
    const resumed = new ImagePool({ size: 3, seed: 123 });
    const before = tf.memory().numTensors;
    resumed.setState(state);
    tf.dispose(state.images);
    const values = async (p: ImagePool) => {
      const out: number[] = [];
      for (const b of batches.slice(4)) {
        const y = p.query(b);
        out.push((await y.data())[0]!);
        y.dispose();
      }
      return out;
    };
    const expected = await values(pool);
    expect(await values(resumed)).toEqual(expected);
    // Some of the four queries returned an older stored image: the stored state mattered.
    expect(expected.some((v, i) => v !== i + 5)).toBe(true);
    resumed.dispose();
    pool.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    tf.dispose(batches);
  });

  it('setState rejects more images than the pool holds', () => {
    const pool = new ImagePool({ size: 1, seed: 1 });
    const images = [tf.zeros([2, 2, 1]), tf.zeros([2, 2, 1])] as tf.Tensor3D[];
    expect(() => pool.setState({ images, rngState: 1 })).toThrow(
      /ImagePool\.setState: the state holds 2 images but the pool's size is 1/,
    );
    tf.dispose(images);
    pool.dispose();
  });
});
