/**
 * Dense symmetric linear algebra in float64 for the distribution metrics: Cholesky, and the
 * eigenvalues (optionally eigenvectors) of a symmetric matrix by Householder reduction to
 * tridiagonal form and the implicit QL method (the EISPACK tred2 / tql2 pair). Matrices are
 * row-major Float64Arrays of n × n. Every loop is bounded: QL stops with an Error after
 * {@link MAX_QL_ITERATIONS} sweeps for one eigenvalue (it converges in 1-3 in practice).
 * @internal
 */

const MAX_QL_ITERATIONS = 64;

/**
 * The lower-triangular L with A = L Lᵀ, or null when A is not (numerically) positive definite:
 * a pivot at or below `tolerance` × the largest diagonal entry.
 */
export function cholesky(a: Float64Array, n: number, tolerance = 1e-10): Float64Array | null {
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, a[i * n + i]!);
  if (!(maxDiag > 0)) return null;
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let s = a[rowJ + j]!;
    for (let k = 0; k < j; k++) s -= l[rowJ + k]! * l[rowJ + k]!;
    if (!(s > tolerance * maxDiag)) return null;
    const ljj = Math.sqrt(s);
    l[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let t = a[rowI + j]!;
      for (let k = 0; k < j; k++) t -= l[rowI + k]! * l[rowJ + k]!;
      l[rowI + j] = t / ljj;
    }
  }
  return l;
}

/**
 * C = Aᵀ B for row-major n × n matrices. With `lower`, A is lower-triangular and only the upper
 * triangle of C is computed (then mirrored): for C symmetric by construction, a third of the work.
 */
export function multiplyTransposed(a: Float64Array, b: Float64Array, n: number, lower = false): Float64Array {
  const c = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rowA = k * n;
    const rowB = k * n;
    const last = lower ? k : n - 1;
    for (let i = 0; i <= last; i++) {
      const aki = a[rowA + i]!;
      if (aki === 0) continue;
      const rowC = i * n;
      for (let j = lower ? i : 0; j < n; j++) c[rowC + j]! += aki * b[rowB + j]!;
    }
  }
  if (lower) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) c[j * n + i] = c[i * n + j]!;
  return c;
}

/** C = A B for row-major n × n matrices; with `lowerB`, B is lower-triangular (half the work). */
export function multiply(a: Float64Array, b: Float64Array, n: number, lowerB = false): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowA = i * n;
    const rowC = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[rowA + k]!;
      if (aik === 0) continue;
      const rowB = k * n;
      const end = lowerB ? k + 1 : n;
      for (let j = 0; j < end; j++) c[rowC + j]! += aik * b[rowB + j]!;
    }
  }
  return c;
}

/** The result of {@link symmetricEigen}: eigenvalues ascending, eigenvectors as columns of `vectors`. */
export interface SymmetricEigen {
  values: Float64Array;
  vectors?: Float64Array;
}

/**
 * Eigen-decomposition of the symmetric n × n matrix `a` (only its values are read; `a` is not
 * changed). With `wantVectors` false the O(n³) accumulation of the transformations is skipped.
 */
export function symmetricEigen(a: Float64Array, n: number, wantVectors: boolean): SymmetricEigen {
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(a[i]!)) throw new Error('symmetricEigen: the matrix must be finite.');
  }
  const v = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(v, d, e, n, wantVectors);
  diagonalize(v, d, e, n, wantVectors);
  if (wantVectors) {
    // Rows to columns.
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const t = v[i * n + j]!;
        v[i * n + j] = v[j * n + i]!;
        v[j * n + i] = t;
      }
    }
  }
  // Sort ascending (selection sort on values, swapping vector columns).
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    for (let j = i + 1; j < n; j++) if (d[j]! < d[k]!) k = j;
    if (k === i) continue;
    const t = d[i]!;
    d[i] = d[k]!;
    d[k] = t;
    if (wantVectors) {
      for (let r = 0; r < n; r++) {
        const s = v[r * n + i]!;
        v[r * n + i] = v[r * n + k]!;
        v[r * n + k] = s;
      }
    }
  }
  return wantVectors ? { values: d, vectors: v } : { values: d };
}

/**
 * Householder reduction of v (symmetric, in place) to tridiagonal: diagonal d, sub-diagonal e.
 * The EISPACK algorithm walks columns of the lower triangle; here it runs on the transposed
 * storage (rows of the upper triangle, the same numbers for a symmetric input), so the inner
 * loops read memory in order. The accumulated transformations come out transposed
 * (eigenvectors as rows), and symmetricEigen transposes them back.
 */
function tridiagonalize(v: Float64Array, d: Float64Array, e: Float64Array, n: number, accumulate: boolean): void {
  for (let j = 0; j < n; j++) d[j] = v[j * n + (n - 1)]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[j * n + (i - 1)]!;
        v[j * n + i] = 0;
        v[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[i * n + j] = f;
        g = e[j]! + v[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[j * n + k]! * d[k]!;
          e[k]! += v[j * n + k]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) v[j * n + k]! -= f * e[k]! + g * d[k]!;
        d[j] = v[j * n + (i - 1)]!;
        v[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  if (accumulate) {
    for (let i = 0; i < n - 1; i++) {
      v[i * n + (n - 1)] = v[i * n + i]!;
      v[i * n + i] = 1;
      const h = d[i + 1]!;
      if (h !== 0) {
        for (let k = 0; k <= i; k++) d[k] = v[(i + 1) * n + k]! / h;
        for (let j = 0; j <= i; j++) {
          let g = 0;
          for (let k = 0; k <= i; k++) g += v[(i + 1) * n + k]! * v[j * n + k]!;
          for (let k = 0; k <= i; k++) v[j * n + k]! -= g * d[k]!;
        }
      }
      for (let k = 0; k <= i; k++) v[(i + 1) * n + k] = 0;
    }
    for (let j = 0; j < n; j++) {
      d[j] = v[j * n + (n - 1)]!;
      v[j * n + (n - 1)] = 0;
    }
    v[(n - 1) * n + (n - 1)] = 1;
  } else {
    // The diagonal sits where the accumulation would have left it.
    for (let j = 0; j < n; j++) d[j] = v[j * n + j]!;
  }
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); rotations applied to v's rows (transposed storage) when `vectors`. */
function diagonalize(v: Float64Array, d: Float64Array, e: Float64Array, n: number, vectors: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n && Math.abs(e[m]!) > eps * tst1) m++;
    if (m >= n) m = n - 1;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > MAX_QL_ITERATIONS) {
          throw new Error('symmetricEigen: the QL iteration did not converge (is the matrix finite?).');
        }
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (vectors) {
            const next = (i + 1) * n;
            const here = i * n;
            for (let k = 0; k < n; k++) {
              h = v[next + k]!;
              v[next + k] = s * v[here + k]! + c * h;
              v[here + k] = c * v[here + k]! - s * h;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}
