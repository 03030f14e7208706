// PatchMatch kernels (Barnes et al., "PatchMatch: A Randomized Correspondence Algorithm for
// Structural Image Editing", SIGGRAPH 2009) over raw linear memory.
//
// The host lays every buffer out in this module's memory and passes pointers: no allocator, no
// GC (runtime "stub"). The same algorithm is written in plain TypeScript in ../js-kernel.ts; the
// two must make exactly the same decisions in the same order (same PRNG, same scan order, same
// candidate order), so that both backends return bit-identical fields. Lines marked "Must match"
// are duplicated there.
//
// Image buffers hold RGBA bytes with the alpha byte zeroed by the host, so a 16-byte load of four
// pixels can be differenced whole; every image buffer is followed by 16 readable bytes so the
// last (masked) load of a row never leaves memory.

// ---- Field state set by setup() -------------------------------------------------------------

let tPtr: usize = 0; // target RGBA (alpha zeroed)
let tw: i32 = 0;
let sPtr: usize = 0; // source RGBA (alpha zeroed)
let sw: i32 = 0;
let sh: i32 = 0;
let p: i32 = 0; // patch size
let fw: i32 = 0; // field width  = tw - p + 1
let fh: i32 = 0; // field height = th - p + 1
let sfw: i32 = 0; // source patch positions, x: sw - p + 1
let sfh: i32 = 0; // source patch positions, y: sh - p + 1
let validPtr: usize = 0; // u8 per source patch position: 1 = usable
let validListPtr: usize = 0; // i32 indices (y * sfw + x) of usable source patches
let nValid: u32 = 0;
let activePtr: usize = 0; // u8 per target patch: 1 = searched; 0 = left as (-1, -1, 0xffffffff)
let nxPtr: usize = 0; // i32 field x
let nyPtr: usize = 0; // i32 field y
let ndPtr: usize = 0; // u32 field distance
let fullChunks: i32 = 0; // 16-byte (4-pixel) loads per patch row
let hasTail: bool = false;
let tailMask: v128 = i32x4.splat(0);
let rng: u32 = 0;

// Must match SEED_MIX and ZERO_STATE in ../prng.ts.
const SEED_MIX: u32 = 0x9e3779b9;
const ZERO_STATE: u32 = 0x6d2b79f5;
const NONE: u32 = 0xffffffff;
// Random source patches drawn per target patch at initialisation. Must match ../js-kernel.ts.
const INIT_CANDIDATES: i32 = 4;

/** Start of the region the host may use (everything below belongs to static data). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** xorshift32 (Marsaglia 2003). Must match xorshift32() in ../prng.ts. */
@inline function nextRandom(): u32 {
  let x = rng;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng = x;
  return x;
}

export function setup(
  targetPtr: usize, targetWidth: i32, targetHeight: i32,
  sourcePtr: usize, sourceWidth: i32, sourceHeight: i32,
  patchSize: i32,
  validMapPtr: usize, validIndexPtr: usize, validCount: u32,
  activeMapPtr: usize,
  fieldXPtr: usize, fieldYPtr: usize, fieldDPtr: usize,
  seed: u32,
): void {
  tPtr = targetPtr; tw = targetWidth;
  sPtr = sourcePtr; sw = sourceWidth; sh = sourceHeight;
  p = patchSize;
  fw = targetWidth - patchSize + 1; fh = targetHeight - patchSize + 1;
  sfw = sourceWidth - patchSize + 1; sfh = sourceHeight - patchSize + 1;
  validPtr = validMapPtr; validListPtr = validIndexPtr; nValid = validCount;
  activePtr = activeMapPtr;
  nxPtr = fieldXPtr; nyPtr = fieldYPtr; ndPtr = fieldDPtr;
  fullChunks = patchSize >> 2;
  const tail = patchSize & 3;
  hasTail = tail != 0;
  // Keep the first `tail` pixels (4 bytes each) of the last load of a row.
  tailMask = i32x4(tail > 0 ? -1 : 0, tail > 1 ? -1 : 0, tail > 2 ? -1 : 0, 0);
  // Must match seedState() in ../prng.ts.
  rng = seed ^ SEED_MIX;
  if (rng == 0) rng = ZERO_STATE;
}

