import type { FeatureFieldJob, FeatureFieldRun } from './kernel.js';
import { seedState, xorshift32 } from './prng.js';

// The feature-space search in plain TypeScript: the twin of featureInitialise, featureIterate and
// featureCoherence in assembly/patchmatch.ts. The WebAssembly distance works on four f32 lanes
// (f32x4 sub, mul, add); here every lane is a Math.fround-rounded number, so each operation rounds
// to f32 exactly as there (a double result of an f32 +, - or * rounds to the same f32 as the f32
// operation itself), and the lanes are summed in the same order: bit-identical fields.

// Must match INIT_CANDIDATES in assembly/patchmatch.ts.
const INIT_CANDIDATES = 4;
const fround = Math.fround;

interface FeatureState {
  readonly t: Float32Array;
  readonly tw: number;
  readonly s: Float32Array;
  readonly sw: number;
  readonly sh: number;
  readonly c: number;
  readonly p: number;
  readonly fw: number;
  readonly fh: number;
  readonly sfw: number;
  readonly sfh: number;
  readonly valid: Uint8Array;
  readonly validList: Int32Array;
  readonly active: Uint8Array;
  readonly initialX: Int32Array | null;
  readonly initialY: Int32Array | null;
  readonly nx: Int32Array;
  readonly ny: Int32Array;
  readonly nd: Float64Array;
  rng: number;
}

/** Starts a feature field run on the js kernel. */
export function startFeatureField(job: FeatureFieldJob): FeatureFieldRun {
  const { target, source, patchSize: p } = job;
  const fw = target.width - p + 1;
  const fh = target.height - p + 1;
  const n = fw * fh;
  const f: FeatureState = {
    t: target.data,
    tw: target.width,
    s: source.data,
    sw: source.width,
    sh: source.height,
    c: target.channels,
    p,
    fw,
    fh,
    sfw: source.width - p + 1,
    sfh: source.height - p + 1,
    valid: job.valid,
    validList: job.validList,
    active: job.active,
    initialX: job.initialX,
    initialY: job.initialY,
    nx: new Int32Array(n),
    ny: new Int32Array(n),
    nd: new Float64Array(n),
    rng: seedState(job.seed),
  };
  return {
    initialise: (start, end) => featureInitialise(f, start, end),
    iterate: (reverse, start, end) => featureIterate(f, reverse, start, end),
    coherence: (factor, radius, start, end) => featureCoherence(f, factor, radius, start, end),
    distances: () => f.nd,
    result: () => ({ x: f.nx.slice(), y: f.ny.slice(), distance: f.nd.slice() }),
    release: () => undefined,
  };
}

/** The feature distance, stopping after the row that reaches `bound`. Must match featureDistance() in assembly/patchmatch.ts. */
export function featureDistance(
  t: Float32Array,
  tw: number,
  s: Float32Array,
  sw: number,
  c: number,
  p: number,
  tx: number,
  ty: number,
  sx: number,
  sy: number,
  bound: number,
): number {
  const row = p * c;
  const chunks = row >> 2;
  const tail = row & 3;
  let ti = (ty * tw + tx) * c;
  let si = (sy * sw + sx) * c;
  const tStride = tw * c;
  const sStride = sw * c;
  let sum = 0;
  for (let r = 0; r < p; r++) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let a = ti;
    let b = si;
    for (let k = 0; k < chunks; k++, a += 4, b += 4) {
      const d0 = fround(t[a]! - s[b]!);
      const d1 = fround(t[a + 1]! - s[b + 1]!);
      const d2 = fround(t[a + 2]! - s[b + 2]!);
      const d3 = fround(t[a + 3]! - s[b + 3]!);
      a0 = fround(a0 + fround(d0 * d0));
      a1 = fround(a1 + fround(d1 * d1));
      a2 = fround(a2 + fround(d2 * d2));
      a3 = fround(a3 + fround(d3 * d3));
    }
    // The masked tail: lanes past it add (0 - 0)^2 = 0, which leaves them as they are.
    if (tail > 0) {
      const d0 = fround(t[a]! - s[b]!);
      a0 = fround(a0 + fround(d0 * d0));
    }
    if (tail > 1) {
      const d1 = fround(t[a + 1]! - s[b + 1]!);
      a1 = fround(a1 + fround(d1 * d1));
    }
    if (tail > 2) {
      const d2 = fround(t[a + 2]! - s[b + 2]!);
      a2 = fround(a2 + fround(d2 * d2));
    }
    sum += fround(fround(a0 + a2) + fround(a1 + a3));
    if (sum >= bound) return sum;
    ti += tStride;
    si += sStride;
  }
  return sum;
}

