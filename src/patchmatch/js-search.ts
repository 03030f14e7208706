import type { FeatureFieldJob, FieldJob } from './kernel.js';
import { seedState, xorshift32 } from './prng.js';

// The PatchMatch search loops of the TypeScript kernels, written once for every distance: the
// plain and melding fields (js-kernel.ts) and the feature fields (js-feature-kernel.ts) run
// initialiseField and iterateField with their own patch distance, and the k-NN kernel
// (js-knn-kernel.ts) shares the RGB pieces below. This module imports none of the kernels, so
// they import it and not each other. The twin of searchInitialise and searchIterate in
// assembly/patchmatch.ts (inlined there for each distance): every decision is made in the same
// order.

/** The distance of an unsearched entry of an RGB field (u32). */
export const NONE = 0xffffffff;
// Must match INIT_CANDIDATES in assembly/patchmatch.ts.
export const INIT_CANDIDATES = 4;

/** The state of one field computation that the search loops read and write (one match per entry). */
export interface SearchState {
  /** Field width and height: target patch positions. */
  readonly fw: number;
  readonly fh: number;
  /** Source image size (the widest random-search window). */
  readonly sw: number;
  readonly sh: number;
  /** Source patch positions, x and y. */
  readonly sfw: number;
  readonly sfh: number;
  /** One byte per source patch position: 1 = usable. */
  readonly valid: Uint8Array;
  /** Indices (y * sfw + x) of the usable source patches. */
  readonly validList: Int32Array;
  /** One byte per target patch: 1 = searched. */
  readonly active: Uint8Array;
  readonly initialX: Int32Array | null;
  readonly initialY: Int32Array | null;
  readonly nx: Int32Array;
  readonly ny: Int32Array;
  /** Distances: u32 for RGB fields (NONE when unsearched), f64 for feature fields (Infinity). */
  readonly nd: Uint32Array | Float64Array;
  /** The generator's state (prng.ts). */
  rng: number;
}

/**
 * The search state of a job: its sizes, maps and initial field, a field of `k` entries per target
 * patch (-1 and 0 until initialised) with distances in a `Distances` array, and the seeded generator.
 */
export function searchState<A extends Uint32Array | Float64Array>(
  job: FieldJob | FeatureFieldJob,
  Distances: new (length: number) => A,
  k = 1,
): SearchState & { readonly nd: A } {
  const p = job.patchSize;
  const fw = job.target.width - p + 1;
  const fh = job.target.height - p + 1;
  return {
    fw,
    fh,
    sw: job.source.width,
    sh: job.source.height,
    sfw: job.source.width - p + 1,
    sfh: job.source.height - p + 1,
    valid: job.valid,
    validList: job.validList,
    active: job.active,
    initialX: job.initialX,
    initialY: job.initialY,
    nx: new Int32Array(fw * fh * k),
    ny: new Int32Array(fw * fh * k),
    nd: new Distances(fw * fh * k),
    rng: seedState(job.seed),
  };
}

/**
 * The distance of the target patch at (tx, ty) and the source patch at (sx, sy). It may stop
 * early once it reaches `bound` (the loops only take a candidate strictly below it), so it must be
 * exact whenever it returns less than `bound`.
 */
export type PatchDistance = (tx: number, ty: number, sx: number, sy: number, bound: number) => number;

/**
 * Random initialisation of entries start..end-1: INIT_CANDIDATES random usable source patches per
 * searched entry, the closest kept (the first replaced by a usable initial match); unsearched
 * entries get (-1, -1, `unsearched`), which also bounds the first distance. Must match
 * searchInitialise() in assembly/patchmatch.ts.
 */
export function initialiseField(
  f: SearchState,
  distance: PatchDistance,
  unsearched: number,
  start: number,
  end: number,
): void {
  const { fw, sfw, sfh, valid, validList, active, nx, ny, nd, initialX: ix, initialY: iy } = f;
  const nValid = validList.length;
  let state = f.rng;
  for (let i = start; i < end; i++) {
    if (active[i] === 0) {
      nx[i] = -1;
      ny[i] = -1;
      nd[i] = unsearched;
      continue;
    }
    state = xorshift32(state);
    const pick = validList[state % nValid]!;
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
    let d = distance(tx, ty, x, y, unsearched);
    for (let k = 1; k < INIT_CANDIDATES; k++) {
      state = xorshift32(state);
      const other = validList[state % nValid]!;
      const cx = other % sfw;
      const cy = (other / sfw) | 0;
      const c = distance(tx, ty, cx, cy, d);
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
  f.rng = state;
}

/**
 * One PatchMatch iteration over entries start..end-1 (end-1 down to start when `reverse`):
 * propagation from the two already-visited neighbours, then random search with a window halving
 * from the larger source dimension down to 1 pixel, the widest window drawn twice.
 * Must match searchIterate() in assembly/patchmatch.ts.
 */
export function iterateField(
  f: SearchState,
  distance: PatchDistance,
  reverse: boolean,
  start: number,
  end: number,
): void {
  if (end <= start) return;
  const { fw, fh, sfw, sfh, valid, active, nx, ny, nd } = f;
  const startRadius = Math.max(f.sw, f.sh);
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

    // Propagation, horizontal neighbour: its match shifted by one pixel.
    const qx = x - step;
    if (qx >= 0 && qx < fw) {
      const j = i - step;
      if (active[j] !== 0) {
        const cx = nx[j]! + step;
        const cy = ny[j]!;
        if (cx >= 0 && cx < sfw && (cx !== bx || cy !== by) && valid[cy * sfw + cx] !== 0) {
          const d = distance(x, y, cx, cy, bd);
          if (d < bd) {
            bx = cx;
            by = cy;
            bd = d;
          }
        }
      }
    }
    // Propagation, vertical neighbour.
    const qy = y - step;
    if (qy >= 0 && qy < fh) {
      const j = i - step * fw;
      if (active[j] !== 0) {
        const cx = nx[j]!;
        const cy = ny[j]! + step;
        if (cy >= 0 && cy < sfh && (cx !== bx || cy !== by) && valid[cy * sfw + cx] !== 0) {
          const d = distance(x, y, cx, cy, bd);
          if (d < bd) {
            bx = cx;
            by = cy;
            bd = d;
          }
        }
      }
    }
    // Random search around the current best, the window clipped to the source.
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
        const d = distance(x, y, cx, cy, bd);
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