/** |a - b| per byte, squared and summed in pairs into four i32 lanes. */
@inline function squaredDiff(a: v128, b: v128): v128 {
  const d = v128.or(i8x16.sub_sat_u(a, b), i8x16.sub_sat_u(b, a));
  const lo = i16x8.extend_low_i8x16_u(d);
  const hi = i16x8.extend_high_i8x16_u(d);
  return i32x4.add(i32x4.dot_i16x8_s(lo, lo), i32x4.dot_i16x8_s(hi, hi));
}

/**
 * Sum of squared RGB differences between the target patch at (tx, ty) and the source patch at
 * (sx, sy). Stops after the first row whose running sum reaches `bound` (the caller only accepts a
 * candidate strictly below it), so the return value is exact whenever it is below `bound`.
 */
@inline function distance(tx: i32, ty: i32, sx: i32, sy: i32, bound: u32): u32 {
  return distanceWith(tPtr, tw, sPtr, sw, p, fullChunks, hasTail, tailMask, tx, ty, sx, sy, bound);
}

/**
 * distance() with the field state passed in: iterate() reads the globals into locals once, so
 * the inlined loop keeps them in registers instead of reloading globals at every candidate.
 */
@inline function distanceWith(
  tBase: usize, tWidth: i32, sBase: usize, sWidth: i32, size: i32, chunks: i32, tail: bool, mask: v128,
  tx: i32, ty: i32, sx: i32, sy: i32, bound: u32,
): u32 {
  let tp = tBase + (<usize>(ty * tWidth + tx) << 2);
  let sp = sBase + (<usize>(sy * sWidth + sx) << 2);
  const tStride = <usize>tWidth << 2;
  const sStride = <usize>sWidth << 2;
  let sum: u32 = 0;
  for (let row = 0; row < size; row++) {
    let acc = i32x4.splat(0);
    let off: usize = 0;
    for (let k = 0; k < chunks; k++) {
      acc = i32x4.add(acc, squaredDiff(v128.load(tp + off), v128.load(sp + off)));
      off += 16;
    }
    if (tail) {
      acc = i32x4.add(acc, squaredDiff(v128.and(v128.load(tp + off), mask), v128.and(v128.load(sp + off), mask)));
    }
    // Horizontal sum by two lane swaps (pshufd on x86) instead of four lane extractions.
    acc = i32x4.add(acc, v128.shuffle<i32>(acc, acc, 2, 3, 0, 1));
    acc = i32x4.add(acc, v128.shuffle<i32>(acc, acc, 1, 0, 3, 2));
    sum += <u32>i32x4.extract_lane(acc, 0);
    if (sum >= bound) return sum;
    tp += tStride;
    sp += sStride;
  }
  return sum;
}

/** Exported for tests and the brute-force reference: the exact SSD of one patch pair. */
export function patchDistance(tx: i32, ty: i32, sx: i32, sy: i32): u32 {
  return distance(tx, ty, sx, sy, NONE);
}

/**
 * Random initialisation. Every searched patch draws INIT_CANDIDATES random usable source patches
 * and keeps the closest (the first draw is replaced by `initialX`/`initialY` when they supply a
 * usable start; all draws are made anyway, so the random sequence does not depend on the seed
 * field). Several draws cost little once and leave fewer very bad starting matches, which a
 * small target (short propagation runs) otherwise only repairs after many iterations. Only field
 * entries start..end-1 (scan order, i = y * fw + x) are initialised; the PRNG state carries over,
 * so consecutive ranges give exactly one whole call. Must match initialise() in ../js-kernel.ts.
 */
export function initialise(initialXPtr: usize, initialYPtr: usize, hasInitial: bool, start: i32, end: i32): void {
  for (let i = start; i < end; i++) {
    const o = <usize>i << 2;
    if (load<u8>(activePtr + i) == 0) {
      store<i32>(nxPtr + o, -1);
      store<i32>(nyPtr + o, -1);
      store<u32>(ndPtr + o, NONE);
      continue;
    }
    const pick = load<i32>(validListPtr + (<usize>(nextRandom() % nValid) << 2));
    let x = pick % sfw;
    let y = pick / sfw;
    if (hasInitial) {
      const ix = load<i32>(initialXPtr + o);
      const iy = load<i32>(initialYPtr + o);
      if (ix >= 0 && ix < sfw && iy >= 0 && iy < sfh && load<u8>(validPtr + iy * sfw + ix) != 0) {
        x = ix;
        y = iy;
      }
    }
    const tx = i % fw;
    const ty = i / fw;
    let d = distance(tx, ty, x, y, NONE);
    for (let k = 1; k < INIT_CANDIDATES; k++) {
      const other = load<i32>(validListPtr + (<usize>(nextRandom() % nValid) << 2));
      const cx = other % sfw;
      const cy = other / sfw;
      const c = distance(tx, ty, cx, cy, d);
      if (c < d) { x = cx; y = cy; d = c; }
    }
    store<i32>(nxPtr + o, x);
    store<i32>(nyPtr + o, y);
    store<u32>(ndPtr + o, d);
  }
}

