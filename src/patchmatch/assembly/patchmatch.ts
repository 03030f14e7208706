// PatchMatch kernels (Barnes et al., "PatchMatch: A Randomized Correspondence Algorithm for
// Structural Image Editing", SIGGRAPH 2009) over raw linear memory.
//
// The host lays every buffer out in this module's memory and passes pointers: no allocator, no
// GC (runtime "stub"). The same algorithm is written in plain TypeScript in ../js-kernel.ts (its
// search loops in ../js-search.ts); the two must make exactly the same decisions in the same order (same PRNG, same scan order, same
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
 * so consecutive ranges give exactly one whole call. The loop is searchInitialise() below.
 */
export function initialise(initialXPtr: usize, initialYPtr: usize, hasInitial: bool, start: i32, end: i32): void {
  searchInitialise<u32>(PLAIN, initialXPtr, initialYPtr, hasInitial, start, end);
}

/**
 * One PatchMatch iteration over field entries start..end-1 (scan order, i = y * fw + x):
 * propagation from the two already-visited neighbours, then random search with a window halving
 * from the larger source dimension down to 1 pixel. `reverse` visits end-1 down to start (the
 * odd iterations). A whole pass is 0..fw * fh; a band of rows r0..r1 of the worker-thread variant
 * is r0 * fw..r1 * fw, and the entries just outside the range are read as they are. The PRNG
 * state carries over, so a pass split into consecutive ranges (descending ones when `reverse`)
 * gives exactly the field of one whole call. The loop is searchIterate() below.
 */
