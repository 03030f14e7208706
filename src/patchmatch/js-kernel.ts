import type { FieldJob, FieldRun, Kernel, MeldParams, VoteJob } from './kernel.js';
import { startFeatureField } from './js-feature-kernel.js';
import { startKnnField } from './js-knn-kernel.js';
import { seedState, xorshift32 } from './prng.js';

export const NONE = 0xffffffff;
// Must match INIT_CANDIDATES in assembly/patchmatch.ts.
export const INIT_CANDIDATES = 4;

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

/** The state of one field computation (what setup() keeps in globals in assembly/patchmatch.ts). */
interface JsField {
  readonly t: Int32Array;
  readonly tw: number;
  readonly s: Int32Array;
  readonly sw: number;
  readonly sh: number;
  readonly p: number;
  readonly fw: number;
  readonly sfw: number;
  readonly sfh: number;
  readonly valid: Uint8Array;
  readonly validList: Int32Array;
  readonly active: Uint8Array;
  readonly initialX: Int32Array | null;
  readonly initialY: Int32Array | null;
  readonly nx: Int32Array;
  readonly ny: Int32Array;
  readonly nd: Uint32Array;
  rng: number;
  /** Image Melding's gain and bias ranges (meldSetup() in assembly/patchmatch.ts); null for a plain field. */
  readonly meld: MeldParams | null;
}

function startField(job: FieldJob): FieldRun {
  if ((job.k ?? 1) > 1) return startKnnField(job);
  const { target, source, patchSize: p } = job;
  const fw = target.width - p + 1;
  const n = fw * (target.height - p + 1);
  const rng = seedState(job.seed);
  const f: JsField = {
    // One 32-bit word per pixel (R | G << 8 | B << 16, alpha dropped): one load per pixel
    // instead of three, and one element kind whatever array type the caller passed.
    t: packed(target.data),
    tw: target.width,
    s: packed(source.data),
    sw: source.width,
    sh: source.height,
    p,
    fw,
    sfw: source.width - p + 1,
    sfh: source.height - p + 1,
    valid: job.valid,
    validList: job.validList,
    active: job.active,
    initialX: job.initialX,
    initialY: job.initialY,
    nx: new Int32Array(n),
    ny: new Int32Array(n),
    nd: new Uint32Array(n),
    rng,
    meld: job.meld ?? null,
  };
  const melding = f.meld !== null;
  return {
    initialise: (start, end) => (melding ? meldInitialise(f, start, end) : initialise(f, start, end)),
    iterate: (reverse, start, end) => (melding ? meldIterate(f, reverse, start, end) : iterate(f, reverse, start, end)),
    distances: () => f.nd,
    result: () => ({ x: f.nx.slice(), y: f.ny.slice(), distance: f.nd.slice() }),
    release: () => undefined,
  };
}

/** The next draw of the field's generator (prng.ts). */
function nextRandom(f: JsField): number {
  f.rng = xorshift32(f.rng);
  return f.rng;
}

/** Random initialisation of entries start..end-1. Must match initialise() in assembly/patchmatch.ts. */
function initialise(f: JsField, start: number, end: number): void {
  const { t, tw, s, sw, p, fw, sfw, sfh, valid, validList, active, nx, ny, nd } = f;
  const nValid = validList.length;
  const ix = f.initialX;
  const iy = f.initialY;
  for (let i = start; i < end; i++) {
    if (active[i] === 0) {
      nx[i] = -1;
      ny[i] = -1;
      nd[i] = NONE;
      continue;
    }
    const pick = validList[nextRandom(f) % nValid]!;
    let x = pick % sfw;
    let y = (pick / sfw) | 0;
    if (ix !== null && iy !== null) {
      const cx = ix[i]!;
      const cy = iy[i]!;
      if (cx >= 0 && cx < sfw && cy >= 0 && cy < sfh && valid[cy * sfw + cx] !== 0) {
        x = cx;
        y = cy;
      }
    }
    const tx = i % fw;
    const ty = (i / fw) | 0;
    let d = patchSsd(t, tw, s, sw, p, tx, ty, x, y, NONE);
    for (let k = 1; k < INIT_CANDIDATES; k++) {
      const other = validList[nextRandom(f) % nValid]!;
      const cx = other % sfw;
      const cy = (other / sfw) | 0;
      const c = patchSsd(t, tw, s, sw, p, tx, ty, cx, cy, d);
      if (c < d) {
        x = cx;
        y = cy;
        d = c;
      }
    }
    nx[i] = x;
    ny[i] = y;
    nd[i] = d;
  }
}