/**
 * One PatchMatch iteration over field entries start..end-1 (scan order, i = y * fw + x):
 * propagation from the two already-visited neighbours, then random search with a window halving
 * from the larger source dimension down to 1 pixel. `reverse` visits end-1 down to start (the
 * odd iterations). A whole pass is 0..fw * fh; a band of rows r0..r1 of the worker-thread variant
 * is r0 * fw..r1 * fw, and the entries just outside the range are read as they are. The PRNG
 * state carries over, so a pass split into consecutive ranges (descending ones when `reverse`)
 * gives exactly the field of one whole call. Must match iterate() in ../js-kernel.ts.
 */
export function iterate(reverse: bool, start: i32, end: i32): void {
  if (end <= start) return;
  const step: i32 = reverse ? -1 : 1;
  const startRadius: i32 = max(sw, sh);
  // Globals copied to locals once (see distanceWith).
  const tBase = tPtr, tWidth = tw, sBase = sPtr, sWidth = sw, size = p, chunks = fullChunks, tail = hasTail, mask = tailMask;
  const act = activePtr, xs = nxPtr, ys = nyPtr, ds = ndPtr, valid = validPtr;
  const width = fw, height = fh, sWidthP = sfw, sHeightP = sfh;
  const count = end - start;
  let i: i32 = reverse ? end - 1 : start;
  let y: i32 = i / width;
  let x: i32 = i - y * width;
  let state = rng;
  for (let k = 0; k < count; k++, i += step, x += step) {
    // Row wrap of the running (x, y).
    if (x == width) { x = 0; y++; } else if (x < 0) { x = width - 1; y--; }
    if (load<u8>(act + i) == 0) continue;
    const o = <usize>i << 2;
    let bx = load<i32>(xs + o);
    let by = load<i32>(ys + o);
    let bd = load<u32>(ds + o);

    // Propagation, horizontal neighbour: its match shifted by one pixel.
    const qx = x - step;
    if (qx >= 0 && qx < width) {
      const j = <usize>(i - step);
      if (load<u8>(act + j) != 0) {
        const cx = load<i32>(xs + (j << 2)) + step;
        const cy = load<i32>(ys + (j << 2));
        if (cx >= 0 && cx < sWidthP && (cx != bx || cy != by) && load<u8>(valid + cy * sWidthP + cx) != 0) {
          const d = distanceWith(tBase, tWidth, sBase, sWidth, size, chunks, tail, mask, x, y, cx, cy, bd);
          if (d < bd) { bx = cx; by = cy; bd = d; }
        }
      }
    }
    // Propagation, vertical neighbour.
    const qy = y - step;
    if (qy >= 0 && qy < height) {
      const j = <usize>(i - step * width);
      if (load<u8>(act + j) != 0) {
        const cx = load<i32>(xs + (j << 2));
        const cy = load<i32>(ys + (j << 2)) + step;
        if (cy >= 0 && cy < sHeightP && (cx != bx || cy != by) && load<u8>(valid + cy * sWidthP + cx) != 0) {
          const d = distanceWith(tBase, tWidth, sBase, sWidth, size, chunks, tail, mask, x, y, cx, cy, bd);
          if (d < bd) { bx = cx; by = cy; bd = d; }
        }
      }
    }
    // Random search around the current best, window clipped to the source. The widest window
    // (the whole source) gets two draws: it is where a bad match finds a good region at all.
    let r = startRadius;
    let draw = 0;
    while (r >= 1) {
      const xmin = max(bx - r, 0);
      const xmax = min(bx + r, sWidthP - 1);
      const ymin = max(by - r, 0);
      const ymax = min(by + r, sHeightP - 1);
      state ^= state << 13; state ^= state >> 17; state ^= state << 5; // nextRandom(). Must match xorshift32() in ../prng.ts.
      const cx = xmin + <i32>(state % <u32>(xmax - xmin + 1));
      state ^= state << 13; state ^= state >> 17; state ^= state << 5; // nextRandom(). Must match xorshift32() in ../prng.ts.
      const cy = ymin + <i32>(state % <u32>(ymax - ymin + 1));
      if ((cx != bx || cy != by) && load<u8>(valid + cy * sWidthP + cx) != 0) {
        const d = distanceWith(tBase, tWidth, sBase, sWidth, size, chunks, tail, mask, x, y, cx, cy, bd);
        if (d < bd) { bx = cx; by = cy; bd = d; }
      }
      if (draw++ > 0) r >>= 1;
    }
    store<i32>(xs + o, bx);
    store<i32>(ys + o, by);
    store<u32>(ds + o, bd);
  }
  rng = state;
}

