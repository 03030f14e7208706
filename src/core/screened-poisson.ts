import {
  type AbortSignalLike,
  checkAbortSignal,
  checkError,
  checkInteger,
  checkNumber,
  checkOneOf,
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
/** Most channels one solve takes. */
export const MAX_POISSON_CHANNELS = 16;
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
  /** Iteration cap, 1..100000 (with `method: 'sor'`, the number of sweeps). Defaults to 1000. */
  readonly maxIterations?: number;
  /**
   * How the system is iterated. `'cg'` (the default): conjugate gradients with a Jacobi
   * preconditioner, until `tolerance` or `maxIterations`. `'sor'`: exactly `maxIterations`
   * successive over-relaxation sweeps (Gauss-Seidel with factor `omega`), forward and backward in
   * turn, from `initial`: each sweep is cheaper than a conjugate-gradient step and carries the
   * fixed pixels' values across the whole domain at once, so a few dozen sweeps settle the
   * solution near the fixed pixels (a blend's seam) long before it has converged in the middle.
   * Either way only the free pixels are visited.
   */
  readonly method?: 'cg' | 'sor';
  /** The over-relaxation factor of `method: 'sor'`, in (0, 2). Defaults to 1.9. */
  readonly omega?: number;
  /**
   * Values per pixel, 1..16. Defaults to 1. With more, `values`, `gradientX`, `gradientY` and
   * `initial` hold that many interleaved values per pixel (`width * height * channels`), as does
   * the result; `weight` and `fixed` stay one per pixel. Each channel is solved on its own (the
   * result reports the most iterations and the largest residual of them).
   */
  readonly channels?: number;
  /** Cancels the solve: it throws an Error named 'AbortError' (checked every 16 iterations). */
  readonly signal?: AbortSignal;
}

