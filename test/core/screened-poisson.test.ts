import { describe, expect, it } from 'vitest';
import { screenedPoisson } from '../../src/core/screened-poisson';

/** Deterministic values in [-scale, scale). */
function noise(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * scale;
  });
}

/**
 * The minimiser of the energy written out term by term, by a dense solve: the Hessian and the
 * linear term of the quadratic are accumulated pair by pair, fixed pixels are substituted, and
 * the normal equations are solved by Gaussian elimination with partial pivoting.
 */
function denseSolve(
  w: number,
  h: number,
  f: Float32Array,
  gx: Float32Array,
  gy: Float32Array,
  weight: Float32Array,
  fixed: Uint8Array,
): Float64Array {
  const n = w * h;
  const A = Array.from({ length: n }, () => new Float64Array(n));
  const b = new Float64Array(n);
  // sum weight_i (u_i - f_i)^2
  for (let i = 0; i < n; i++) {
    A[i]![i]! += weight[i]!;
    b[i]! += weight[i]! * f[i]!;
  }
  // (u_j - u_i - g)^2 for each neighbour pair i -> j
  const pair = (i: number, j: number, g: number) => {
    A[i]![i]! += 1;
    A[j]![j]! += 1;
    A[i]![j]! -= 1;
    A[j]![i]! -= 1;
    b[j]! += g;
    b[i]! -= g;
  };
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (x < w - 1) pair(i, i + 1, gx[i]!);
      if (y < h - 1) pair(i, i + w, gy[i]!);
    }
  // Fixed pixels: replace their rows by u_i = f_i.
  for (let i = 0; i < n; i++) {
    if (fixed[i] === 0) continue;
    A[i]!.fill(0);
    A[i]![i] = 1;
    b[i] = f[i]!;
  }
  // Gaussian elimination.
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const k = M[r]![c]! / M[c]![c]!;
      for (let k2 = c; k2 <= n; k2++) M[r]![k2]! -= k * M[c]![k2]!;
    }
  }
  return Float64Array.from({ length: n }, (_, i) => M[i]![n]! / M[i]![i]!);
}

