import { startFeatureField } from './js-feature-kernel.js';
import { startKnnField } from './js-knn-kernel.js';
import { initialiseField, iterateField, NONE, type PatchDistance, packed, patchSsd, searchState } from './js-search.js';
import type { FieldJob, FieldRun, Kernel, MeldParams, VoteJob } from './kernel.js';

/**
 * The PatchMatch kernels in plain TypeScript: the fallback where WebAssembly SIMD is missing and
 * the readable twin of assembly/patchmatch.ts. Every decision (PRNG draws, scan order, candidate
 * order, early termination) is made exactly as there, so both give bit-identical fields.
 */
export const jsKernel: Kernel = {
  name: 'js',
  startField,
  vote,
  memoryBytes: () => 0,
  startFeatureField,
};

function startField(job: FieldJob): FieldRun {
  if ((job.k ?? 1) > 1) return startKnnField(job);
  const { target, source, patchSize: p } = job;
  // What setup() keeps in globals in assembly/patchmatch.ts.
  const f = searchState(job, Uint32Array);
  // One 32-bit word per pixel (R | G << 8 | B << 16, alpha dropped): one load per pixel instead
  // of three, and one element kind whatever array type the caller passed.
  const t = packed(target.data);
  const tw = target.width;
  const s = packed(source.data);
  const sw = source.width;
  const meld = job.meld;
  // Image Melding compares every candidate whole (no early termination: the bound is unused).
  const distance: PatchDistance =
    meld !== undefined
      ? (tx, ty, sx, sy) => meldDistance(meld, t, tw, s, sw, p, tx, ty, sx, sy)
      : (tx, ty, sx, sy, bound) => patchSsd(t, tw, s, sw, p, tx, ty, sx, sy, bound);
  return {
    initialise: (start, end) => initialiseField(f, distance, NONE, start, end),
    iterate: (reverse, start, end) => iterateField(f, distance, reverse, start, end),
    distances: () => f.nd,
    result: () => ({ x: f.nx.slice(), y: f.ny.slice(), distance: f.nd.slice() }),
    release: () => undefined,
  };
}

/** Weighted patch voting. Must match vote() in assembly/patchmatch.ts (order and rounding). */
function vote(job: VoteJob): Uint8ClampedArray {
  const { fieldX, fieldY, fieldWidth: fw, fieldHeight: fh, patchSize: p, weights } = job;
  const tw = job.targetWidth;
  const nPix = tw * job.targetHeight;
  const s = job.source.data;
  const sw = job.source.width;
  const acc = new Float64Array(nPix * 4);
  for (let fy = 0; fy < fh; fy++) {
    for (let fx = 0; fx < fw; fx++) {
      const i = fy * fw + fx;
      const sx = fieldX[i]!;
      if (sx < 0) continue;
      const sy = fieldY[i]!;
      const w = weights !== null ? weights[i]! : 1.0;
      for (let dy = 0; dy < p; dy++) {
        let a = ((fy + dy) * tw + fx) * 4;
        let si = ((sy + dy) * sw + sx) * 4;
        for (let dx = 0; dx < p; dx++) {
          acc[a] = acc[a]! + w * s[si]!;
          acc[a + 1] = acc[a + 1]! + w * s[si + 1]!;
          acc[a + 2] = acc[a + 2]! + w * s[si + 2]!;
          acc[a + 3] = acc[a + 3]! + w;
          a += 4;
          si += 4;
        }
      }
    }
  }
  const out = new Uint8ClampedArray(nPix * 4);
  for (let k = 0; k < nPix; k++) {
    const a = k * 4;
    const wsum = acc[a + 3]!;
    if (wsum > 0) {
      out[a] = Math.min(255, Math.floor(acc[a]! / wsum + 0.5));
      out[a + 1] = Math.min(255, Math.floor(acc[a + 1]! / wsum + 0.5));
      out[a + 2] = Math.min(255, Math.floor(acc[a + 2]! / wsum + 0.5));
    }
    out[a + 3] = 255;
  }
  return out;
}

// ---- Image Melding: a gain and a bias per patch --------------------------------------------------
// The twin of the melding kernels at the end of assembly/patchmatch.ts (see the comment there):
// integer channel sums, then the same f64 operations in the same order.

const MELD_MAX = 4294967294;

/** Squared error of one channel after the clamped gain and bias. Must match channelError() in assembly/patchmatch.ts. */
function channelError(m: MeldParams, n: number, t: number, tt: number, s: number, ss: number, st: number): number {
  const ms = s / n;
  const mt = t / n;
  const vs = Math.max(ss / n - ms * ms, 0);
  const vt = Math.max(tt / n - mt * mt, 0);
  const g = Math.min(Math.max(Math.sqrt((vt + 1) / (vs + 1)), m.gainMin), m.gainMax);
  const b = Math.min(Math.max(mt - g * ms, m.biasMin), m.biasMax);
  return g * g * ss + 2 * g * b * s + n * b * b - 2 * g * st - 2 * b * t + tt;
}

/** The melding distance of two patches. Must match meldDistance() in assembly/patchmatch.ts. */
export function meldDistance(
  m: MeldParams,
  t: Int32Array,
  tw: number,
  s: Int32Array,
  sw: number,
  p: number,
  tx: number,
  ty: number,
  sx: number,
  sy: number,
): number {
  let t0 = 0,
    t1 = 0,
    t2 = 0,
    s0 = 0,
    s1 = 0,
    s2 = 0;
  let tt0 = 0,
    tt1 = 0,
    tt2 = 0,
    ss0 = 0,
    ss1 = 0,
    ss2 = 0,
    st0 = 0,
    st1 = 0,
    st2 = 0;
  let ti = ty * tw + tx;
  let si = sy * sw + sx;
  for (let row = 0; row < p; row++) {
    for (let a = ti, b = si, end = ti + p; a < end; a++, b++) {
      const u = t[a]!;
      const v = s[b]!;
      const ur = u & 255;
      const ug = (u >> 8) & 255;
      const ub = u >> 16;
      const vr = v & 255;
      const vg = (v >> 8) & 255;
      const vb = v >> 16;
      t0 += ur;
      t1 += ug;
      t2 += ub;
      s0 += vr;
      s1 += vg;
      s2 += vb;
      tt0 += ur * ur;
      tt1 += ug * ug;
      tt2 += ub * ub;
      ss0 += vr * vr;
      ss1 += vg * vg;
      ss2 += vb * vb;
      st0 += ur * vr;
      st1 += ug * vg;
      st2 += ub * vb;
    }
    ti += tw;
    si += sw;
  }
  const n = p * p;
  let total = channelError(m, n, t0, tt0, s0, ss0, st0);
  total += channelError(m, n, t1, tt1, s1, ss1, st1);
  total += channelError(m, n, t2, tt2, s2, ss2, st2);
  if (!(total > 0)) return 0;
  return Math.min(Math.floor(total + 0.5), MELD_MAX);
}