/**
 * Patch voting: every target pixel becomes the weighted mean of the source pixels that the
 * patches covering it map onto. `weightsPtr` (f64 per field entry) may be 0 for equal weights.
 * `accPtr` is scratch of 4 f64 per target pixel. Output alpha is 255; pixels no patch covers
 * are 0. Must match vote() in ../js-kernel.ts (same summation order, same rounding).
 */
export function vote(
  fieldXPtr: usize, fieldYPtr: usize, fieldWidth: i32, fieldHeight: i32, patchSize: i32,
  sourcePtr: usize, sourceWidth: i32,
  weightsPtr: usize, accPtr: usize, outPtr: usize, targetWidth: i32, targetHeight: i32,
): void {
  const nPix = targetWidth * targetHeight;
  memory.fill(accPtr, 0, <usize>nPix << 5);
  for (let fy = 0; fy < fieldHeight; fy++) {
    for (let fx = 0; fx < fieldWidth; fx++) {
      const i = fy * fieldWidth + fx;
      const sx = load<i32>(fieldXPtr + (<usize>i << 2));
      if (sx < 0) continue;
      const sy = load<i32>(fieldYPtr + (<usize>i << 2));
      const w: f64 = weightsPtr != 0 ? load<f64>(weightsPtr + (<usize>i << 3)) : 1.0;
      for (let dy = 0; dy < patchSize; dy++) {
        let a = accPtr + (<usize>((fy + dy) * targetWidth + fx) << 5);
        let s = sourcePtr + (<usize>((sy + dy) * sourceWidth + sx) << 2);
        for (let dx = 0; dx < patchSize; dx++) {
          store<f64>(a, load<f64>(a) + w * <f64>load<u8>(s));
          store<f64>(a, load<f64>(a, 8) + w * <f64>load<u8>(s, 1), 8);
          store<f64>(a, load<f64>(a, 16) + w * <f64>load<u8>(s, 2), 16);
          store<f64>(a, load<f64>(a, 24) + w, 24);
          a += 32;
          s += 4;
        }
      }
    }
  }
  for (let k = 0; k < nPix; k++) {
    const a = accPtr + (<usize>k << 5);
    const o = outPtr + (<usize>k << 2);
    const wsum = load<f64>(a, 24);
    if (wsum > 0) {
      store<u8>(o, <u8>min(255.0, Math.floor(load<f64>(a) / wsum + 0.5)));
      store<u8>(o, <u8>min(255.0, Math.floor(load<f64>(a, 8) / wsum + 0.5)), 1);
      store<u8>(o, <u8>min(255.0, Math.floor(load<f64>(a, 16) / wsum + 0.5)), 2);
    } else {
      store<u8>(o, 0);
      store<u8>(o, 0, 1);
      store<u8>(o, 0, 2);
    }
    store<u8>(o, 255, 3);
  }
}

// ---- Image Melding: a gain and a bias per patch (Darabi et al., "Image Melding", SIGGRAPH 2012) --
//
// The melding search runs over a source the host stacks from transformed copies of the images
// (rotated, scaled, reflected), so the geometric part of the search is the ordinary field over a
// taller source. What it adds is the photometric part: each source patch is compared after a gain
// g and a bias b per channel, g = sqrt((var_t + 1) / (var_s + 1)) and b = mean_t - g * mean_s,
// each clamped to the caller's range. The distance is the exact sum of squared differences of
// g * s + b against t, from per-channel sums of t, t^2, s, s^2 and s * t, so it is computed over
// the whole patch (no early termination). It is rounded to an integer in f64 with + - * / and
// sqrt only, in one written order, so the TypeScript twin (meldDistance in ../js-kernel.ts) gets
// the same bits. meldSetup() is called after setup(); the field state is setup()'s.