/**
 * One iteration over entries start..end-1 (end-1 down to start when `reverse`).
 * Must match iterate() in assembly/patchmatch.ts.
 */
function iterate(f: JsField, reverse: boolean, start: number, end: number): void {
  if (end <= start) return;
  const { t, tw, s, sw, p, fw, sfw, sfh, valid, active, nx, ny, nd } = f;
  const fh = nx.length / fw;
  const startRadius = Math.max(sw, f.sh);
  const step = reverse ? -1 : 1;
  const count = end - start;
  let i = reverse ? end - 1 : start;
  let y = (i / fw) | 0;
  let x = i - y * fw;
  // The generator's state in a local (kept in a register, not an object slot).
  let state = f.rng;
  for (let k = 0; k < count; k++, i += step, x += step) {
    // Row wrap of the running (x, y).
    if (x === fw) {
      x = 0;
      y++;
    } else if (x < 0) {
      x = fw - 1;
      y--;
    }
    if (active[i] === 0) continue;
    let bx = nx[i]!;
    let by = ny[i]!;
    let bd = nd[i]!;

    const qx = x - step;
    if (qx >= 0 && qx < fw) {
      const j = i - step;
      if (active[j] !== 0) {
        const cx = nx[j]! + step;
        const cy = ny[j]!;
        if (cx >= 0 && cx < sfw && (cx !== bx || cy !== by) && valid[cy * sfw + cx] !== 0) {
          const d = patchSsd(t, tw, s, sw, p, x, y, cx, cy, bd);
          if (d < bd) {
            bx = cx;
            by = cy;
            bd = d;
          }
        }
      }
    }
    const qy = y - step;
    if (qy >= 0 && qy < fh) {
      const j = i - step * fw;
      if (active[j] !== 0) {
        const cx = nx[j]!;
        const cy = ny[j]! + step;
        if (cy >= 0 && cy < sfh && (cx !== bx || cy !== by) && valid[cy * sfw + cx] !== 0) {
          const d = patchSsd(t, tw, s, sw, p, x, y, cx, cy, bd);
          if (d < bd) {
            bx = cx;
            by = cy;
            bd = d;
          }
        }
      }
    }
    // The widest window gets two draws (see iterate() in assembly/patchmatch.ts).
    let r = startRadius;
    let draw = 0;
    while (r >= 1) {
      const xmin = Math.max(bx - r, 0);
      const xmax = Math.min(bx + r, sfw - 1);
      const ymin = Math.max(by - r, 0);
      const ymax = Math.min(by + r, sfh - 1);
      state = xorshift32(state);
      const cx = xmin + (state % (xmax - xmin + 1));
      state = xorshift32(state);
      const cy = ymin + (state % (ymax - ymin + 1));
      if ((cx !== bx || cy !== by) && valid[cy * sfw + cx] !== 0) {
        const d = patchSsd(t, tw, s, sw, p, x, y, cx, cy, bd);
        if (d < bd) {
          bx = cx;
          by = cy;
          bd = d;
        }
      }
      if (draw++ > 0) r >>= 1;
    }
    nx[i] = bx;
    ny[i] = by;
    nd[i] = bd;
  }
  f.rng = state;
}

/** Sum of squared R, G, B differences of two p x p patches, stopping after the row that reaches `bound`. */
export function patchSsd(
  t: Int32Array,
  tw: number,
  s: Int32Array,
  sw: number,
  p: number,
  tx: number,
  ty: number,
  sx: number,
  sy: number,
  bound: number,
): number {
  let sum = 0;
  let ti = ty * tw + tx;
  let si = sy * sw + sx;
  for (let row = 0; row < p; row++) {
    const tEnd = ti + p;
    // 32-bit integers throughout (V8 keeps them untagged); a row sum stays below 2^31 for any
    // patch narrower than 11000 pixels.
    let rowSum = 0;
    for (let a = ti, b = si; a < tEnd; a++, b++) {
      const u = t[a]!;
      const v = s[b]!;
      const dr = (u & 255) - (v & 255);
      const dg = ((u >> 8) & 255) - ((v >> 8) & 255);
      const db = (u >> 16) - (v >> 16);
      rowSum = (rowSum + dr * dr + dg * dg + db * db) | 0;
    }
    sum += rowSum;
    if (sum >= bound) return sum;
    ti += tw;
    si += sw;
  }
  return sum;
}