describe('screenedPoisson', () => {
  it('matches a dense direct solve of the same energy on small grids', () => {
    for (const [w, h, seed] of [
      [4, 3, 1],
      [5, 5, 2],
      [1, 6, 3],
      [7, 2, 4],
    ] as const) {
      const n = w * h;
      const f = noise(n, seed, 50);
      const gx = noise(n, seed + 10, 5);
      const gy = noise(n, seed + 20, 5);
      const weight = Float32Array.from(noise(n, seed + 30), (v) => Math.abs(v) + 0.01);
      const fixed = Uint8Array.from({ length: n }, (_, i) => (i % 5 === 2 ? 1 : 0));
      const want = denseSolve(w, h, f, gx, gy, weight, fixed);
      const got = screenedPoisson({
        width: w,
        height: h,
        values: f,
        gradientX: gx,
        gradientY: gy,
        weight,
        fixed,
        tolerance: 1e-10,
      });
      expect(got.converged).toBe(true);
      for (let i = 0; i < n; i++) expect(got.values[i]).toBeCloseTo(want[i]!, 3);
      // Conjugate gradients end in at most n steps in exact arithmetic; allow a few for rounding.
      expect(got.iterations).toBeLessThanOrEqual(n + 5);
    }
  });

  it('a scalar weight is the same as that weight at every pixel', () => {
    const [w, h] = [6, 4];
    const f = noise(w * h, 7, 20);
    const gx = noise(w * h, 8, 3);
    const a = screenedPoisson({ width: w, height: h, values: f, gradientX: gx, weight: 0.3, tolerance: 1e-9 });
    const want = denseSolve(
      w,
      h,
      f,
      gx,
      new Float32Array(w * h),
      new Float32Array(w * h).fill(0.3),
      new Uint8Array(w * h),
    );
    for (let i = 0; i < w * h; i++) expect(a.values[i]).toBeCloseTo(want[i]!, 3);
  });

  it('is exact on known cases: a ramp from its differences, consistent data, a constant', () => {
    // A ramp in x and y held at one corner, from a zero start.
    const [w, h] = [9, 7];
    const ramp = Float32Array.from({ length: w * h }, (_, i) => 3 * (i % w) - 2 * Math.floor(i / w) + 5);
    const gx = new Float32Array(w * h).fill(3);
    const gy = new Float32Array(w * h).fill(-2);
    const fixed = new Uint8Array(w * h);
    fixed[0] = 1;
    const r = screenedPoisson({
      width: w,
      height: h,
      values: ramp,
      gradientX: gx,
      gradientY: gy,
      weight: 0,
      fixed,
      initial: new Float32Array(w * h),
      tolerance: 1e-12,
    });
    for (let i = 0; i < w * h; i++) expect(r.values[i]).toBeCloseTo(ramp[i]!, 4);
    // Values and differences that agree: the start is the solution (residual 0, no iteration).
    const same = screenedPoisson({ width: w, height: h, values: ramp, gradientX: gx, gradientY: gy, weight: 1 });
    expect(same.iterations).toBe(0);
    expect(same.residual).toBe(0);
    expect(Array.from(same.values)).toEqual(Array.from(ramp));
    // Fixed pixels come back exactly; with zero gradients, a constant boundary gives a constant.
    const border = Uint8Array.from({ length: w * h }, (_, i) => {
      const x = i % w;
      const y = Math.floor(i / w);
      return x === 0 || y === 0 || x === w - 1 || y === h - 1 ? 1 : 0;
    });
    const c = screenedPoisson({
      width: w,
      height: h,
      values: Float32Array.from(border, (v) => (v ? 42 : 0)),
      weight: 0,
      fixed: border,
      tolerance: 1e-12,
    });
    for (let i = 0; i < w * h; i++) expect(c.values[i]).toBeCloseTo(42, 4);
  });

  it('stops at maxIterations and says it did not converge', () => {
    const [w, h] = [30, 30];
    const f = noise(w * h, 3, 100);
    const r = screenedPoisson({
      width: w,
      height: h,
      values: f,
      gradientX: noise(w * h, 4, 10),
      weight: 0.001,
      initial: new Float32Array(w * h),
      maxIterations: 3,
    });
    expect(r.iterations).toBe(3);
    expect(r.converged).toBe(false);
    expect(r.residual).toBeGreaterThan(1e-5);
    const full = screenedPoisson({ width: w, height: h, values: f, gradientX: noise(w * h, 4, 10), weight: 0.001 });
    expect(full.converged).toBe(true);
    expect(full.residual).toBeLessThanOrEqual(1e-5);
    expect(full.iterations).toBeLessThan(1000);
  });

  it('honours an AbortSignal inside the iteration', () => {
    const [w, h] = [40, 40];
    const problem = {
      width: w,
      height: h,
      values: noise(w * h, 5, 100),
      gradientX: noise(w * h, 6, 10),
      weight: 1e-4,
      initial: new Float32Array(w * h),
      tolerance: 1e-12,
    };
    expect(() => screenedPoisson({ ...problem, signal: AbortSignal.abort() })).toThrow(
      expect.objectContaining({ name: 'AbortError', message: 'screenedPoisson: aborted.' }),
    );
    // A signal that fires after a few looks: the solve stops inside the loop.
    let looks = 0;
    const signal = {
      get aborted() {
        return ++looks > 3;
      },
      addEventListener() {},
      removeEventListener() {},
    } as unknown as AbortSignal;
    expect(() => screenedPoisson({ ...problem, signal })).toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(looks).toBe(4);
  });

  it('rejects bad problems with errors naming the argument', () => {
    const ok = { width: 2, height: 2, values: new Float32Array(4) };
    const bad: Array<[object, RegExp]> = [
      [{ ...ok, width: 0 }, /screenedPoisson: width must be an integer >= 1, got 0\./],
      [{ ...ok, height: 1.5 }, /height must be an integer >= 1, got 1\.5/],
      [{ ...ok, width: 1 << 13, height: 1 << 12 }, /width \* height must be at most 16777216/],
      [{ ...ok, values: new Float64Array(4) }, /values must be a Float32Array of width \* height = 4 values/],
      [{ ...ok, values: new Float32Array([0, Number.NaN, 0, 0]) }, /values\[1\] must be finite, got NaN/],
      [{ ...ok, gradientX: new Float32Array(3) }, /gradientX must be a Float32Array/],
      [{ ...ok, weight: -1 }, /weight must be a finite number >= 0, got -1/],
      [{ ...ok, weight: new Float32Array([1, -1, 0, 0]) }, /weight\[1\] must be a finite number >= 0/],
      [{ ...ok, fixed: [1, 0, 0, 0] }, /fixed must be a Uint8Array of width \* height = 4 bytes/],
      [{ ...ok, tolerance: 0 }, /tolerance must be a finite number in \(0, 1\)/],
      [{ ...ok, maxIterations: 1e6 }, /maxIterations must be an integer in \[1, 100000\]/],
      [{ ...ok, signal: 'stop' }, /signal must be an AbortSignal or undefined/],
      [{ ...ok, method: 'jacobi' }, /method must be one of 'cg', 'sor', got "jacobi"/],
      [{ ...ok, method: 'sor', omega: 2 }, /omega must be a finite number in \(0, 2\)/],
      [{ ...ok, channels: 0 }, /channels must be an integer in \[1, 16\]/],
      [{ ...ok, channels: 3 }, /values must be a Float32Array of width \* height \* channels = 12 values/],
      [
        { ...ok, channels: 2, values: new Float32Array(8), fixed: new Uint8Array(8) },
        /fixed must be a Uint8Array of width \* height = 4 bytes/,
      ],
    ];
    for (const [problem, message] of bad) expect(() => screenedPoisson(problem as never)).toThrow(message);
    expect(() => screenedPoisson(null as never)).toThrow(/problem must be an options object/);
  });

  it('by over-relaxation, reaches the dense solution (fixed pixels, weights, gradients)', () => {
    for (const [w, h, seed] of [
      [5, 4, 11],
      [7, 6, 12],
    ] as const) {
      const n = w * h;
      const f = noise(n, seed, 50);
      const gx = noise(n, seed + 10, 5);
      const gy = noise(n, seed + 20, 5);
      const weight = Float32Array.from(noise(n, seed + 30), (v) => Math.abs(v) * 0.2);
      const fixed = Uint8Array.from({ length: n }, (_, i) => (i % 4 === 1 ? 1 : 0));
      const want = denseSolve(w, h, f, gx, gy, weight, fixed);
      const problem = { width: w, height: h, values: f, gradientX: gx, gradientY: gy, weight, fixed };
      const got = screenedPoisson({ ...problem, method: 'sor', maxIterations: 400 });
      expect(got.iterations).toBe(400);
      expect(got.converged).toBe(true);
      for (let i = 0; i < n; i++) expect(got.values[i]).toBeCloseTo(want[i]!, 3);
      for (let i = 0; i < n; i++) if (fixed[i]) expect(got.values[i]).toBe(f[i]);
      // A few sweeps: not converged, and it says so.
      const short = screenedPoisson({ ...problem, method: 'sor', omega: 1.2, maxIterations: 2 });
      expect(short.converged).toBe(false);
      expect(short.residual).toBeGreaterThan(1e-5);
    }
  });

  it('solves interleaved channels exactly as one solve per channel, by either method', () => {
    const [w, h, C] = [9, 7, 3];
    const n = w * h;
    const fixed = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 || i < w ? 1 : 0));
    const weight = Float32Array.from(noise(n, 40), (v) => Math.abs(v) * 0.1);
    const planes = [0, 1, 2].map((c) => ({
      f: noise(n, 50 + c, 30),
      gx: noise(n, 60 + c, 4),
      gy: noise(n, 70 + c, 4),
    }));
    const interleave = (pick: (c: number) => Float32Array) =>
      Float32Array.from({ length: n * C }, (_, k) => pick(k % C)[Math.floor(k / C)]!);
    for (const method of ['cg', 'sor'] as const) {
      const options = { method, maxIterations: method === 'sor' ? 30 : 1000, weight, fixed, width: w, height: h };
      const together = screenedPoisson({
        ...options,
        channels: C,
        values: interleave((c) => planes[c]!.f),
        gradientX: interleave((c) => planes[c]!.gx),
        gradientY: interleave((c) => planes[c]!.gy),
      });
      let iterations = 0;
      let residual = 0;
      for (let c = 0; c < C; c++) {
        const { f, gx, gy } = planes[c]!;
        const one = screenedPoisson({ ...options, values: f, gradientX: gx, gradientY: gy });
        iterations = Math.max(iterations, one.iterations);
        residual = Math.max(residual, one.residual);
        for (let i = 0; i < n; i++) expect(together.values[i * C + c]).toBe(one.values[i]);
      }
      expect(together.iterations).toBe(iterations);
      expect(together.residual).toBe(residual);
    }
  });
});
