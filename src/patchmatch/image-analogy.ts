import { checkError, checkNumber, checkOneOf } from '../core/checks.js';
import type { SynthesisEngine } from './create-patch-match.js';
import { checkFeatureFieldMemory, featureFieldBytes } from './feature-field.js';
import {
  chroma,
  featureImage,
  fromYiq,
  levelsFor,
  luminance,
  mapPlane,
  type Plane,
  planePyramid,
  planeStats,
  remapper,
  upsampleMatches,
  upsamplePlane,
} from './feature-images.js';
import { yieldToEventLoop } from './scheduler.js';
import type { RgbaImage, SynthesisProgress } from './types.js';
import {
  MAX_EM_ITERATIONS,
  MAX_ITERATIONS,
  MAX_LEVELS,
  checkCallback,
  checkImage,
  checkInteger,
  checkMemory,
  checkPatchSize,
  checkSeed,
  checkSignal,
  optionalInteger,
  throwIfAborted,
} from './validate.js';

// Image analogies (Hertzmann, Jacobs, Oliver, Curless and Salesin, "Image Analogies", SIGGRAPH
// 2001) with PatchMatch as the approximate-nearest-neighbour search, over feature images.

/**
 * Options of {@link PatchMatch.imageAnalogy}. Every option may be left out (`undefined`); `null`
 * is rejected like any other wrong value.
 */
export interface ImageAnalogyOptions {
  /** Odd side of the feature neighbourhood, 3..127, no larger than `a` or `b`. Defaults to 5 (the paper's fine neighbourhood). */
  patchSize?: number;
  /**
   * Coherence weight kappa >= 0 (at most 1000): a pixel keeps the match its already-synthesised
   * neighbours suggest when that match's distance is within a factor 1 + 2^(l - L) kappa of the
   * best match found (l the level, L the finest). 0 turns the coherence step off. Defaults to 1.
   * Larger values give more coherent, texture-like results (texture by numbers, painterly
   * filters); 0 is the most faithful for a local filter (blur, emboss, threshold).
   */
  kappa?: number;
  /**
   * Weight of the A' and B' luminance in the match, 0..100, relative to A's and B's (1), after
   * scaling A' down to A's contrast when it has more (a threshold's 0/255 would otherwise
   * dominate). Defaults to 0.25. 0 matches on A and B alone, which suits a deterministic local
   * filter best; larger values favour B' neighbourhoods that look like A''s.
   */
  primeWeight?: number;
  /** Pyramid levels, 1..32. Defaults to as many as keep every side of `a` and `b` at least 4 * patchSize. */
  levels?: number;
  /** Search-and-copy rounds per level (each round's B' feeds the next round's features), 1..100. Defaults to 2. */
  emIterations?: number;
  /** PatchMatch iterations per round, 1..1000. Defaults to 4. */
  nnfIterations?: number;
  /** PRNG seed, an integer 0..2^32 - 1 (never wrapped). Defaults to 1. */
  seed?: number;
  /**
   * Where the output's colour comes from: 'b' (default) keeps B's chrominance (I and Q of YIQ)
   * and takes only the luminance from the analogy, as the paper does; 'aPrime' copies the matched
   * A' pixel whole (texture by numbers, colourisation).
   */
  color?: 'b' | 'aPrime';
  /**
   * Remaps A's and A''s luminance linearly so that A's mean and standard deviation match B's
   * before matching (the paper's section 3.4; the output luminance then lies in B's range).
   * Defaults to false: a filter that depends on absolute levels (a threshold) stays exact without it.
   */
  remapLuminance?: boolean;
  /** Called after every round. */
  onProgress?: (progress: SynthesisProgress) => void;
  /** Cancels the operation: the promise rejects with an Error named 'AbortError'. Checked inside every field and between rounds. */
  signal?: AbortSignal;
}

/** The images of {@link PatchMatch.imageAnalogy}: A and A' (same size) and B, plus the options. */
export interface ImageAnalogyArgs extends ImageAnalogyOptions {
  /** The unfiltered example. */
  a: RgbaImage;
  /** The filtered example, the same size as `a`. */
  aPrime: RgbaImage;
  /** The image to filter; any size. */
  b: RgbaImage;
}

/** Feature weights of the A and B luminance: the level's own, and the coarser level's (upsampled). */
const FINE_WEIGHT = 1;
const COARSE_WEIGHT = 0.5;
/** Largest primeWeight accepted. */
const MAX_PRIME_WEIGHT = 100;
/** Largest kappa accepted (the factor 1 + kappa only needs to exceed every distance ratio). */
const MAX_KAPPA = 1000;