/** Packs RGBA bytes into one word per pixel (explicit shifts, so independent of endianness). */
export function packed(data: Uint8Array | Uint8ClampedArray): Int32Array {
  const out = new Int32Array(data.length >> 2);
  for (let i = 0, k = 0; i < out.length; i++, k += 4) out[i] = data[k]! | (data[k + 1]! << 8) | (data[k + 2]! << 16);
  return out;
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

/** initialise() with the melding distance. Must match meldInitialise() in assembly/patchmatch.ts. */
function meldInitialise(f: JsField, start: number, end: number): void {
  const { t, tw, s, sw, p, fw, sfw, sfh, valid, validList, active, nx, ny, nd } = f;
  const m = f.meld!;
  const nValid = validList.length;
  const ix = f.initialX;
  const iy = f.initialY;
  for (let i = start; i < end; i++) {
    if (active[i] === 0) {
      nx[i] = -1;
      ny[i] = -1;
      nd[i] = NONE;
      continue;
    }
    const pick = validList[nextRandom(f) % nValid]!;
    let x = pick % sfw;
    let y = (pick / sfw) | 0;
    if (ix !== null && iy !== null) {
      const cx = ix[i]!;
      const cy = iy[i]!;
      if (cx >= 0 && cx < sfw && cy >= 0 && cy < sfh && valid[cy * sfw + cx] !== 0) {
        x = cx;
        y = cy;
      }
    }
    const tx = i % fw;
    const ty = (i / fw) | 0;
    let d = meldDistance(m, t, tw, s, sw, p, tx, ty, x, y);
    for (let k = 1; k < INIT_CANDIDATES; k++) {
      const other = validList[nextRandom(f) % nValid]!;
      const cx = other % sfw;
      const cy = (other / sfw) | 0;
      const c = meldDistance(m, t, tw, s, sw, p, tx, ty, cx, cy);
      if (c < d) {
        x = cx;
        y = cy;
        d = c;
      }
    }
    nx[i] = x;
    ny[i] = y;
    nd[i] = d;
  }
}

/** iterate() with the melding distance. Must match meldIterate() in assembly/patchmatch.ts. */
function meldIterate(f: JsField, reverse: boolean, start: number, end: number): void {
  if (end <= start) return;
  const { t, tw, s, sw, p, fw, sfw, sfh, valid, active, nx, ny, nd } = f;
  const m = f.meld!;
  const fh = nx.length / fw;
  const startRadius = Math.max(sw, f.sh);
  const step = reverse ? -1 : 1;
  const count = end - start;
  let i = reverse ? end - 1 : start;
  let y = (i / fw) | 0;
  let x = i - y * fw;
  for (let k = 0; k < count; k++, i += step, x += step) {
    if (x === fw) {
      x = 0;
      y++;
    } else if (x < 0) {
      x = fw - 1;
      y--;
    }
    if (active[i] === 0) continue;
    let bx = nx[i]!;
    let by = ny[i]!;
    let bd = nd[i]!;
    const qx = x - step;
    if (qx >= 0 && qx < fw) {
      const j = i - step;
      if (active[j] !== 0) {
        const cx = nx[j]! + step;
        const cy = ny[j]!;
        if (cx >= 0 && cx < sfw && (cx !== bx || cy !== by) && valid[cy * sfw + cx] !== 0) {
          const d = meldDistance(m, t, tw, s, sw, p, x, y, cx, cy);
          if (d < bd) {
            bx = cx;
            by = cy;
            bd = d;
          }
        }
      }
    }
    const qy = y - step;
    if (qy >= 0 && qy < fh) {
      const j = i - step * fw;
      if (active[j] !== 0) {
        const cx = nx[j]!;
        const cy = ny[j]! + step;
        if (cy >= 0 && cy < sfh && (cx !== bx || cy !== by) && valid[cy * sfw + cx] !== 0) {
          const d = meldDistance(m, t, tw, s, sw, p, x, y, cx, cy);
          if (d < bd) {
            bx = cx;
            by = cy;
            bd = d;
          }
        }
      }
    }
    let r = startRadius;
    let draw = 0;
    while (r >= 1) {
      const xmin = Math.max(bx - r, 0);
      const xmax = Math.min(bx + r, sfw - 1);
      const ymin = Math.max(by - r, 0);
      const ymax = Math.min(by + r, sfh - 1);
      const cx = xmin + (nextRandom(f) % (xmax - xmin + 1));
      const cy = ymin + (nextRandom(f) % (ymax - ymin + 1));
      if ((cx !== bx || cy !== by) && valid[cy * sfw + cx] !== 0) {
        const d = meldDistance(m, t, tw, s, sw, p, x, y, cx, cy);
        if (d < bd) {
          bx = cx;
          by = cy;
          bd = d;
        }
      }
      if (draw++ > 0) r >>= 1;
    }
    nx[i] = bx;
    ny[i] = by;
    nd[i] = bd;
  }
}