/** The solution of {@link screenedPoisson}. */
export interface ScreenedPoissonResult {
  readonly values: Float32Array;
  /** Conjugate-gradient iterations (or over-relaxation sweeps) run. */
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
 * `maxIterations` sweeps over the free pixels (only they are visited: a hole or a pasted region
 * costs what it holds, not what the grid does). `method: 'sor'` runs `maxIterations` sweeps of
 * successive over-relaxation instead, and `channels` solves several interleaved channels at once.
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
 * // Two interleaved channels between fixed ends, by 50 Gauss-Seidel sweeps (over-relaxation
 * // with omega 1): straight lines.
 * const s = screenedPoisson({
 *   width: 5, height: 1, channels: 2,
 *   values: new Float32Array([0, 100, 0, 0, 0, 0, 0, 0, 40, 20]),
 *   fixed: new Uint8Array([1, 0, 0, 0, 1]),
 *   weight: 0, method: 'sor', omega: 1, maxIterations: 50,
 * });
 * console.log(Array.from(s.values, (v) => Math.round(v)), s.converged); // [0, 100, 10, 80, 20, 60, 30, 40, 40, 20] true
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
  const channels =
    p.channels === undefined ? 1 : checkInteger(owner, 'channels', p.channels, { min: 1, max: MAX_POISSON_CHANNELS });
  const n = width * height;
  const size = n * channels;
  if (size > MAX_POISSON_PIXELS) {
    throw checkError(owner, 'width * height * channels', `at most ${MAX_POISSON_PIXELS}`, size);
  }
  const sizeName = channels === 1 ? 'width * height' : 'width * height * channels';
  const f = checkFloats(owner, 'values', p.values, size, sizeName);
  const gx = p.gradientX === undefined ? null : checkFloats(owner, 'gradientX', p.gradientX, size, sizeName);
  const gy = p.gradientY === undefined ? null : checkFloats(owner, 'gradientY', p.gradientY, size, sizeName);
  const init = p.initial === undefined ? f : checkFloats(owner, 'initial', p.initial, size, sizeName);
  let weightArray: Float32Array | null = null;
  let weightValue = 0.1;
  if (p.weight instanceof Float32Array) {
    weightArray = checkFloats(owner, 'weight', p.weight, n, 'width * height');
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
  const method = p.method === undefined ? 'cg' : checkOneOf(owner, 'method', p.method, ['cg', 'sor'] as const);
  const omega =
    p.omega === undefined
      ? 1.9
      : checkNumber(owner, 'omega', p.omega, { min: 0, max: 2, minExclusive: true, maxExclusive: true });
  const signal = checkAbortSignal(owner, 'signal', p.signal);
  throwIfAborted(owner, signal);

  const { u, rhs, diag, active, sides, diagT, apply, systemRhs } = buildSystem(
    width,
    height,
    channels,
    f,
    gx,
    gy,
    init,
    weightArray,
    weightValue,
    fixed,
  );
  const C = channels;
  let iterations: number;
  let residual: number;
  if (method === 'sor') {
    overRelax(owner, signal, u, rhs, diag, active, sides, width, C, omega, maxIterations);
    iterations = maxIterations;
    residual = systemResidual(C, u, active, apply, systemRhs);
  } else {
    ({ iterations, residual } = conjugateGradients(
      owner,
      signal,
      C,
      u,
      active,
      diagT,
      apply,
      systemRhs,
      tolerance,
      maxIterations,
    ));
  }
  return { values: new Float32Array(u), iterations, residual, converged: residual <= tolerance };
}

/**
 * The system of a checked problem: the start u and each channel's own right-hand side rhs (weight
 * f - div g) on the grid, the free pixels packed (see below) with their diagonal, and the matrix
 * product and full right-hand side over the packed entries.
 */
function buildSystem(
  width: number,
  height: number,
  C: number,
  f: Float32Array,
  gx: Float32Array | null,
  gy: Float32Array | null,
  init: Float32Array,
  weightArray: Float32Array | null,
  weightValue: number,
  fixed: Uint8Array | Uint8ClampedArray | undefined,
) {
  const n = width * height;
  const size = n * C;
  // free[i] = 1 for an unknown; a pixel with no neighbour and no weight has nothing to solve and
  // keeps its start value. u holds the start (fixed pixels: their values), rhs each channel's
  // weight f - div g (each pair contributes its wanted difference to both ends).
  const free = new Uint8Array(n);
  const diag = new Float64Array(n);
  const u = new Float64Array(size);
  const rhs = new Float64Array(size);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const lambda = weightArray !== null ? weightArray[i]! : weightValue;
      const degree = (x > 0 ? 1 : 0) + (x < width - 1 ? 1 : 0) + (y > 0 ? 1 : 0) + (y < height - 1 ? 1 : 0);
      const isFixed = fixed !== undefined && fixed[i] !== 0;
      if (isFixed || lambda + degree === 0) {
        for (let c = 0, k = i * C; c < C; c++, k++) u[k] = isFixed ? f[k]! : init[k]!;
        continue;
      }
      free[i] = 1;
      diag[i] = lambda + degree;
      for (let c = 0, k = i * C; c < C; c++, k++) {
        u[k] = init[k]!;
        let r = lambda * f[k]!;
        if (gx !== null) {
          if (x < width - 1) r -= gx[k]!;
          if (x > 0) r += gx[k - C]!;
        }
        if (gy !== null) {
          if (y < height - 1) r -= gy[k]!;
          if (y > 0) r += gy[k - width * C]!;
        }
        rhs[k] = r;
      }
    }
  }

  // The iteration runs over the free pixels only, packed in scan order (entry t is pixel
  // active[t]): a problem whose unknowns are a small part of the grid (a hole, a pasted region)
  // costs per iteration what its unknowns do, not what the grid does. sides[t] says which of the
  // pixel's four neighbours are in the grid (bits 1 left, 2 right, 4 up, 8 down); of those, the
  // free left and right ones are entries t - 1 and t + 1 (bits 1 and 2 of links[t]), the free
  // upper and lower ones entries up[t] and down[t] (-1 when fixed or outside). Sums and products
  // run in scan order, term for term those of a loop over the whole grid.
  const where = new Int32Array(n).fill(-1);
  let count = 0;
  for (let i = 0; i < n; i++) if (free[i] !== 0) where[i] = count++;
  const active = new Int32Array(count);
  const sides = new Uint8Array(count);
  const links = new Uint8Array(count);
  const up = new Int32Array(count);
  const down = new Int32Array(count);
  for (let y = 0, i = 0, t = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (free[i] === 0) continue;
      active[t] = i;
      sides[t] = (x > 0 ? 1 : 0) | (x < width - 1 ? 2 : 0) | (y > 0 ? 4 : 0) | (y < height - 1 ? 8 : 0);
      links[t] = (x > 0 && free[i - 1] !== 0 ? 1 : 0) | (x < width - 1 && free[i + 1] !== 0 ? 2 : 0);
      up[t] = y > 0 ? where[i - width]! : -1;
      down[t] = y < height - 1 ? where[i + width]! : -1;
      t++;
    }
  }
  const diagT = new Float64Array(count);
  for (let t = 0; t < count; t++) diagT[t] = diag[active[t]!]!;

  /** out = A v over the free pixels (fixed ones are on the right-hand side). */
  const apply = (v: Float64Array, out: Float64Array): void => {
    for (let t = 0; t < count; t++) {
      const l = links[t]!;
      let s = diagT[t]! * v[t]!;
      if ((l & 1) !== 0) s -= v[t - 1]!;
      if ((l & 2) !== 0) s -= v[t + 1]!;
      const a = up[t]!;
      if (a >= 0) s -= v[a]!;
      const c = down[t]!;
      if (c >= 0) s -= v[c]!;
      out[t] = s;
    }
  };
  /** Channel c's right-hand side over the free pixels: rhs plus the fixed neighbours, which are known. */
  const systemRhs = (c: number, b: Float64Array): void => {
    const wc = width * C;
    for (let t = 0; t < count; t++) {
      const k = active[t]! * C + c;
      const sd = sides[t]!;
      const l = links[t]!;
      let r = rhs[k]!;
      if ((sd & 1) !== 0 && (l & 1) === 0) r = r + u[k - C]!;
      if ((sd & 2) !== 0 && (l & 2) === 0) r = r + u[k + C]!;
      if ((sd & 4) !== 0 && up[t]! < 0) r = r + u[k - wc]!;
      if ((sd & 8) !== 0 && down[t]! < 0) r = r + u[k + wc]!;
      b[t] = r;
    }
  };

  return { u, rhs, diag, active, sides, diagT, apply, systemRhs };
}