export function iterate(reverse: bool, start: i32, end: i32): void {
  searchIterate<u32>(PLAIN, reverse, start, end);
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

/** initialise() with the melding distance. */
export function meldInitialise(initialXPtr: usize, initialYPtr: usize, hasInitial: bool, start: i32, end: i32): void {
  searchInitialise<u32>(MELD, initialXPtr, initialYPtr, hasInitial, start, end);
}

/** iterate() with the melding distance (same scan, propagation and search). */
export function meldIterate(reverse: bool, start: i32, end: i32): void {
  searchIterate<u32>(MELD, reverse, start, end);
}

// ---- k nearest neighbours (Barnes et al., "The Generalized PatchMatch Correspondence
// Algorithm", ECCV 2010) ------------------------------------------------------------------------
//
// The field of setup() with k entries per target patch: entry i's neighbours sit at i * k ..
// i * k + k - 1 of the x, y and distance buffers (which hold n * k values), sorted by ascending
// distance, all distinct. A candidate enters the list when it is not in it yet and its distance is
// strictly below the worst one, which it then replaces. Must match ../js-knn-kernel.ts.

let knnK: i32 = 1;

/** Sets k for knnInitialise/knnIterate (after setup()). */
export function setupKnn(k: i32): void {
  knnK = k;
}

/** True when (x, y) is one of the k entries at `at` (entry index i * k). */
@inline function knnContains(at: i32, x: i32, y: i32): bool {
  for (let m = 0; m < knnK; m++) {
    const o = <usize>(at + m) << 2;
    if (load<i32>(nxPtr + o) == x && load<i32>(nyPtr + o) == y) return true;
  }
  return false;
}

/**
 * Puts (x, y, d) into the sorted list at `at`, dropping the worst entry (the caller has checked
 * d < worst): it goes after every entry whose distance is <= d. Must match knnInsert() in ../js-knn-kernel.ts.
 */
@inline function knnInsert(at: i32, x: i32, y: i32, d: u32): void {
  let m = knnK - 1;
  while (m > 0) {
    const prev = <usize>(at + m - 1) << 2;
    if (load<u32>(ndPtr + prev) <= d) break;
    const o = <usize>(at + m) << 2;
    store<i32>(nxPtr + o, load<i32>(nxPtr + prev));
    store<i32>(nyPtr + o, load<i32>(nyPtr + prev));
    store<u32>(ndPtr + o, load<u32>(ndPtr + prev));
    m--;
  }
  const o = <usize>(at + m) << 2;
  store<i32>(nxPtr + o, x);
  store<i32>(nyPtr + o, y);
  store<u32>(ndPtr + o, d);
}

/** Tries candidate (cx, cy) for target patch (tx, ty) with list `at`: usable, new, and closer than the worst. */
@inline function knnTry(at: i32, tx: i32, ty: i32, cx: i32, cy: i32): void {
  if (load<u8>(validPtr + cy * sfw + cx) == 0 || knnContains(at, cx, cy)) return;
  const worst = load<u32>(ndPtr + (<usize>(at + knnK - 1) << 2));
  const d = distance(tx, ty, cx, cy, worst);
  if (d < worst) knnInsert(at, cx, cy, d);
}

/**
 * k-NN initialisation of entries start..end-1: the k usable source patches that follow a random
 * one in the list of usable patches (distinct because k <= the usable count), then
 * INIT_CANDIDATES - 1 random draws tried as candidates. Inactive entries hold (-1, -1, NONE) k
 * times. Must match knnInitialise() in ../js-knn-kernel.ts.
 */
export function knnInitialise(start: i32, end: i32): void {
  const k = knnK;
  for (let i = start; i < end; i++) {
    const at = i * k;
    for (let m = 0; m < k; m++) {
      const o = <usize>(at + m) << 2;
      store<i32>(nxPtr + o, -1);
      store<i32>(nyPtr + o, -1);
      store<u32>(ndPtr + o, NONE);
    }
    if (load<u8>(activePtr + i) == 0) continue;
    const tx = i % fw;
    const ty = i / fw;
    const first = nextRandom() % nValid;
    for (let m = 0; m < k; m++) {
      const pick = load<i32>(validListPtr + (<usize>((first + <u32>m) % nValid) << 2));
      const x = pick % sfw;
      const y = pick / sfw;
      knnInsert(at, x, y, distance(tx, ty, x, y, NONE));
    }
    for (let c = 1; c < INIT_CANDIDATES; c++) {
      const pick = load<i32>(validListPtr + (<usize>(nextRandom() % nValid) << 2));
      knnTry(at, tx, ty, pick % sfw, pick / sfw);
    }
  }
}

/**
 * One k-NN PatchMatch iteration over entries start..end-1 (end-1 down to start when `reverse`):
 * the k matches of each already-visited neighbour shifted by one pixel; then, for each of the k
 * current matches (slot m as it is when its turn comes), its four 1-pixel shifts and a random
 * search around it with the windows of iterate(). Must match knnIterate() in ../js-knn-kernel.ts.
 */
export function knnIterate(reverse: bool, start: i32, end: i32): void {
  if (end <= start) return;
  const k = knnK;
  const step: i32 = reverse ? -1 : 1;
  const startRadius: i32 = max(sw, sh);
  const count = end - start;
  let i: i32 = reverse ? end - 1 : start;
  let y: i32 = i / fw;
  let x: i32 = i - y * fw;
  for (let n = 0; n < count; n++, i += step, x += step) {
    if (x == fw) { x = 0; y++; } else if (x < 0) { x = fw - 1; y--; }
    if (load<u8>(activePtr + i) == 0) continue;
    const at = i * k;
    const qx = x - step;
    if (qx >= 0 && qx < fw && load<u8>(activePtr + (i - step)) != 0) {
      const bt = (i - step) * k;
      for (let m = 0; m < k; m++) {
        const cx = load<i32>(nxPtr + (<usize>(bt + m) << 2)) + step;
        const cy = load<i32>(nyPtr + (<usize>(bt + m) << 2));
        if (cx >= 0 && cx < sfw) knnTry(at, x, y, cx, cy);
      }
    }
    const qy = y - step;
    if (qy >= 0 && qy < fh && load<u8>(activePtr + (i - step * fw)) != 0) {
      const bt = (i - step * fw) * k;
      for (let m = 0; m < k; m++) {
        const cx = load<i32>(nxPtr + (<usize>(bt + m) << 2));
        const cy = load<i32>(nyPtr + (<usize>(bt + m) << 2)) + step;
        if (cy >= 0 && cy < sfh) knnTry(at, x, y, cx, cy);
      }
    }
    for (let m = 0; m < k; m++) {
      const bx = load<i32>(nxPtr + (<usize>(at + m) << 2));
      const by = load<i32>(nyPtr + (<usize>(at + m) << 2));
      // Local search: a patch's runners-up are mostly 1-pixel shifts of its best matches.
      if (bx > 0) knnTry(at, x, y, bx - 1, by);
      if (bx < sfw - 1) knnTry(at, x, y, bx + 1, by);
      if (by > 0) knnTry(at, x, y, bx, by - 1);
      if (by < sfh - 1) knnTry(at, x, y, bx, by + 1);
      let r = startRadius;
      let draw = 0;
      while (r >= 1) {
        const xmin = max(bx - r, 0);
        const xmax = min(bx + r, sfw - 1);
        const ymin = max(by - r, 0);
        const ymax = min(by + r, sfh - 1);
        const cx = xmin + <i32>(nextRandom() % <u32>(xmax - xmin + 1));
        const cy = ymin + <i32>(nextRandom() % <u32>(ymax - ymin + 1));
        knnTry(at, x, y, cx, cy);
        if (draw++ > 0) r >>= 1;
      }
    }
  }
}

// ---- Feature-space search ------------------------------------------------------------------
//
// PatchMatch over images of float features (`channels` f32 values per pixel, interleaved), for
// image analogies and texture transfer. The distance of two p x p patches is the sum of squared
// differences of all their features: per patch row (p * channels consecutive floats) in f32, four
// lanes at a time (f32x4 sub, mul, add; the row tail masked), the lanes summed as (l0 + l2) +
// (l1 + l3), and the row sums added in f64. ../js-feature-kernel.ts does exactly these f32
// operations in the same order (Math.fround), so both backends give bit-identical fields. Its own
// state (set by featureSetup) and generator, so a feature search never disturbs a field's.
// Distances are f64 (Infinity for entries that are not searched).

let gtPtr: usize = 0; // target features (f32)
let gtw: i32 = 0;
let gsPtr: usize = 0; // source features (f32)
let gsw: i32 = 0;
let gsh: i32 = 0;
let gc: i32 = 0; // channels per pixel
let gp: i32 = 0;
let gfw: i32 = 0;
let gfh: i32 = 0;
let gsfw: i32 = 0;
let gsfh: i32 = 0;
let gValidPtr: usize = 0;
let gValidListPtr: usize = 0;
let gnValid: u32 = 0;
let gActivePtr: usize = 0;
let gxPtr: usize = 0; // i32 field x
let gyPtr: usize = 0; // i32 field y
let gdPtr: usize = 0; // f64 field distance
let gChunks: i32 = 0; // 4-float loads per patch row
let gTail: i32 = 0;
let gTailMask: v128 = i32x4.splat(0);
let grng: u32 = 0;

export function featureSetup(
  targetPtr: usize, targetWidth: i32, targetHeight: i32,
  sourcePtr: usize, sourceWidth: i32, sourceHeight: i32,
  channels: i32, patchSize: i32,
  validMapPtr: usize, validIndexPtr: usize, validCount: u32,
  activeMapPtr: usize,
  fieldXPtr: usize, fieldYPtr: usize, fieldDPtr: usize,
  seed: u32,
): void {
  gtPtr = targetPtr; gtw = targetWidth;
  gsPtr = sourcePtr; gsw = sourceWidth; gsh = sourceHeight;
  gc = channels; gp = patchSize;
  gfw = targetWidth - patchSize + 1; gfh = targetHeight - patchSize + 1;
  gsfw = sourceWidth - patchSize + 1; gsfh = sourceHeight - patchSize + 1;
  gValidPtr = validMapPtr; gValidListPtr = validIndexPtr; gnValid = validCount;
  gActivePtr = activeMapPtr;
  gxPtr = fieldXPtr; gyPtr = fieldYPtr; gdPtr = fieldDPtr;
  const row = patchSize * channels;
  gChunks = row >> 2;
  gTail = row & 3;
  gTailMask = i32x4(gTail > 0 ? -1 : 0, gTail > 1 ? -1 : 0, gTail > 2 ? -1 : 0, 0);
  // Must match seedState() in ../prng.ts.
  grng = seed ^ SEED_MIX;
  if (grng == 0) grng = ZERO_STATE;
}

/**
 * Feature distance of the target patch at (tx, ty) and the source patch at (sx, sy), stopping
 * after the first row whose running sum reaches `bound` (exact whenever below it).
 * Must match featureDistance() in ../js-feature-kernel.ts.
 */
@inline function featureDistance(tx: i32, ty: i32, sx: i32, sy: i32, bound: f64): f64 {
  let tp = gtPtr + (<usize>((ty * gtw + tx) * gc) << 2);
  let sp = gsPtr + (<usize>((sy * gsw + sx) * gc) << 2);
  const tStride = <usize>(gtw * gc) << 2;
  const sStride = <usize>(gsw * gc) << 2;
  const chunks = gChunks;
  let sum: f64 = 0;
  for (let row = 0; row < gp; row++) {
    let acc = f32x4.splat(0);
    let off: usize = 0;
    for (let k = 0; k < chunks; k++) {
      const d = f32x4.sub(v128.load(tp + off), v128.load(sp + off));
      acc = f32x4.add(acc, f32x4.mul(d, d));
      off += 16;
    }
    if (gTail != 0) {
      const d = f32x4.sub(v128.and(v128.load(tp + off), gTailMask), v128.and(v128.load(sp + off), gTailMask));
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    acc = f32x4.add(acc, v128.shuffle<f32>(acc, acc, 2, 3, 0, 1));
    acc = f32x4.add(acc, v128.shuffle<f32>(acc, acc, 1, 0, 3, 2));
    sum += <f64>f32x4.extract_lane(acc, 0);
    if (sum >= bound) return sum;
    tp += tStride;
    sp += sStride;
  }
  return sum;
}

/** Exported for tests: the exact feature distance of one patch pair. */
export function featurePatchDistance(tx: i32, ty: i32, sx: i32, sy: i32): f64 {
  return featureDistance(tx, ty, sx, sy, Infinity);
}

/** Random initialisation of entries start..end-1, as initialise() on the feature distance. */
export function featureInitialise(initialXPtr: usize, initialYPtr: usize, hasInitial: bool, start: i32, end: i32): void {
  searchInitialise<f64>(FEATURE, initialXPtr, initialYPtr, hasInitial, start, end);
}

/** One PatchMatch iteration over entries start..end-1 on the feature distance, as iterate(). */
export function featureIterate(reverse: bool, start: i32, end: i32): void {
  searchIterate<f64>(FEATURE, reverse, start, end);
}

/**
 * The coherence step of Hertzmann et al. ("Image Analogies", SIGGRAPH 2001, BestCoherenceMatch)
 * over entries start..end-1 in scan order: for each searched entry, the matches of the
 * already-visited entries within `radius` (the rows above, and the left part of its own row),
 * shifted by the offset between the two, are tried; the closest (first of equals) replaces the
 * entry's match when its distance is <= the match's distance times `factor` (1 + 2^(l - L) kappa).
 * Must match featureCoherence() in ../js-feature-kernel.ts.
 */
export function featureCoherence(factor: f64, radius: i32, start: i32, end: i32): void {
  for (let i = start; i < end; i++) {
    if (load<u8>(gActivePtr + i) == 0) continue;
    const y = i / gfw;
    const x = i - y * gfw;
    let best: f64 = Infinity;
    let bx: i32 = -1;
    let by: i32 = -1;
    for (let dy = -radius; dy <= 0; dy++) {
      const ny = y + dy;
      if (ny < 0) continue;
      const dxEnd = dy < 0 ? radius : -1;
      for (let dx = -radius; dx <= dxEnd; dx++) {
        const nx = x + dx;
        if (nx < 0 || nx >= gfw) continue;
        const j = ny * gfw + nx;
        if (load<u8>(gActivePtr + j) == 0) continue;
        const cx = load<i32>(gxPtr + (<usize>j << 2)) - dx;
        const cy = load<i32>(gyPtr + (<usize>j << 2)) - dy;
        if (cx < 0 || cx >= gsfw || cy < 0 || cy >= gsfh || (cx == bx && cy == by)) continue;
        if (load<u8>(gValidPtr + cy * gsfw + cx) == 0) continue;
        const d = featureDistance(x, y, cx, cy, best);
        if (d < best) { best = d; bx = cx; by = cy; }
      }
    }
    if (bx >= 0 && best <= load<f64>(gdPtr + (<usize>i << 3)) * factor) {
      store<i32>(gxPtr + (<usize>i << 2), bx);
      store<i32>(gyPtr + (<usize>i << 2), by);
      store<f64>(gdPtr + (<usize>i << 3), best);
    }
  }
}

// ---- The search loops, shared by the fields ------------------------------------------------------
//
// initialise() and iterate() of the plain, melding and feature fields are these two loops, each
// inlined with its own distance: `kind` is a constant at every call, so the optimizer keeps only
// that kind's branch of candidateDistance() and of the state reads, and D is the distance's type
// (u32 for the RGB fields, f64 for the feature fields). The state is read into locals once (the
// loop then keeps it in registers instead of reloading globals at every candidate), the generator
// included. Must match initialiseField() and iterateField() in ../js-search.ts.

const PLAIN: i32 = 0;
const MELD: i32 = 1;
const FEATURE: i32 = 2;

/**
 * The distance of `kind` between the target patch at (x, y) and the source patch at (cx, cy),
 * exact whenever it is below `bound` (the melding distance is always exact). The plain distance
 * reads the field state from the caller's locals.
 */
@inline function candidateDistance<D>(
  kind: i32, tBase: usize, tWidth: i32, sBase: usize, sWidth: i32, size: i32, chunks: i32, tail: bool, mask: v128,
  x: i32, y: i32, cx: i32, cy: i32, bound: D,
): D {
  if (kind == PLAIN) return <D>distanceWith(tBase, tWidth, sBase, sWidth, size, chunks, tail, mask, x, y, cx, cy, <u32>bound);
  if (kind == MELD) return <D>meldDistance(x, y, cx, cy);
  return <D>featureDistance(x, y, cx, cy, <f64>bound);
}

/** initialise(), meldInitialise() and featureInitialise(): see initialise(). */
@inline function searchInitialise<D>(kind: i32, initialXPtr: usize, initialYPtr: usize, hasInitial: bool, start: i32, end: i32): void {
  const feature = kind == FEATURE;
  const tBase = tPtr, tWidth = tw, sBase = sPtr, sWidth = sw, size = p, chunks = fullChunks, tail = hasTail, mask = tailMask;
  const act = feature ? gActivePtr : activePtr, xs = feature ? gxPtr : nxPtr, ys = feature ? gyPtr : nyPtr;
  const ds = feature ? gdPtr : ndPtr, valid = feature ? gValidPtr : validPtr, list = feature ? gValidListPtr : validListPtr;
  const count: u32 = feature ? gnValid : nValid;
  const width = feature ? gfw : fw, sWidthP = feature ? gsfw : sfw, sHeightP = feature ? gsfh : sfh;
  // The distance of unsearched entries, and the bound of a searched entry's first distance.
  const none: D = isFloat<D>() ? <D>Infinity : <D>NONE;
  let state = feature ? grng : rng;
  for (let i = start; i < end; i++) {
    const o = <usize>i << 2;
    const od = <usize>i << alignof<D>();
    if (load<u8>(act + i) == 0) {
      store<i32>(xs + o, -1);
      store<i32>(ys + o, -1);
      store<D>(ds + od, none);
      continue;
    }
    state ^= state << 13; state ^= state >> 17; state ^= state << 5; // nextRandom(). Must match xorshift32() in ../prng.ts.
    const pick = load<i32>(list + (<usize>(state % count) << 2));
    let x = pick % sWidthP;
    let y = pick / sWidthP;
    if (hasInitial) {
      const ix = load<i32>(initialXPtr + o);
      const iy = load<i32>(initialYPtr + o);
      if (ix >= 0 && ix < sWidthP && iy >= 0 && iy < sHeightP && load<u8>(valid + iy * sWidthP + ix) != 0) {
        x = ix;
        y = iy;
      }
    }
    const tx = i % width;
    const ty = i / width;
    let d = candidateDistance<D>(kind, tBase, tWidth, sBase, sWidth, size, chunks, tail, mask, tx, ty, x, y, none);
    for (let k = 1; k < INIT_CANDIDATES; k++) {
      state ^= state << 13; state ^= state >> 17; state ^= state << 5; // nextRandom(). Must match xorshift32() in ../prng.ts.
      const other = load<i32>(list + (<usize>(state % count) << 2));
      const cx = other % sWidthP;
      const cy = other / sWidthP;
      const c = candidateDistance<D>(kind, tBase, tWidth, sBase, sWidth, size, chunks, tail, mask, tx, ty, cx, cy, d);
      if (c < d) { x = cx; y = cy; d = c; }
    }
    store<i32>(xs + o, x);
    store<i32>(ys + o, y);
    store<D>(ds + od, d);
  }
  if (feature) grng = state;
  else rng = state;
}

/** iterate(), meldIterate() and featureIterate(): see iterate(). */
@inline function searchIterate<D>(kind: i32, reverse: bool, start: i32, end: i32): void {
  if (end <= start) return;
  const feature = kind == FEATURE;
  const step: i32 = reverse ? -1 : 1;
  const startRadius: i32 = feature ? max(gsw, gsh) : max(sw, sh);
  const tBase = tPtr, tWidth = tw, sBase = sPtr, sWidth = sw, size = p, chunks = fullChunks, tail = hasTail, mask = tailMask;
  const act = feature ? gActivePtr : activePtr, xs = feature ? gxPtr : nxPtr, ys = feature ? gyPtr : nyPtr;
  const ds = feature ? gdPtr : ndPtr, valid = feature ? gValidPtr : validPtr;
  const width = feature ? gfw : fw, height = feature ? gfh : fh;
  const sWidthP = feature ? gsfw : sfw, sHeightP = feature ? gsfh : sfh;
  const count = end - start;
  let i: i32 = reverse ? end - 1 : start;
  let y: i32 = i / width;
  let x: i32 = i - y * width;
  let state = feature ? grng : rng;
  for (let k = 0; k < count; k++, i += step, x += step) {
    // Row wrap of the running (x, y).
    if (x == width) { x = 0; y++; } else if (x < 0) { x = width - 1; y--; }
    if (load<u8>(act + i) == 0) continue;
    const o = <usize>i << 2;
    const od = <usize>i << alignof<D>();
    let bx = load<i32>(xs + o);
    let by = load<i32>(ys + o);
    let bd = load<D>(ds + od);

    // Propagation, horizontal neighbour: its match shifted by one pixel.
    const qx = x - step;
    if (qx >= 0 && qx < width) {
      const j = <usize>(i - step);
      if (load<u8>(act + j) != 0) {
        const cx = load<i32>(xs + (j << 2)) + step;
        const cy = load<i32>(ys + (j << 2));
        if (cx >= 0 && cx < sWidthP && (cx != bx || cy != by) && load<u8>(valid + cy * sWidthP + cx) != 0) {
          const d = candidateDistance<D>(kind, tBase, tWidth, sBase, sWidth, size, chunks, tail, mask, x, y, cx, cy, bd);
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
          const d = candidateDistance<D>(kind, tBase, tWidth, sBase, sWidth, size, chunks, tail, mask, x, y, cx, cy, bd);
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
        const d = candidateDistance<D>(kind, tBase, tWidth, sBase, sWidth, size, chunks, tail, mask, x, y, cx, cy, bd);
        if (d < bd) { bx = cx; by = cy; bd = d; }
      }
      if (draw++ > 0) r >>= 1;
    }
    store<i32>(xs + o, bx);
    store<i32>(ys + o, by);
    store<D>(ds + od, bd);
  }
  if (feature) grng = state;
  else rng = state;
}
