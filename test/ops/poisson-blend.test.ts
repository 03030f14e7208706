// poissonBlend: GLCIC's post-process (Poisson image editing over core/screened-poisson.ts).
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { poissonBlend } from '../../src/ops/poisson-blend';
import { describeBackends } from '../harness/backends';

const H = 12;
const W = 14;

/** A [1, H, W, 1] mask with a hole over rows y0..y1 and columns x0..x1 (inclusive). */
function boxMask(y0: number, y1: number, x0: number, x1: number, n = 1): tf.Tensor4D {
  const data = new Float32Array(n * H * W);
  for (let b = 0; b < n; b++)
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data[(b * H + y) * W + x] = 1;
  return tf.tensor4d(data, [n, H, W, 1]);
}

/** An image [1, H, W, 2] from f(y, x, channel). */
function image(f: (y: number, x: number, c: number) => number): tf.Tensor4D {
  const data = new Float32Array(H * W * 2);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) for (let c = 0; c < 2; c++) data[(y * W + x) * 2 + c] = f(y, x, c);
  return tf.tensor4d(data, [1, H, W, 2]);
}

describeBackends('poissonBlend', () => {
  it('restores a smooth image whose hole the output fills with the right gradients at the wrong level', async () => {
    // The truth is a ramp; the output is the ramp plus an offset per channel (a seam if pasted).
    const ramp = (y: number, x: number, c: number) => 0.02 * x + 0.03 * y + 0.1 * c;
    const truth = image(ramp);
    const output = image((y, x, c) => ramp(y, x, c) + 0.25 + 0.1 * c);
    const input = image((y, x, c) => ramp(y, x, c) * (y >= 3 && y <= 8 && x >= 4 && x <= 10 ? 0 : 1));
    const mask = boxMask(3, 8, 4, 10);
    const before = tf.memory().numTensors;
    const { image: blended, converged, iterations, residual } = await poissonBlend(input, output, mask);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(converged).toBe(true);
    expect(iterations).toBeGreaterThan(0);
    expect(residual).toBeLessThanOrEqual(1e-5);
    const got = await blended.data();
    const want = await truth.data();
    const inp = await input.data();
    const out = await output.data();
    let worst = 0;
    let pasteWorst = 0;
    const holes = await mask.data();
    for (let i = 0; i < got.length; i++) {
      const hole = holes[Math.floor(i / 2)] === 1;
      // Outside the hole: input exactly. Inside: the truth, which pasting the output misses by 0.25+.
      if (!hole) expect(got[i]).toBe(inp[i]);
      else {
        worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        pasteWorst = Math.max(pasteWorst, Math.abs(out[i]! - want[i]!));
      }
    }
    expect(worst).toBeLessThan(1e-4);
    expect(pasteWorst).toBeGreaterThan(0.2);
    tf.dispose([truth, output, input, mask, blended]);
  });

  it("keeps the output's detail: a checkerboard inside the hole survives, shifted to the surroundings", async () => {
    const input = image(() => 0.3);
    const output = image((y, x) => 0.9 + 0.1 * ((x + y) % 2));
    const mask = boxMask(2, 9, 2, 11, 1);
    const { image: blended } = await poissonBlend(input, output, mask);
    const g = await blended.data();
    // The hole's differences equal the output's away from the border, and the level moved toward 0.3.
    const at = (y: number, x: number) => g[(y * W + x) * 2]!;
    expect(at(5, 6) - at(5, 7)).toBeCloseTo(0.1 * (((5 + 6) % 2) - ((5 + 7) % 2)), 2);
    expect(Math.abs(at(5, 6) - 0.3)).toBeLessThan(0.2);
    tf.dispose([input, output, mask, blended]);
  });

  it('rejects bad input, naming the argument, before any work', async () => {
    const a = image(() => 0.5);
    const m = boxMask(2, 4, 2, 4);
    const small = tf.zeros([1, H, W - 1, 2]) as tf.Tensor4D;
    await expect(poissonBlend(a, small, m)).rejects.toThrow(
      /poissonBlend: output must have the shape of input \[1, 12, 14, 2\], got \[1, 12, 13, 2\]/,
    );
    await expect(poissonBlend(a, a, tf.zeros([1, H, W - 1, 1]) as tf.Tensor4D)).rejects.toThrow(
      /poissonBlend: mask must have shape \[1, 12, 14, 1\]/,
    );
    const empty = tf.zeros([1, H, W, 1]) as tf.Tensor4D;
    await expect(poissonBlend(a, a, empty)).rejects.toThrow(
      /poissonBlend: mask \(image 0\) must have at least one hole pixel/,
    );
    const full = tf.ones([1, H, W, 1]) as tf.Tensor4D;
    await expect(poissonBlend(a, a, full)).rejects.toThrow(
      /poissonBlend: mask \(image 0\) must keep at least one known pixel/,
    );
    const half = tf.fill([1, H, W, 1], 0.5) as tf.Tensor4D;
    await expect(poissonBlend(a, a, half)).rejects.toThrow(
      /poissonBlend: mask \(image 0\) must be only 0 \(known\) and 1 \(hole\) values, got 0.5/,
    );
    await expect(poissonBlend(a, a, m, { maxIterations: 0 })).rejects.toThrow(/poissonBlend: options.maxIterations/);
    await expect(poissonBlend(a, a, m, { tolerance: 1 })).rejects.toThrow(/poissonBlend: options.tolerance/);
    await expect(poissonBlend(a, a, m, null as never)).rejects.toThrow(
      /poissonBlend: options must be an options object/,
    );
    await expect(poissonBlend(null as never, a, m)).rejects.toThrow(/poissonBlend: input must be a tf.Tensor/);
    const nan = image(() => Number.NaN);
    await expect(poissonBlend(a, nan, m)).rejects.toThrow(/poissonBlend: output must be finite/);
    const controller = new AbortController();
    controller.abort();
    await expect(poissonBlend(a, a, m, { signal: controller.signal })).rejects.toThrow(/abort/i);
    tf.dispose([a, m, small, empty, full, half, nan]);
  });
});