/**
 * The residual norm of the system as conjugate gradients see it, over the right-hand side's, for
 * u as it is: the largest of the channels'.
 */
function systemResidual(
  channels: number,
  u: Float64Array,
  active: Int32Array,
  apply: (v: Float64Array, out: Float64Array) => void,
  systemRhs: (c: number, b: Float64Array) => void,
): number {
  const count = active.length;
  const b = new Float64Array(count);
  const x = new Float64Array(count);
  const q = new Float64Array(count);
  let residual = 0;
  for (let c = 0; c < channels; c++) {
    systemRhs(c, b);
    for (let t = 0; t < count; t++) x[t] = u[active[t]! * channels + c]!;
    apply(x, q);
    let rNorm2 = 0;
    let bNorm2 = 0;
    for (let t = 0; t < count; t++) {
      const r = b[t]! - q[t]!;
      rNorm2 += r * r;
      bNorm2 += b[t]! * b[t]!;
    }
    residual = Math.max(residual, Math.sqrt(rNorm2) / (bNorm2 > 0 ? Math.sqrt(bNorm2) : 1));
  }
  return residual;
}

/**
 * Preconditioned conjugate gradients (Jacobi) on the packed free entries, channel by channel:
 * solves A x = b for each channel's x (from u, written back to u) until the residual norm is at
 * most `tolerance` times b's or `maxIterations` steps. Returns the most steps and the largest
 * residual of the channels.
 */
