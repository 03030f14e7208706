import {
  type AbortSignalLike,
  checkAbortSignal,
  checkError,
  checkInteger,
  checkNumber,
  checkOptions,
  describeValue,
} from './checks.js';

// Screened Poisson reconstruction (Bhat, Curless, Cohen and Zitnick, "Fourier Analysis of the 2D
// Screened Poisson Equation for Gradient Domain Problems", ECCV 2008), the gradient-domain step of
// Image Melding (Darabi et al. 2012): the image u closest to wanted gradients g, held near wanted
// values f with a per-pixel weight. One channel, plain Float32Arrays, no tfjs, so every entry
// point can use it.

/** Most pixels one solve takes: six Float64 work arrays stay under 1 GiB. */
export const MAX_POISSON_PIXELS = 1 << 24;
/** Most conjugate-gradient iterations one solve may be given. */
export const MAX_POISSON_ITERATIONS = 100_000;
/** Iterations between two looks at the AbortSignal. */
const ABORT_EVERY = 16;

/** One screened Poisson problem on a `width x height` grid (row-major, one value per pixel). */
export interface ScreenedPoissonProblem {
  readonly width: number;
  readonly height: number;
  /** The wanted values f (the data term), and the values of the `fixed` pixels. */
  readonly values: Float32Array;
  /**
   * Wanted horizontal differences: `gradientX[y * width + x]` is the wanted `u(x + 1, y) - u(x, y)`
   * (the last column is not read). Defaults to all 0.
   */
  readonly gradientX?: Float32Array;
  /** Wanted vertical differences: `gradientY[y * width + x]` is the wanted `u(x, y + 1) - u(x, y)` (the last row is not read). Defaults to all 0. */
  readonly gradientY?: Float32Array;
  /**
   * The screening weight lambda >= 0 of the data term, one number or one per pixel. Defaults to
   * 0.1. With 0 everywhere and no fixed pixel, u is only defined up to a constant (the solve
   * starts from `initial` and keeps its mean).
   */
  readonly weight?: number | Float32Array;
  /** Pixels (nonzero) held at `values` exactly (Dirichlet conditions). Defaults to none. */
  readonly fixed?: Uint8Array | Uint8ClampedArray;
  /** The starting point of the iteration. Defaults to `values`. */
  readonly initial?: Float32Array;
  /** Stop when the residual norm is at most `tolerance` times the right-hand side's, in (0, 1). Defaults to 1e-5. */
  readonly tolerance?: number;
  /** Iteration cap, 1..100000. Defaults to 1000. */
  readonly maxIterations?: number;
  /** Cancels the solve: it throws an Error named 'AbortError' (checked every 16 iterations). */
  readonly signal?: AbortSignal;
}

/** The solution of {@link screenedPoisson}. */
export interface ScreenedPoissonResult {
  readonly values: Float32Array;
  /** Conjugate-gradient iterations run. */
  readonly iterations: number;
  /** Final residual norm over the right-hand side's (0 when both are 0). */
  readonly residual: number;
  /** True when `residual <= tolerance` (false when the cap stopped the solve). */
  readonly converged: boolean;
}

/**
 * Solves the screened Poisson equation: the `u` minimising
 *
 * `sum_i weight_i (u_i - f_i)^2 + sum_(horizontal pairs) (u_(i+1) - u_i - gx_i)^2 + sum_(vertical pairs) (u_(i+w) - u_i - gy_i)^2`
 *
 * with the `fixed` pixels held at `f` (Neumann conditions at the image border, Dirichlet ones at
 * fixed pixels). That is the linear system `(weight + L) u = weight f - div g` over the free
 * pixels, solved by conjugate gradients with a Jacobi preconditioner in Float64, stopping at the
 * relative `tolerance` or at `maxIterations`, whichever comes first, so the time is bounded by
 * `maxIterations` sweeps over the grid.
 *
 * @example
 * ```ts
 * import { screenedPoisson } from 'tfjs-synth/patchmatch';
 * // A 4x1 ramp from its differences, held at 10 on the left.
 * const r = screenedPoisson({
 *   width: 4, height: 1,
 *   values: new Float32Array([10, 0, 0, 0]),
 *   gradientX: new Float32Array([2, 2, 2, 0]),
 *   fixed: new Uint8Array([1, 0, 0, 0]),
 *   weight: 0,
 * });
 * console.log(Array.from(r.values, (v) => Math.round(v))); // [10, 12, 14, 16]
 * ```
 */