let gainLo: f64 = 1;
let gainHi: f64 = 1;
let biasLo: f64 = 0;
let biasHi: f64 = 0;
// Largest distance stored (NONE - 1, so an entry never reads as unsearched).
const MELD_MAX: f64 = 4294967294;

/** The gain and bias ranges of the melding distance. Must match meldDistance() in ../js-kernel.ts. */
export function meldSetup(gainMin: f64, gainMax: f64, biasMin: f64, biasMax: f64): void {
  gainLo = gainMin;
  gainHi = gainMax;
  biasLo = biasMin;
  biasHi = biasMax;
}

/** Squared error of one channel after the clamped gain and bias. Must match channelError() in ../js-kernel.ts. */
@inline function channelError(n: f64, t: f64, tt: f64, s: f64, ss: f64, st: f64): f64 {
  const ms = s / n;
  const mt = t / n;
  const vs = max(ss / n - ms * ms, 0.0);
  const vt = max(tt / n - mt * mt, 0.0);
  const g = min(max(Math.sqrt((vt + 1.0) / (vs + 1.0)), gainLo), gainHi);
  const b = min(max(mt - g * ms, biasLo), biasHi);
  return g * g * ss + 2.0 * g * b * s + n * b * b - 2.0 * g * st - 2.0 * b * t + tt;
}

/** Melding distance of the target patch at (tx, ty) and the source patch at (sx, sy). Must match meldDistance() in ../js-kernel.ts. */
function meldDistance(tx: i32, ty: i32, sx: i32, sy: i32): u32 {
  let tp = tPtr + (<usize>(ty * tw + tx) << 2);
  let sp = sPtr + (<usize>(sy * sw + sx) << 2);
  const tStride = <usize>tw << 2;
  const sStride = <usize>sw << 2;
  const size = p;
  // Per-channel lanes (R, G, B, alpha = 0): sums of t, s, t^2, s^2, s * t; each below 2^31 for p <= 127.
  let at = i32x4.splat(0);
  let as = i32x4.splat(0);
  let att = i32x4.splat(0);
  let ass = i32x4.splat(0);
  let ast = i32x4.splat(0);
  for (let row = 0; row < size; row++) {
    let off: usize = 0;
    for (let col = 0; col < size; col++) {
      const a = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(tp + off)));
      const b = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(sp + off)));
      at = i32x4.add(at, a);
      as = i32x4.add(as, b);
      att = i32x4.add(att, i32x4.mul(a, a));
      ass = i32x4.add(ass, i32x4.mul(b, b));
      ast = i32x4.add(ast, i32x4.mul(a, b));
      off += 4;
    }
    tp += tStride;
    sp += sStride;
  }
  const n = <f64>(size * size);
  let total = channelError(n, <f64>i32x4.extract_lane(at, 0), <f64>i32x4.extract_lane(att, 0),
    <f64>i32x4.extract_lane(as, 0), <f64>i32x4.extract_lane(ass, 0), <f64>i32x4.extract_lane(ast, 0));
  total += channelError(n, <f64>i32x4.extract_lane(at, 1), <f64>i32x4.extract_lane(att, 1),
    <f64>i32x4.extract_lane(as, 1), <f64>i32x4.extract_lane(ass, 1), <f64>i32x4.extract_lane(ast, 1));
  total += channelError(n, <f64>i32x4.extract_lane(at, 2), <f64>i32x4.extract_lane(att, 2),
    <f64>i32x4.extract_lane(as, 2), <f64>i32x4.extract_lane(ass, 2), <f64>i32x4.extract_lane(ast, 2));
  if (!(total > 0.0)) return 0;
  return <u32>min(Math.floor(total + 0.5), MELD_MAX);
}

/** Exported for tests: the melding distance of one patch pair (after setup() and meldSetup()). */
export function meldPatchDistance(tx: i32, ty: i32, sx: i32, sy: i32): u32 {
  return meldDistance(tx, ty, sx, sy);
}

