// Canny edge detector on synthetic images whose edges are known: a vertical step, a square and
// a flat image; invariance to the value range; channel handling; bad input.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { cannyEdges } from '../../src/ops/canny-edges';
import { describeBackends } from '../harness/backends';

/** [1, h, w, 1] image from f(y, x). */
function image(h: number, w: number, f: (y: number, x: number) => number): tf.Tensor4D {
  const v = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) v[y * w + x] = f(y, x);
  return tf.tensor4d(v, [1, h, w, 1]);
}

async function edgePixels(t: tf.Tensor): Promise<[number, number][]> {
  const [, h, w] = t.shape as number[];
  const d = await t.data();
  const out: [number, number][] = [];
  for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) if (d[y * w! + x] === 1) out.push([y, x]);
  expect(Array.from(d).every((v) => v === 0 || v === 1)).toBe(true);
  return out;
}

describeBackends('cannyEdges', () => {
  it('a vertical step gives one edge pixel per row, on the step', async () => {
    const step = image(16, 24, (_y, x) => (x >= 10 ? 1 : 0));
    const edges = await cannyEdges(step);
    expect(edges.shape).toEqual([1, 16, 24, 1]);
    const px = await edgePixels(edges);
    expect(px.length).toBe(16);
    for (let y = 0; y < 16; y++) {
      const cols = px.filter(([py]) => py === y).map(([, x]) => x);
      expect(cols.length).toBe(1);
      expect([9, 10]).toContain(cols[0]);
    }
    tf.dispose([step, edges]);
  });

  it("a square's outline, closed and nothing away from it; flat images have no edges", async () => {
    const square = image(32, 32, (y, x) => (y >= 8 && y < 24 && x >= 8 && x < 24 ? -1 : 1));
    const px = await edgePixels(await cannyEdges(square, { sigma: 0.8 }).then((e) => (square.dispose(), e)));
    // Every edge pixel within 1 of the square's boundary (rows/cols 7.5 and 23.5).
    const distance = ([y, x]: [number, number]) => {
      const inside = y >= 8 && y < 24 && x >= 8 && x < 24;
      const dy = Math.min(Math.abs(y - 7.5), Math.abs(y - 23.5));
      const dx = Math.min(Math.abs(x - 7.5), Math.abs(x - 23.5));
      return inside ? Math.min(dy, dx) : Math.max(y < 8 || y >= 24 ? dy : 0, x < 8 || x >= 24 ? dx : 0);
    };
    for (const p of px) expect(distance(p)).toBeLessThanOrEqual(1.5);
    // Every straight stretch of a side is found: two pixels in each middle row and column.
    for (let i = 10; i < 22; i++) {
      expect(px.filter(([y]) => y === i).length).toBe(2);
      expect(px.filter(([, x]) => x === i).length).toBe(2);
    }
    const flat = tf.fill([2, 8, 8, 3], 0.3) as tf.Tensor4D;
    const none = await cannyEdges(flat);
    expect(none.shape).toEqual([2, 8, 8, 1]);
    expect(Array.from(await none.data()).every((v) => v === 0)).toBe(true);
    tf.dispose([flat, none]);
  });

  it('thresholds are relative: the same edges for [0, 1] and [0, 255]; RGB uses luma', async () => {
    const f = (y: number, x: number) => (Math.sin(x / 2) + Math.cos((x + y) / 3) > 0.4 ? 0.9 : 0.1);
    const a = image(24, 24, f);
    const b = tf.mul(a, 255) as tf.Tensor4D;
    const rgb = tf.concat([a, tf.zerosLike(a), tf.zerosLike(a)], 3) as tf.Tensor4D; // luma 0.299 * a
    const [ea, eb, ergb] = await Promise.all([cannyEdges(a), cannyEdges(b), cannyEdges(rgb)]);
    const pa = await edgePixels(ea);
    expect(pa.length).toBeGreaterThan(10);
    expect(await edgePixels(eb)).toEqual(pa);
    expect(await edgePixels(ergb)).toEqual(pa);
    // Higher thresholds keep a subset.
    const strict = await cannyEdges(a, { low: 0.5, high: 0.9 });
    const ps = await edgePixels(strict);
    expect(ps.every(([y, x]) => pa.some(([yy, xx]) => yy === y && xx === x))).toBe(true);
    tf.dispose([a, b, rgb, ea, eb, ergb, strict]);
  });

  it('rejects bad input with Errors naming the argument, leaking nothing', async () => {
    const img = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    const nan = tf.fill([1, 8, 8, 1], Number.NaN) as tf.Tensor4D;
    const rank2 = tf.zeros([8, 8]);
    const before = tf.memory().numTensors;
    await expect(cannyEdges(rank2 as unknown as tf.Tensor4D)).rejects.toThrow(/cannyEdges: images must be rank 4/);
    await expect(cannyEdges(null as unknown as tf.Tensor4D)).rejects.toThrow(/cannyEdges: images must be a tf.Tensor/);
    await expect(cannyEdges(nan)).rejects.toThrow(/cannyEdges: images must be finite/);
    await expect(cannyEdges(img, { sigma: -1 })).rejects.toThrow(/cannyEdges: options.sigma must be/);
    await expect(cannyEdges(img, { low: Number.NaN })).rejects.toThrow(/cannyEdges: options.low must be/);
    await expect(cannyEdges(img, { low: 0.5, high: 0.2 })).rejects.toThrow(/options.low \(0.5\) must not exceed/);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(cannyEdges(img, { signal: controller.signal })).rejects.toThrow(/stop/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([img, nan, rank2]);
  });
});