function dist(f: FeatureState, tx: number, ty: number, sx: number, sy: number, bound: number): number {
  return featureDistance(f.t, f.tw, f.s, f.sw, f.c, f.p, tx, ty, sx, sy, bound);
}

/** Must match featureCandidate() in assembly/patchmatch.ts. */
function candidate(f: FeatureState, x: number, y: number, cx: number, cy: number, bound: number): number {
  if (f.valid[cy * f.sfw + cx] === 0) return bound;
  return dist(f, x, y, cx, cy, bound);
}

function nextRandom(f: FeatureState): number {
  f.rng = xorshift32(f.rng);
  return f.rng;
}

/** Must match featureInitialise() in assembly/patchmatch.ts. */
function featureInitialise(f: FeatureState, start: number, end: number): void {
  const { fw, sfw, sfh, valid, validList, active, nx, ny, nd, initialX: ix, initialY: iy } = f;
  const nValid = validList.length;
  for (let i = start; i < end; i++) {
    if (active[i] === 0) {
      nx[i] = -1;
      ny[i] = -1;
      nd[i] = Infinity;
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
    let d = dist(f, tx, ty, x, y, Infinity);
    for (let k = 1; k < INIT_CANDIDATES; k++) {
      const other = validList[nextRandom(f) % nValid]!;
      const cx = other % sfw;
      const cy = (other / sfw) | 0;
      const c = dist(f, tx, ty, cx, cy, d);
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

/** Must match featureIterate() in assembly/patchmatch.ts. */
function featureIterate(f: FeatureState, reverse: boolean, start: number, end: number): void {
  if (end <= start) return;
  const { fw, fh, sfw, sfh, active, nx, ny, nd } = f;
  const step = reverse ? -1 : 1;
  const startRadius = Math.max(f.sw, f.sh);
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
        if (cx >= 0 && cx < sfw && (cx !== bx || cy !== by)) {
          const d = candidate(f, x, y, cx, cy, bd);
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
        if (cy >= 0 && cy < sfh && (cx !== bx || cy !== by)) {
          const d = candidate(f, x, y, cx, cy, bd);
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
      if (cx !== bx || cy !== by) {
        const d = candidate(f, x, y, cx, cy, bd);
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

/** Must match featureCoherence() in assembly/patchmatch.ts. */
function featureCoherence(f: FeatureState, factor: number, radius: number, start: number, end: number): void {
  const { fw, sfw, sfh, active, nx, ny, nd } = f;
  for (let i = start; i < end; i++) {
    if (active[i] === 0) continue;
    const y = (i / fw) | 0;
    const x = i - y * fw;
    let best = Infinity;
    let bx = -1;
    let by = -1;
    for (let dy = -radius; dy <= 0; dy++) {
      const ny0 = y + dy;
      if (ny0 < 0) continue;
      const dxEnd = dy < 0 ? radius : -1;
      for (let dx = -radius; dx <= dxEnd; dx++) {
        const nx0 = x + dx;
        if (nx0 < 0 || nx0 >= fw) continue;
        const j = ny0 * fw + nx0;
        if (active[j] === 0) continue;
        const cx = nx[j]! - dx;
        const cy = ny[j]! - dy;
        if (cx < 0 || cx >= sfw || cy < 0 || cy >= sfh || (cx === bx && cy === by)) continue;
        const d = candidate(f, x, y, cx, cy, best);
        if (d < best) {
          best = d;
          bx = cx;
          by = cy;
        }
      }
    }
    if (bx >= 0 && best <= nd[i]! * factor) {
      nx[i] = bx;
      ny[i] = by;
      nd[i] = best;
    }
  }
}
