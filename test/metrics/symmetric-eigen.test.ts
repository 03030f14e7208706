import { expect, it } from 'vitest';
import { createRandom } from '../../src/core/random';
import { cholesky, multiply, multiplyTransposed, symmetricEigen } from '../../src/metrics/internal/symmetric-eigen';

function randomSymmetric(n: number, seed: number): Float64Array {
  const r = createRandom(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = r.uniform(-1, 1);
  return a;
}

it('eigenvectors and eigenvalues reconstruct A (V Λ Vᵀ) and V is orthonormal', () => {
  for (const n of [1, 2, 5, 17, 40]) {
    const a = randomSymmetric(n, n);
    const { values, vectors } = symmetricEigen(a, n, true);
    const v = vectors!;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rec = 0;
        let dot = 0;
        for (let k = 0; k < n; k++) {
          rec += v[i * n + k]! * values[k]! * v[j * n + k]!;
          dot += v[k * n + i]! * v[k * n + j]!;
        }
        expect(Math.abs(rec - a[i * n + j]!)).toBeLessThan(1e-10);
        expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-10);
      }
    }
    for (let i = 1; i < n; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    // Values alone equal the values with vectors.
    const only = symmetricEigen(a, n, false).values;
    for (let i = 0; i < n; i++) expect(Math.abs(only[i]! - values[i]!)).toBeLessThan(1e-10);
  }
});

it('handles diagonal, repeated and zero eigenvalues', () => {
  const d = Float64Array.from([3, 0, 0, 0, 3, 0, 0, 0, 0]);
  expect([...symmetricEigen(d, 3, false).values]).toEqual([0, 3, 3]);
  expect([...symmetricEigen(new Float64Array(4), 2, true).values]).toEqual([0, 0]);
});

it('Cholesky factors a positive definite matrix and refuses a singular one', () => {
  const n = 6;
  const b = randomSymmetric(n, 9);
  const spd = multiply(b, b, n);
  for (let i = 0; i < n; i++) spd[i * n + i]! += 0.1;
  const l = cholesky(spd, n)!;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += l[i * n + k]! * l[j * n + k]!;
      expect(Math.abs(s - spd[i * n + j]!)).toBeLessThan(1e-12);
    }
  }
  expect(cholesky(Float64Array.from([1, 1, 1, 1]), 2)).toBeNull();
  expect(cholesky(new Float64Array(4), 2)).toBeNull();
});

it('refuses a non-finite matrix', () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    expect(() => symmetricEigen(Float64Array.from([1, bad, bad, 1]), 2, true)).toThrow(/must be finite/);
  }
});

it('the triangular products equal the general ones', () => {
  const n = 9;
  const b = randomSymmetric(n, 4);
  const l = randomSymmetric(n, 5);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) l[i * n + j] = 0; // lower-triangular
  const general = multiply(b, l, n);
  const triangular = multiply(b, l, n, true);
  general.forEach((v, i) => expect(triangular[i]).toBeCloseTo(v, 12));
  const m = multiplyTransposed(l, general, n); // Lᵀ B L: symmetric
  const upper = multiplyTransposed(l, general, n, true);
  m.forEach((v, i) => expect(upper[i]).toBeCloseTo(v, 12));
});
