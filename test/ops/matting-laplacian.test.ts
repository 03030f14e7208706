import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { createRandom } from '../../src/core/random';
import { mattingLaplacian } from '../../src/ops/matting-laplacian';
import { describeBackends } from '../harness/backends';

/** The dense N × N matting Laplacian from its definition, in float64 (Levin et al. 2008, eq. 12). */
function denseLaplacian(pixels: Float32Array, h: number, w: number, eps: number, r: number): Float64Array {
  const side = 2 * r + 1;
  const n = side * side;
  const size = h * w;
  const L = new Float64Array(size * size);
  for (let y = 0; y + side <= h; y++) {
    for (let x = 0; x + side <= w; x++) {
      const idx: number[] = [];
      for (let dy = 0; dy < side; dy++) for (let dx = 0; dx < side; dx++) idx.push((y + dy) * w + (x + dx));
      const mu = [0, 1, 2].map((c) => idx.reduce((s, i) => s + pixels[i * 3 + c]!, 0) / n);
      const cov = [0, 1, 2].map((a) =>
        [0, 1, 2].map(
          (b) =>
            idx.reduce((s, i) => s + (pixels[i * 3 + a]! - mu[a]!) * (pixels[i * 3 + b]! - mu[b]!), 0) / n +
            (a === b ? eps / n : 0),
        ),
      );
      const inv = invert3(cov);
      for (const i of idx) {
        for (const j of idx) {
          let q = 0;
          for (let a = 0; a < 3; a++)
            for (let b = 0; b < 3; b++)
              q += (pixels[i * 3 + a]! - mu[a]!) * inv[a]![b]! * (pixels[j * 3 + b]! - mu[b]!);
          L[i * size + j]! += (i === j ? 1 : 0) - (1 + q) / n;
        }
      }
    }
  }
  return L;
}