/** Working memory of an analogy (planes, pyramids, feature images, one feature field, output). */
function analogyWorkingBytes(aw: number, ah: number, bw: number, bh: number, p: number): number {
  const pad = p >> 1;
  const a = aw * ah;
  const b = bw * bh;
  const pa = (aw + 2 * pad) * (ah + 2 * pad);
  const pb = (bw + 2 * pad) * (bh + 2 * pad);
  // Copies of A' and B (RGBA), the luminance pyramids of A, A', B and B' (a third more each),
  // upsampled coarse planes, B's chrominance, two A feature images and one B (4 floats a pixel),
  // the fields of two levels and the output.
  const held = (a + b) * 4 + Math.ceil(((2 * a + 2 * b) * 4 * 4) / 3) + (2 * a + 2 * b) * 4 + b * 8;
  const features = pa * 32 + pb * 16;
  const field = featureFieldBytes({
    targetWidth: bw + 2 * pad,
    targetHeight: bh + 2 * pad,
    sourceWidth: aw + 2 * pad,
    sourceHeight: ah + 2 * pad,
    channels: 4,
    patchSize: p,
    validCount: a,
    withInitial: true,
  });
  return held + features + field + b * 16 + b * 4;
}

/**
 * Implements PatchMatch.imageAnalogy; see createPatchMatch. Everything up to the first `await`
 * runs synchronously at the call: validation, the memory check and the luminance copies.
 */
