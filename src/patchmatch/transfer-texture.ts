import { checkError, checkNumber } from '../core/checks.js';
import type { SynthesisEngine } from './create-patch-match.js';
import { checkFeatureFieldMemory, featureFieldBytes } from './feature-field.js';
import {
  channel,
  featureImage,
  levelsFor,
  luminance,
  mapPlane,
  type Plane,
  planePyramid,
  remapper,
  upsampleMatches,
} from './feature-images.js';
import { downsample, toRgbaCopy } from './pixels.js';
import { yieldToEventLoop } from './scheduler.js';
import type { Mask, RgbaImage, SynthesisProgress } from './types.js';
import {
  MAX_EM_ITERATIONS,
  MAX_ITERATIONS,
  MAX_LEVELS,
  checkCallback,
  checkImage,
  checkInteger,
  checkMask,
  checkMemory,
  checkPatchSize,
  checkSeed,
  checkSignal,
  optionalInteger,
  patchesTouchingMask,
  throwIfAborted,
} from './validate.js';

// Texture transfer (Efros and Freeman, "Image Quilting for Texture Synthesis and Transfer",
// SIGGRAPH 2001; Ashikhmin, "Fast Texture Transfer", IEEE CG&A 2003): the target is rendered out
// of the source texture's pixels. Multi-scale and iterative over a feature-space PatchMatch: the
// patch centred on each output pixel is matched to the source patch that minimises alpha times
// the squared difference of its (remapped) luminance to the target's plus 1 - alpha times its
// squared colour difference to the current output (the texture term); Hertzmann's coherence step
// (Ashikhmin's coherent candidates) then prefers the source positions the neighbours suggest, and
// every output pixel copies the source pixel its patch is matched to. Copying pixels instead of
// averaging overlapping patches keeps the texture sharp: an averaging vote washed it out to
// smooth grey within a few rounds.

/**
 * Options of {@link PatchMatch.transferTexture}. Every option may be left out (`undefined`);
 * `null` is rejected like any other wrong value.
 */
export interface TransferTextureOptions {
  /** Odd side of the patches compared (centred on each pixel), 3..127, no larger than the source or the target. Defaults to 7. */
  patchSize?: number;
  /**
   * Weight of the target's luminance against texture coherence, 0..1: a patch's cost is alpha
   * times the mean squared luminance difference to the target plus 1 - alpha times the mean
   * squared colour difference to the current output. 1 follows the target only; near 0 the
   * output drifts to plain texture. Defaults to 0.5.
   */
  alpha?: number;
  /**
   * Coherence weight kappa >= 0 (at most 1000), as in {@link ImageAnalogyOptions.kappa}: an output
   * pixel keeps the source position its neighbours' matches suggest (Ashikhmin's coherent
   * candidates) when that match is within a factor 1 + 2^(l - L) kappa of the best one. Defaults to 1.
   */
  kappa?: number;
  /** Pyramid levels, 1..32. Defaults to as many as keep every side of both images at least 4 * patchSize. */
  levels?: number;
  /** Match-and-copy rounds per level, 1..100. Defaults to 3. */
  emIterations?: number;
  /** PatchMatch iterations per round, 1..1000. Defaults to 4. */
  nnfIterations?: number;
  /** PRNG seed, an integer 0..2^32 - 1 (never wrapped). Defaults to 1. */
  seed?: number;
  /**
   * Remaps the source's luminance linearly to the target's mean and standard deviation for the
   * luminance term (Hertzmann et al. 2001, section 3.4), so a dark texture can still render a
   * bright target. Defaults to true.
   */
  remapLuminance?: boolean;
  /** Source mask (source size): source patches touching a masked pixel are never used. */
  sourceMask?: Mask;
  /** Called after every round. */
  onProgress?: (progress: SynthesisProgress) => void;
  /** Cancels the operation: the promise rejects with an Error named 'AbortError'. Checked inside every field and between rounds. */
  signal?: AbortSignal;
}

/** The images of {@link PatchMatch.transferTexture}: the texture and the image to render, plus the options. */
export interface TransferTextureArgs extends TransferTextureOptions {
  /** The texture whose patches make up the output. */
  source: RgbaImage;
  /** The image to render; the output has its size. */
  target: RgbaImage;
}