/** Gauss-Jordan with partial pivoting (independent of the op's cofactor inverse). */
function invert3(m: number[][]): number[][] {
  const a = m.map((row, i) => [...row, ...[0, 1, 2].map((j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const d = a[c]![c]!;
    for (let j = 0; j < 6; j++) a[c]![j]! /= d;
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = 0; j < 6; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(3));
}

/** A 7 × 8 test image: random colours, a constant 3×3 block and a nearly flat block (noise 1e-4). */
function testImage(): Float32Array {
  const h = 7;
  const w = 8;
  const rng = createRandom(7);
  const p = new Float32Array(h * w * 3);
  for (let i = 0; i < p.length; i++) p[i] = rng.next();
  for (let y = 0; y < 3; y++)
    for (let x = 0; x < 3; x++) for (let c = 0; c < 3; c++) p[(y * w + x) * 3 + c] = 0.4 + 0.1 * c;
  for (let y = 4; y < 7; y++)
    for (let x = 5; x < 8; x++) for (let c = 0; c < 3; c++) p[(y * w + x) * 3 + c] = 0.7 + 1e-4 * rng.next();
  return p;
}

describeBackends('mattingLaplacian', () => {
  it('L v equals the dense definition (float64) for every channel, with 3×3 and 5×5 windows', () => {
    const [h, w] = [7, 8];
    const pixels = testImage();
    const image = tf.tensor4d(pixels, [1, h, w, 3]);
    const rng = createRandom(3);
    const v = Float32Array.from({ length: h * w * 2 }, () => rng.uniform(-1, 1));
    for (const [eps, r] of [
      [1e-7, 1],
      [1e-2, 1],
      [1e-5, 2],
    ] as const) {
      const dense = denseLaplacian(pixels, h, w, eps, r);
      const lap = mattingLaplacian(image, { epsilon: eps, windowRadius: r });
      const before = tf.memory().numTensors;
      const product = lap.multiply(tf.tensor4d(v, [1, h, w, 2]));
      expect(tf.memory().numTensors).toBe(before + 2); // v and the product
      const got = product.dataSync();
      let scale = 0;
      let worst = 0;
      for (let c = 0; c < 2; c++) {
        for (let i = 0; i < h * w; i++) {
          let want = 0;
          for (let j = 0; j < h * w; j++) want += dense[i * h * w + j]! * v[j * 2 + c]!;
          scale = Math.max(scale, Math.abs(want));
          worst = Math.max(worst, Math.abs(got[i * 2 + c]! - want));
        }
      }
      expect(worst / scale).toBeLessThan(2e-5);
      // The gradient of Σ (L x) ⊙ u with respect to x is Lᵀ u, from the dense matrix's transpose.
      const u = Float32Array.from({ length: h * w * 2 }, () => rng.uniform(-1, 1));
      const uT = tf.tensor4d(u, [1, h, w, 2]);
      const gradient = tf
        .grad((x: tf.Tensor) => tf.sum(tf.mul(lap.multiply(x as tf.Tensor4D), uT)))(tf.tensor4d(v, [1, h, w, 2]))
        .dataSync();
      let gScale = 0;
      let gWorst = 0;
      for (let c = 0; c < 2; c++) {
        for (let j = 0; j < h * w; j++) {
          let want = 0;
          for (let i = 0; i < h * w; i++) want += dense[i * h * w + j]! * u[i * 2 + c]!;
          gScale = Math.max(gScale, Math.abs(want));
          gWorst = Math.max(gWorst, Math.abs(gradient[j * 2 + c]! - want));
        }
      }
      expect(gWorst / gScale).toBeLessThan(2e-5);
      lap.dispose();
    }
  });

  it('matches the closed form for one window of two colours', () => {
    // 3×3 image: n1 = 4 pixels of colour a, n2 = 5 of colour b. Σ = (n1 n2 / 81) d dᵀ with
    // d = a − b, so L_ij = δ_ij − (1 + s_i s_j |d|² / λ) / 9 with λ = n1 n2 |d|² / 81 + ε / 9,
    // s = n2 / 9 for colour a and −n1 / 9 for colour b.
    const a = [0.9, 0.2, 0.1];
    const b = [0.1, 0.3, 0.8];
    const isA = [1, 0, 1, 0, 1, 0, 1, 0, 0];
    const pixels = Float32Array.from(isA.flatMap((t) => (t ? a : b)));
    const eps = 1e-3;
    const d2 = a.reduce((s, v, i) => s + (Math.fround(v) - Math.fround(b[i]!)) ** 2, 0);
    const lambda = (4 * 5 * d2) / 81 + eps / 9;
    const s = isA.map((t) => (t ? 5 / 9 : -4 / 9));
    const lap = mattingLaplacian(tf.tensor4d(pixels, [1, 3, 3, 3]), { epsilon: eps });
    // Column j of L is L e_j.
    for (let j = 0; j < 9; j++) {
      const e = tf.reshape(tf.cast(tf.oneHot([j], 9), 'float32'), [1, 3, 3, 1]) as tf.Tensor4D;
      const column = lap.multiply(e).dataSync();
      for (let i = 0; i < 9; i++) {
        const want = (i === j ? 1 : 0) - (1 + (s[i]! * s[j]! * d2) / lambda) / 9;
        expect(Math.abs(column[i]! - want)).toBeLessThan(2e-5);
      }
    }
    lap.dispose();
  });

  it('quadraticForm: 0 on locally affine images, and its gradient is exactly 2 L v', () => {
    const [h, w] = [7, 8];
    const image = tf.tensor4d(testImage(), [1, h, w, 3]);
    // With ε → 0 the affine functions of the colours are the null space (ε adds ε|slope|² per window).
    const lap = mattingLaplacian(image, { epsilon: 1e-7 });
    const affine = tf.reshape(tf.add(tf.matMul(tf.reshape(image, [h * w, 3]), tf.tensor2d([[0.5], [-1], [2]])), 0.3), [
      1,
      h,
      w,
      1,
    ]) as tf.Tensor4D;
    expect(Math.abs(lap.quadraticForm(affine).dataSync()[0]!)).toBeLessThan(1e-3);
    const v = tf.randomUniform([1, h, w, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    expect(lap.quadraticForm(v).dataSync()[0]!).toBeGreaterThan(0); // L is positive semi-definite
    const grad = tf.grad((x: tf.Tensor) => lap.quadraticForm(x as tf.Tensor4D))(v);
    const want = tf.mul(lap.multiply(v), 2);
    expect(tf.max(tf.abs(tf.sub(grad, want))).dataSync()[0]!).toBeLessThan(1e-4 * tf.max(tf.abs(want)).dataSync()[0]!);
    lap.dispose();
    expect(() => lap.multiply(v)).toThrow(/the Laplacian was disposed/);
  });

  it('rejects bad arguments before allocating', () => {
    const ok = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => mattingLaplacian(tf.zeros([1, 4, 4, 1]) as tf.Tensor4D)).toThrow(
      /image must be one RGB image \[1, h, w, 3\]/,
    );
    expect(() => mattingLaplacian(tf.zeros([2, 4, 4, 3]) as tf.Tensor4D)).toThrow(/one RGB image/);
    expect(() => mattingLaplacian(tf.zeros([1, 2, 9, 3]) as tf.Tensor4D)).toThrow(
      /at least 3×3 \(one window\), got 2×9/,
    );
    expect(() => mattingLaplacian(ok, { epsilon: 0 })).toThrow(/epsilon must be a finite number in \(0, 1000\]/);
    expect(() => mattingLaplacian(ok, { windowRadius: 9 })).toThrow(/windowRadius must be an integer in \[1, 4\]/);
    expect(() => mattingLaplacian(tf.fill([1, 4, 4, 3], Number.NaN) as tf.Tensor4D)).toThrow(/finite values, got NaN/);
    expect(tf.memory().numTensors).toBe(before + 4); // the test's own four arguments
    const lap = mattingLaplacian(ok);
    expect(() => lap.multiply(tf.zeros([1, 4, 5, 1]) as tf.Tensor4D)).toThrow(/v must have shape \[1, 4, 4, c\]/);
    lap.dispose();
  });
});