export function screenedPoisson(problem: ScreenedPoissonProblem): ScreenedPoissonResult {
  return solveScreenedPoisson('screenedPoisson', problem);
}

/** {@link screenedPoisson} with errors naming `owner` (for the functions that call it). */
export function solveScreenedPoisson(owner: string, problem: ScreenedPoissonProblem): ScreenedPoissonResult {
  const p = checkOptions(owner, 'problem', problem);
  const width = checkInteger(owner, 'width', p.width, { min: 1 });
  const height = checkInteger(owner, 'height', p.height, { min: 1 });
  if (width * height > MAX_POISSON_PIXELS) {
    throw checkError(owner, 'width * height', `at most ${MAX_POISSON_PIXELS}`, width * height);
  }
  const n = width * height;
  const f = checkFloats(owner, 'values', p.values, n);
  const gx = p.gradientX === undefined ? null : checkFloats(owner, 'gradientX', p.gradientX, n);
  const gy = p.gradientY === undefined ? null : checkFloats(owner, 'gradientY', p.gradientY, n);
  const init = p.initial === undefined ? f : checkFloats(owner, 'initial', p.initial, n);
  let weightArray: Float32Array | null = null;
  let weightValue = 0.1;
  if (p.weight instanceof Float32Array) {
    weightArray = checkFloats(owner, 'weight', p.weight, n);
    for (let i = 0; i < n; i++) {
      if (!(weightArray[i]! >= 0)) throw checkError(owner, `weight[${i}]`, 'a finite number >= 0', weightArray[i]);
    }
  } else if (p.weight !== undefined) {
    weightValue = checkNumber(owner, 'weight', p.weight, { min: 0 });
  }
  const fixed = p.fixed;
  if (
    fixed !== undefined &&
    (!(fixed instanceof Uint8Array || fixed instanceof Uint8ClampedArray) || fixed.length !== n)
  ) {
    throw checkError(owner, 'fixed', `a Uint8Array of width * height = ${n} bytes`, fixed);
  }
  const tolerance =
    p.tolerance === undefined
      ? 1e-5
      : checkNumber(owner, 'tolerance', p.tolerance, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
  const maxIterations =
    p.maxIterations === undefined
      ? 1000
      : checkInteger(owner, 'maxIterations', p.maxIterations, { min: 1, max: MAX_POISSON_ITERATIONS });
  const signal = checkAbortSignal(owner, 'signal', p.signal);
  throwIfAborted(owner, signal);

  // free[i] = 1 for an unknown; a pixel with no neighbour and no weight has nothing to solve and
  // keeps its start value.
  const free = new Uint8Array(n);
  const diag = new Float64Array(n);
  const b = new Float64Array(n);
  const u = new Float64Array(n);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const lambda = weightArray !== null ? weightArray[i]! : weightValue;
      const degree = (x > 0 ? 1 : 0) + (x < width - 1 ? 1 : 0) + (y > 0 ? 1 : 0) + (y < height - 1 ? 1 : 0);
      const isFixed = fixed !== undefined && fixed[i] !== 0;
      if (isFixed || lambda + degree === 0) {
        u[i] = isFixed ? f[i]! : init[i]!;
        continue;
      }
      free[i] = 1;
      diag[i] = lambda + degree;
      u[i] = init[i]!;
      // weight f - div g: each pair contributes its wanted difference to both ends.
      let rhs = lambda * f[i]!;
      if (gx !== null) {
        if (x < width - 1) rhs -= gx[i]!;
        if (x > 0) rhs += gx[i - 1]!;
      }
      if (gy !== null) {
        if (y < height - 1) rhs -= gy[i]!;
        if (y > 0) rhs += gy[i - width]!;
      }
      b[i] = rhs;
    }
  }
  // Fixed neighbours are known: move them to the right-hand side.
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (free[i] === 0) continue;
      if (x > 0 && free[i - 1] === 0) b[i] = b[i]! + u[i - 1]!;
      if (x < width - 1 && free[i + 1] === 0) b[i] = b[i]! + u[i + 1]!;
      if (y > 0 && free[i - width] === 0) b[i] = b[i]! + u[i - width]!;
      if (y < height - 1 && free[i + width] === 0) b[i] = b[i]! + u[i + width]!;
    }
  }

  /** out = A v over the free pixels (fixed ones read as 0: they are on the right-hand side). */
  const apply = (v: Float64Array, out: Float64Array): void => {
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i++) {
        if (free[i] === 0) {
          out[i] = 0;
          continue;
        }
        let s = diag[i]! * v[i]!;
        if (x > 0 && free[i - 1] !== 0) s -= v[i - 1]!;
        if (x < width - 1 && free[i + 1] !== 0) s -= v[i + 1]!;
        if (y > 0 && free[i - width] !== 0) s -= v[i - width]!;
        if (y < height - 1 && free[i + width] !== 0) s -= v[i + width]!;
        out[i] = s;
      }
    }
  };

  // Preconditioned conjugate gradients (Jacobi), on the free entries.
  const x0 = new Float64Array(n);
  for (let i = 0; i < n; i++) if (free[i] !== 0) x0[i] = u[i]!;
  const r = new Float64Array(n);
  const z = new Float64Array(n);
  const d = new Float64Array(n);
  const q = new Float64Array(n);
  apply(x0, q);
  let bNorm2 = 0;
  let rz = 0;
  let rNorm2 = 0;
  for (let i = 0; i < n; i++) {
    if (free[i] === 0) continue;
    r[i] = b[i]! - q[i]!;
    z[i] = r[i]! / diag[i]!;
    d[i] = z[i]!;
    rz += r[i]! * z[i]!;
    rNorm2 += r[i]! * r[i]!;
    bNorm2 += b[i]! * b[i]!;
  }
  const scale = bNorm2 > 0 ? Math.sqrt(bNorm2) : 1;
  let residual = Math.sqrt(rNorm2) / scale;
  let iterations = 0;
  while (residual > tolerance && iterations < maxIterations && rz > 0) {
    if (iterations % ABORT_EVERY === 0) throwIfAborted(owner, signal);
    apply(d, q);
    let dq = 0;
    for (let i = 0; i < n; i++) dq += d[i]! * q[i]!;
    if (!(dq > 0)) break;
    const alpha = rz / dq;
    let rzNext = 0;
    rNorm2 = 0;
    for (let i = 0; i < n; i++) {
      if (free[i] === 0) continue;
      x0[i] = x0[i]! + alpha * d[i]!;
      r[i] = r[i]! - alpha * q[i]!;
      z[i] = r[i]! / diag[i]!;
      rzNext += r[i]! * z[i]!;
      rNorm2 += r[i]! * r[i]!;
    }
    const beta = rzNext / rz;
    rz = rzNext;
    for (let i = 0; i < n; i++) if (free[i] !== 0) d[i] = z[i]! + beta * d[i]!;
    iterations++;
    residual = Math.sqrt(rNorm2) / scale;
  }
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = free[i] !== 0 ? x0[i]! : u[i]!;
  return { values, iterations, residual, converged: residual <= tolerance };
}

function checkFloats(owner: string, arg: string, value: unknown, n: number): Float32Array {
  if (!(value instanceof Float32Array) || value.length !== n) {
    throw checkError(owner, arg, `a Float32Array of width * height = ${n} values`, value);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(value[i]!)) {
      throw new Error(`${owner}: ${arg}[${i}] must be finite, got ${describeValue(value[i])}.`);
    }
  }
  return value;
}

function throwIfAborted(owner: string, signal: AbortSignalLike | undefined): void {
  if (signal?.aborted === true) {
    const error = new Error(`${owner}: aborted.`);
    error.name = 'AbortError';
    (error as Error & { cause?: unknown }).cause = signal.reason;
    throw error;
  }
}
