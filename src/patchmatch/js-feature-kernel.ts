import { initialiseField, iterateField, type PatchDistance, type SearchState, searchState } from './js-search.js';
import type { FeatureFieldJob, FeatureFieldRun } from './kernel.js';

// The feature-space search in plain TypeScript: the twin of featureInitialise, featureIterate and
// featureCoherence in assembly/patchmatch.ts (initialisation and iterations are js-search.ts's
// loops on the feature distance). The WebAssembly distance works on four f32 lanes (f32x4 sub,
// mul, add); here every lane is a Math.fround-rounded number, so each operation rounds to f32
// exactly as there (a double result of an f32 +, - or * rounds to the same f32 as the f32
// operation itself), and the lanes are summed in the same order: bit-identical fields.

const fround = Math.fround;

type FeatureState = SearchState & { readonly nd: Float64Array };

/** Starts a feature field run on the js kernel. */
export function startFeatureField(job: FeatureFieldJob): FeatureFieldRun {
  const { target, source, patchSize: p } = job;
  const f = searchState(job, Float64Array);
  const t = target.data;
  const tw = target.width;
  const s = source.data;
  const sw = source.width;
  const c = target.channels;
  const distance: PatchDistance = (tx, ty, sx, sy, bound) => featureDistance(t, tw, s, sw, c, p, tx, ty, sx, sy, bound);
  return {
    initialise: (start, end) => initialiseField(f, distance, Infinity, start, end),
    iterate: (reverse, start, end) => iterateField(f, distance, reverse, start, end),
    coherence: (factor, radius, start, end) => featureCoherence(f, distance, factor, radius, start, end),
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

/** Must match featureCoherence() in assembly/patchmatch.ts. */
function featureCoherence(
  f: FeatureState,
  distance: PatchDistance,
  factor: number,
  radius: number,
  start: number,
  end: number,
): void {
  const { fw, sfw, sfh, valid, active, nx, ny, nd } = f;
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
        // An unusable candidate is passed over (featureCandidate() in assembly/patchmatch.ts).
        if (valid[cy * sfw + cx] === 0) continue;
        const d = distance(x, y, cx, cy, best);
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