function conjugateGradients(
  owner: string,
  signal: AbortSignalLike | undefined,
  channels: number,
  u: Float64Array,
  active: Int32Array,
  diag: Float64Array,
  apply: (v: Float64Array, out: Float64Array) => void,
  systemRhs: (c: number, b: Float64Array) => void,
  tolerance: number,
  maxIterations: number,
): { iterations: number; residual: number } {
  const count = active.length;
  const b = new Float64Array(count);
  const x = new Float64Array(count);
  const r = new Float64Array(count);
  const z = new Float64Array(count);
  const d = new Float64Array(count);
  const q = new Float64Array(count);
  let most = 0;
  let largest = 0;
  for (let ch = 0; ch < channels; ch++) {
    systemRhs(ch, b);
    for (let t = 0; t < count; t++) x[t] = u[active[t]! * channels + ch]!;
    apply(x, q);
    let bNorm2 = 0;
    let rz = 0;
    let rNorm2 = 0;
    for (let t = 0; t < count; t++) {
      r[t] = b[t]! - q[t]!;
      z[t] = r[t]! / diag[t]!;
      d[t] = z[t]!;
      rz += r[t]! * z[t]!;
      rNorm2 += r[t]! * r[t]!;
      bNorm2 += b[t]! * b[t]!;
    }
    const scale = bNorm2 > 0 ? Math.sqrt(bNorm2) : 1;
    let residual = Math.sqrt(rNorm2) / scale;
    let iterations = 0;
    while (residual > tolerance && iterations < maxIterations && rz > 0) {
      if (iterations % ABORT_EVERY === 0) throwIfAborted(owner, signal);
      apply(d, q);
      let dq = 0;
      for (let t = 0; t < count; t++) dq += d[t]! * q[t]!;
      if (!(dq > 0)) break;
      const alpha = rz / dq;
      let rzNext = 0;
      rNorm2 = 0;
      for (let t = 0; t < count; t++) {
        x[t] = x[t]! + alpha * d[t]!;
        r[t] = r[t]! - alpha * q[t]!;
        z[t] = r[t]! / diag[t]!;
        rzNext += r[t]! * z[t]!;
        rNorm2 += r[t]! * r[t]!;
      }
      const beta = rzNext / rz;
      rz = rzNext;
      for (let t = 0; t < count; t++) d[t] = z[t]! + beta * d[t]!;
      iterations++;
      residual = Math.sqrt(rNorm2) / scale;
    }
    for (let t = 0; t < count; t++) u[active[t]! * channels + ch] = x[t]!;
    most = Math.max(most, iterations);
    largest = Math.max(largest, residual);
  }
  return { iterations: most, residual: largest };
}

/**
 * `sweeps` successive over-relaxation sweeps over the free pixels `active` of `u` (in place,
 * `channels` interleaved values per pixel), forward on even sweeps and backward on odd ones: each
 * value moves `omega` of the way to what its row of the system asks for given its neighbours as
 * they are (`rhs` plus its left, right, upper and lower neighbours in the grid, fixed or free,
 * over `diag`). The channels of a pixel are independent, so their updates overlap in the CPU.
 */
function overRelax(
  owner: string,
  signal: AbortSignalLike | undefined,
  u: Float64Array,
  rhs: Float64Array,
  diag: Float64Array,
  active: Int32Array,
  sides: Uint8Array,
  width: number,
  channels: number,
  omega: number,
  sweeps: number,
): void {
  const count = active.length;
  const C = channels;
  const wc = width * C;
  for (let s = 0; s < sweeps; s++) {
    if (s % ABORT_EVERY === 0) throwIfAborted(owner, signal);
    const forward = s % 2 === 0;
    for (let k = 0; k < count; k++) {
      const t = forward ? k : count - 1 - k;
      const i = active[t]!;
      const sd = sides[t]!;
      const m = diag[i]!;
      for (let c = 0, j = i * C; c < C; c++, j++) {
        let sum = rhs[j]!;
        if ((sd & 1) !== 0) sum += u[j - C]!;
        if ((sd & 2) !== 0) sum += u[j + C]!;
        if ((sd & 4) !== 0) sum += u[j - wc]!;
        if ((sd & 8) !== 0) sum += u[j + wc]!;
        const old = u[j]!;
        u[j] = old + omega * (sum / m - old);
      }
    }
  }
}

function checkFloats(owner: string, arg: string, value: unknown, n: number, sizeName: string): Float32Array {
  if (!(value instanceof Float32Array) || value.length !== n) {
    throw checkError(owner, arg, `a Float32Array of ${sizeName} = ${n} values`, value);
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