export async function imageAnalogy(pm: SynthesisEngine, args: ImageAnalogyArgs): Promise<RgbaImage> {
  const owner = 'PatchMatch.imageAnalogy';
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw checkError(owner, 'arguments', 'an object { a, aPrime, b, ...options }', args);
  }
  const { a, aPrime, b } = args;
  checkImage(owner, 'a', a);
  checkImage(owner, 'aPrime', aPrime);
  checkImage(owner, 'b', b);
  if (aPrime.width !== a.width || aPrime.height !== a.height) {
    throw new Error(
      `${owner}: aPrime is ${aPrime.width}x${aPrime.height} but a is ${a.width}x${a.height}; they must be the same size.`,
    );
  }
  const p = checkPatchSize(
    owner,
    args.patchSize === undefined ? 5 : args.patchSize,
    { width: a.width, height: a.height, name: 'a' },
    { width: b.width, height: b.height, name: 'b' },
  );
  const kappa = args.kappa === undefined ? 1 : checkNumber(owner, 'kappa', args.kappa, { min: 0, max: MAX_KAPPA });
  const levelsOption =
    args.levels === undefined ? undefined : checkInteger(owner, 'levels', args.levels, 1, MAX_LEVELS);
  const primeWeight =
    args.primeWeight === undefined
      ? 0.25
      : checkNumber(owner, 'primeWeight', args.primeWeight, { min: 0, max: MAX_PRIME_WEIGHT });
  const emIterations = optionalInteger(owner, 'emIterations', args.emIterations, 2, 1, MAX_EM_ITERATIONS);
  const nnfIterations = optionalInteger(owner, 'nnfIterations', args.nnfIterations, 4, 1, MAX_ITERATIONS);
  const seed = checkSeed(owner, args.seed);
  const color = args.color === undefined ? 'b' : checkOneOf(owner, 'color', args.color, ['b', 'aPrime'] as const);
  const remap = args.remapLuminance === undefined ? false : args.remapLuminance;
  if (typeof remap !== 'boolean') throw checkError(owner, 'remapLuminance', 'a boolean or undefined', remap);
  const onProgress = checkCallback(owner, 'onProgress', args.onProgress);
  const signal = checkSignal(owner, args.signal);
  checkMemory(
    owner,
    pm.maxMemoryBytes,
    analogyWorkingBytes(a.width, a.height, b.width, b.height, p),
    `a (${a.width}x${a.height}) and b (${b.width}x${b.height})`,
  );
  throwIfAborted(owner, signal);

  // Snapshots: nothing below reads the caller's arrays again.
  let yA = luminance(a);
  let yAp = luminance(aPrime);
  const yB = luminance(b);
  const bChroma = color === 'b' ? chroma(b) : null;
  const aPrimeCopy = color === 'aPrime' ? new Uint8ClampedArray(aPrime.data) : null;
  if (remap) {
    const m = remapper(yA, yB);
    yA = mapPlane(yA, m);
    yAp = mapPlane(yAp, m);
  }

  const levels = Math.min(
    levelsOption ?? levelsFor(4 * p, a.width, a.height, b.width, b.height),
    levelsFor(p, a.width, a.height, b.width, b.height),
  );
  const pyrA = planePyramid(yA, levels);
  const pyrAp = planePyramid(yAp, levels);
  const pyrB = planePyramid(yB, levels);
  const pad = p >> 1;
  // A' channels at most as spread out as A's, so that a high-contrast A' (a threshold) does not
  // outweigh the luminance B is matched by.
  const sA = planeStats(yA).std;
  const sAp = planeStats(yAp).std;
  const primeScale = (sAp > sA ? sA / sAp : 1) * primeWeight;
  const total = pyrB.reduce((s, q) => s + q.width * q.height, 0) * emIterations;
  let done = 0;

  let matchX: Int32Array | null = null;
  let matchY: Int32Array | null = null;
  let bPrime: Plane | null = null;
  let prevSize: [number, number] = [0, 0];
  for (let level = 0; level < levels; level++) {
    const A = pyrA[level]!;
    const Ap = pyrAp[level]!;
    const B = pyrB[level]!;
    const { width: aw, height: ah } = A;
    const { width: bw, height: bh } = B;
    const coarse = (planes: Plane[], w: number, h: number) =>
      level > 0 ? upsamplePlane(planes[level - 1]!, w, h) : null;
    const aCoarse = coarse(pyrA, aw, ah);
    const apCoarse = coarse(pyrAp, aw, ah);
    const bCoarse = coarse(pyrB, bw, bh);
    const bpCoarse = bPrime !== null ? upsamplePlane(bPrime, bw, bh) : null;
    const aFeatures = (withPrime: boolean) =>
      featureImage(aw, ah, pad, [
        { plane: A, weight: FINE_WEIGHT },
        { plane: withPrime ? Ap : null, weight: primeScale },
        { plane: aCoarse, weight: COARSE_WEIGHT },
        { plane: apCoarse, weight: COARSE_WEIGHT * primeScale },
      ]);
    const source = aFeatures(true);
    checkFeatureFieldMemory(owner, pm.maxMemoryBytes, {
      targetWidth: bw + 2 * pad,
      targetHeight: bh + 2 * pad,
      sourceWidth: source.width,
      sourceHeight: source.height,
      channels: 4,
      patchSize: p,
      validCount: aw * ah,
      withInitial: true,
    });
    // The current B' estimate at this level: the coarser result's matches, upsampled.
    let estimate: Plane | null = null;
    if (matchX !== null && matchY !== null) {
      const up = upsampleMatches(matchX, matchY, prevSize[0], prevSize[1], bw, bh, aw, ah);
      matchX = up.x;
      matchY = up.y;
      estimate = copyMatched(Ap, matchX, matchY, bw, bh);
    }
    const factor = 1 + 2 ** (level - (levels - 1)) * kappa;
    for (let em = 0; em < emIterations; em++) {
      await yieldToEventLoop();
      throwIfAborted(owner, signal);
      // The first round of the coarsest level has no B' yet: it matches on A and B alone.
      const target = featureImage(bw, bh, pad, [
        { plane: B, weight: FINE_WEIGHT },
        { plane: estimate, weight: primeScale },
        { plane: bCoarse, weight: COARSE_WEIGHT },
        { plane: bpCoarse, weight: COARSE_WEIGHT * primeScale },
      ]);
      const field = await pm.featureField({
        owner,
        target,
        source: estimate === null ? aFeatures(false) : source,
        patchSize: p,
        iterations: nnfIterations,
        seed: (seed + 7919 * (level * emIterations + em)) >>> 0,
        ...(matchX !== null && matchY !== null ? { initialX: matchX, initialY: matchY } : {}),
        ...(kappa > 0 ? { coherence: { factor, radius: pad } } : {}),
        signal,
      });
      matchX = field.x;
      matchY = field.y;
      estimate = copyMatched(Ap, matchX, matchY, bw, bh);
      done += bw * bh;
      onProgress?.({ level, levels, emIteration: em + 1, emIterations, fraction: done / total });
    }
    bPrime = estimate;
    prevSize = [bw, bh];
  }

  const y = bPrime!.data;
  if (bChroma !== null) return fromYiq(b.width, b.height, y, bChroma.i, bChroma.q);
  // color 'aPrime': the matched A' pixels, whole.
  const out = new Uint8ClampedArray(b.width * b.height * 4);
  for (let i = 0; i < b.width * b.height; i++) {
    const k = 4 * (matchY![i]! * a.width + matchX![i]!);
    out[4 * i] = aPrimeCopy![k]!;
    out[4 * i + 1] = aPrimeCopy![k + 1]!;
    out[4 * i + 2] = aPrimeCopy![k + 2]!;
    out[4 * i + 3] = 255;
  }
  return { width: b.width, height: b.height, data: out };
}

/** B'(q) = A'(s(q)): the value of A' at every pixel's match (Hertzmann et al.'s copy of the best match). */
function copyMatched(ap: Plane, x: Int32Array, y: Int32Array, width: number, height: number): Plane {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = ap.data[y[i]! * ap.width + x[i]!]!;
  return { width, height, data };
}