/** initialise() with the melding distance. Must match meldInitialise() in ../js-kernel.ts. */
export function meldInitialise(initialXPtr: usize, initialYPtr: usize, hasInitial: bool, start: i32, end: i32): void {
  for (let i = start; i < end; i++) {
    const o = <usize>i << 2;
    if (load<u8>(activePtr + i) == 0) {
      store<i32>(nxPtr + o, -1);
      store<i32>(nyPtr + o, -1);
      store<u32>(ndPtr + o, NONE);
      continue;
    }
    const pick = load<i32>(validListPtr + (<usize>(nextRandom() % nValid) << 2));
    let x = pick % sfw;
    let y = pick / sfw;
    if (hasInitial) {
      const ix = load<i32>(initialXPtr + o);
      const iy = load<i32>(initialYPtr + o);
      if (ix >= 0 && ix < sfw && iy >= 0 && iy < sfh && load<u8>(validPtr + iy * sfw + ix) != 0) {
        x = ix;
        y = iy;
      }
    }
    const tx = i % fw;
    const ty = i / fw;
    let d = meldDistance(tx, ty, x, y);
    for (let k = 1; k < INIT_CANDIDATES; k++) {
      const other = load<i32>(validListPtr + (<usize>(nextRandom() % nValid) << 2));
      const cx = other % sfw;
      const cy = other / sfw;
      const c = meldDistance(tx, ty, cx, cy);
      if (c < d) { x = cx; y = cy; d = c; }
    }
    store<i32>(nxPtr + o, x);
    store<i32>(nyPtr + o, y);
    store<u32>(ndPtr + o, d);
  }
}

/** iterate() with the melding distance (same scan, propagation and search). Must match meldIterate() in ../js-kernel.ts. */
export function meldIterate(reverse: bool, start: i32, end: i32): void {
  if (end <= start) return;
  const step: i32 = reverse ? -1 : 1;
  const startRadius: i32 = max(sw, sh);
  const width = fw, height = fh, sWidthP = sfw, sHeightP = sfh;
  const count = end - start;
  let i: i32 = reverse ? end - 1 : start;
  let y: i32 = i / width;
  let x: i32 = i - y * width;
  for (let k = 0; k < count; k++, i += step, x += step) {
    if (x == width) { x = 0; y++; } else if (x < 0) { x = width - 1; y--; }
    if (load<u8>(activePtr + i) == 0) continue;
    const o = <usize>i << 2;
    let bx = load<i32>(nxPtr + o);
    let by = load<i32>(nyPtr + o);
    let bd = load<u32>(ndPtr + o);
    const qx = x - step;
    if (qx >= 0 && qx < width) {
      const j = <usize>(i - step);
      if (load<u8>(activePtr + j) != 0) {
        const cx = load<i32>(nxPtr + (j << 2)) + step;
        const cy = load<i32>(nyPtr + (j << 2));
        if (cx >= 0 && cx < sWidthP && (cx != bx || cy != by) && load<u8>(validPtr + cy * sWidthP + cx) != 0) {
          const d = meldDistance(x, y, cx, cy);
          if (d < bd) { bx = cx; by = cy; bd = d; }
        }
      }
    }
    const qy = y - step;
    if (qy >= 0 && qy < height) {
      const j = <usize>(i - step * width);
      if (load<u8>(activePtr + j) != 0) {
        const cx = load<i32>(nxPtr + (j << 2));
        const cy = load<i32>(nyPtr + (j << 2)) + step;
        if (cy >= 0 && cy < sHeightP && (cx != bx || cy != by) && load<u8>(validPtr + cy * sWidthP + cx) != 0) {
          const d = meldDistance(x, y, cx, cy);
          if (d < bd) { bx = cx; by = cy; bd = d; }
        }
      }
    }
    let r = startRadius;
    let draw = 0;
    while (r >= 1) {
      const xmin = max(bx - r, 0);
      const xmax = min(bx + r, sWidthP - 1);
      const ymin = max(by - r, 0);
      const ymax = min(by + r, sHeightP - 1);
      const cx = xmin + <i32>(nextRandom() % <u32>(xmax - xmin + 1));
      const cy = ymin + <i32>(nextRandom() % <u32>(ymax - ymin + 1));
      if ((cx != bx || cy != by) && load<u8>(validPtr + cy * sWidthP + cx) != 0) {
        const d = meldDistance(x, y, cx, cy);
        if (d < bd) { bx = cx; by = cy; bd = d; }
      }
      if (draw++ > 0) r >>= 1;
    }
    store<i32>(nxPtr + o, bx);
    store<i32>(nyPtr + o, by);
    store<u32>(ndPtr + o, bd);
  }
}