/** Working memory of a transfer: pyramids, planes, features and one field at the finest level. */
function transferWorkingBytes(sw: number, sh: number, tw: number, th: number, p: number, masked: boolean): number {
  const s = sw * sh;
  const t = tw * th;
  const n = t;
  // Source RGBA pyramid and four float plane pyramids (a third more each), the target's luminance
  // pyramid, the estimate twice, the source mask pyramid, the feature images (4 floats a pixel).
  const held =
    Math.ceil((s * 4 * 4) / 3) +
    Math.ceil((s * 16 * 4) / 3) +
    Math.ceil((t * 4 * 4) / 3) +
    t * 8 +
    (masked ? s * 2 : 0) +
    (s + t) * 16;
  const pad = p >> 1;
  const field = featureFieldBytes({
    targetWidth: tw + 2 * pad,
    targetHeight: th + 2 * pad,
    sourceWidth: sw + 2 * pad,
    sourceHeight: sh + 2 * pad,
    channels: 4,
    patchSize: p,
    validCount: s,
    withInitial: true,
  });
  return held + n * 24 + field;
}

/**
 * Implements PatchMatch.transferTexture; see createPatchMatch. Everything up to the first
 * `await` runs synchronously at the call: validation, the memory check and the copies.
 */
export async function transferTexture(pm: SynthesisEngine, args: TransferTextureArgs): Promise<RgbaImage> {
  const owner = 'PatchMatch.transferTexture';
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw checkError(owner, 'arguments', 'an object { source, target, ...options }', args);
  }
  const { source, target, sourceMask } = args;
  checkImage(owner, 'source', source);
  checkImage(owner, 'target', target);
  if (sourceMask !== undefined) checkMask(owner, 'sourceMask', sourceMask, source.width, source.height);
  const p = checkPatchSize(
    owner,
    args.patchSize,
    { width: source.width, height: source.height, name: 'source' },
    { width: target.width, height: target.height, name: 'target' },
  );
  const kappa = args.kappa === undefined ? 1 : checkNumber(owner, 'kappa', args.kappa, { min: 0, max: 1000 });
  const alpha = args.alpha === undefined ? 0.5 : checkNumber(owner, 'alpha', args.alpha, { min: 0, max: 1 });
  const levelsOption =
    args.levels === undefined ? undefined : checkInteger(owner, 'levels', args.levels, 1, MAX_LEVELS);
  const emIterations = optionalInteger(owner, 'emIterations', args.emIterations, 3, 1, MAX_EM_ITERATIONS);
  const nnfIterations = optionalInteger(owner, 'nnfIterations', args.nnfIterations, 4, 1, MAX_ITERATIONS);
  const seed = checkSeed(owner, args.seed);
  const remap = args.remapLuminance === undefined ? true : args.remapLuminance;
  if (typeof remap !== 'boolean') throw checkError(owner, 'remapLuminance', 'a boolean or undefined', remap);
  const onProgress = checkCallback(owner, 'onProgress', args.onProgress);
  const signal = checkSignal(owner, args.signal);
  checkMemory(
    owner,
    pm.maxMemoryBytes,
    transferWorkingBytes(source.width, source.height, target.width, target.height, p, sourceMask !== undefined),
    `source (${source.width}x${source.height}) and target (${target.width}x${target.height})`,
  );
  throwIfAborted(owner, signal);

  // Snapshots: nothing below reads the caller's arrays again.
  const sourceCopy = toRgbaCopy(source);
  const maskCopy: Mask | null =
    sourceMask === undefined
      ? null
      : { width: sourceMask.width, height: sourceMask.height, data: new Uint8Array(sourceMask.data) };
  const yT = luminance(target);
  if (maskCopy !== null && patchesTouchingMask(maskCopy, p).every((v) => v !== 0)) {
    throw new Error(
      `${owner}: every ${p}x${p} source patch touches a masked pixel of sourceMask; nothing can be matched.`,
    );
  }

  const levels = Math.min(
    levelsOption ?? levelsFor(4 * p, source.width, source.height, target.width, target.height),
    levelsFor(p, source.width, source.height, target.width, target.height),
  );
  // Source pyramids (RGBA for the vote, planes for the features, mask), finest first, then reversed.
  const sources: RgbaImage[] = [sourceCopy];
  const masks: Array<Mask | null> = [maskCopy];
  while (sources.length < levels) {
    const next = downsample(sources[sources.length - 1]!, masks[masks.length - 1]!);
    sources.push(next.image);
    masks.push(next.mask);
  }
  sources.reverse();
  masks.reverse();
  const targetY = planePyramid(yT, levels);
  const total = targetY.reduce((s, q) => s + q.width * q.height, 0) * emIterations;
  let done = 0;
  const a = Math.sqrt(alpha);
  const c = Math.sqrt((1 - alpha) / 3);

  const pad = p >> 1;
  let estimate: RgbaImage | null = null;
  let matchX: Int32Array | null = null;
  let matchY: Int32Array | null = null;
  let prevSize: [number, number] = [0, 0];
  for (let level = 0; level < levels; level++) {
    const src = sources[level]!;
    const yTl = targetY[level]!;
    const { width: tw, height: th } = yTl;
    const { width: sw, height: sh } = src;
    let ySrc = luminance(src);
    if (remap) ySrc = mapPlane(ySrc, remapper(ySrc, yTl));
    const [r, g, b] = [0, 1, 2].map((k) => channel(src, k)) as [Plane, Plane, Plane];
    const sourceFeatures = (withColour: boolean) =>
      featureImage(sw, sh, pad, [
        { plane: ySrc, weight: a },
        { plane: withColour ? r : null, weight: c },
        { plane: withColour ? g : null, weight: c },
        { plane: withColour ? b : null, weight: c },
      ]);
    checkFeatureFieldMemory(owner, pm.maxMemoryBytes, {
      targetWidth: tw + 2 * pad,
      targetHeight: th + 2 * pad,
      sourceWidth: sw + 2 * pad,
      sourceHeight: sh + 2 * pad,
      channels: 4,
      patchSize: p,
      validCount: sw * sh,
      withInitial: true,
    });
    const mask = masks[level]!;
    let valid: Uint8Array | undefined;
    if (mask !== null) {
      // A source pixel is usable when no masked pixel lies in the patch centred on it.
      const padded = new Uint8Array((sw + 2 * pad) * (sh + 2 * pad));
      for (let y = 0; y < sh; y++)
        padded.set(mask.data.subarray(y * sw, (y + 1) * sw), (y + pad) * (sw + 2 * pad) + pad);
      valid = patchesTouchingMask({ width: sw + 2 * pad, height: sh + 2 * pad, data: padded }, p);
      for (let i = 0; i < valid.length; i++) valid[i] = valid[i] === 0 ? 1 : 0;
    }
    if (matchX !== null && matchY !== null) {
      const up = upsampleMatches(matchX, matchY, prevSize[0], prevSize[1], tw, th, sw, sh);
      matchX = up.x;
      matchY = up.y;
      estimate = copyMatched(src, matchX, matchY, tw, th);
    }
    const withColour = sourceFeatures(true);
    const factor = 1 + 2 ** (level - (levels - 1)) * kappa;
    for (let em = 0; em < emIterations; em++) {
      await yieldToEventLoop();
      throwIfAborted(owner, signal);
      // The first round has no output yet: it matches on the target's luminance alone.
      const targetFeatures = featureImage(tw, th, pad, [
        { plane: yTl, weight: a },
        ...[0, 1, 2].map((k) => ({ plane: estimate !== null ? channel(estimate, k) : null, weight: c })),
      ]);
      const result = await pm.featureField({
        owner,
        target: targetFeatures,
        source: estimate === null ? sourceFeatures(false) : withColour,
        patchSize: p,
        iterations: nnfIterations,
        seed: (seed + 7919 * (level * emIterations + em)) >>> 0,
        ...(valid !== undefined ? { valid } : {}),
        ...(matchX !== null && matchY !== null ? { initialX: matchX, initialY: matchY } : {}),
        ...(kappa > 0 ? { coherence: { factor, radius: pad } } : {}),
        signal,
      });
      matchX = result.x;
      matchY = result.y;
      estimate = copyMatched(src, matchX, matchY, tw, th);
      done += tw * th;
      onProgress?.({ level, levels, emIteration: em + 1, emIterations, fraction: done / total });
    }
    prevSize = [tw, th];
  }
  return estimate!;
}

/** Every output pixel is the source pixel its patch is matched to (Ashikhmin's pixel copy). */
function copyMatched(src: RgbaImage, x: Int32Array, y: Int32Array, width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const k = 4 * (y[i]! * src.width + x[i]!);
    data[4 * i] = src.data[k]!;
    data[4 * i + 1] = src.data[k + 1]!;
    data[4 * i + 2] = src.data[k + 2]!;
    data[4 * i + 3] = 255;
  }
  return { width, height, data };
}
