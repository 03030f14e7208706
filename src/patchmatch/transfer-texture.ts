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
} from './feature-images.js';
import { voteWorkingBytes } from './layout.js';
import { downsample, toRgbaCopy, upsampleField, upsampleNearest } from './pixels.js';
import { yieldToEventLoop } from './scheduler.js';
import type { Mask, Nnf, RgbaImage, SynthesisProgress } from './types.js';
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
// SIGGRAPH 2001; Ashikhmin, "Fast Texture Transfer", 2003): the target is rendered out of the
// source texture's patches. Here as a multi-scale EM over a feature-space PatchMatch: each source
// patch is matched to each output patch by alpha times the squared difference of its luminance
// to the target's, plus 1 - alpha times its squared colour difference to the current output (the
// texture term), and the matched patches are voted into the next output.

/**
 * Options of {@link PatchMatch.transferTexture}. Every option may be left out (`undefined`);
 * `null` is rejected like any other wrong value.
 */
export interface TransferTextureOptions {
  /** Odd patch side, 3..127, no larger than the source or the target. Defaults to 7. */
  patchSize?: number;
  /**
   * Weight of the target's luminance against texture coherence, 0..1: a patch's cost is alpha
   * times the mean squared luminance difference to the target plus 1 - alpha times the mean
   * squared colour difference to the current output. 1 follows the target only; near 0 the
   * output drifts to plain texture. Defaults to 0.5.
   */
  alpha?: number;
  /** Pyramid levels, 1..32. Defaults to as many as keep every side of both images at least 4 * patchSize. */
  levels?: number;
  /** Match-and-vote rounds per level, 1..100. Defaults to 3. */
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

/** Working memory of a transfer: pyramids, planes, features, one field and one vote at the finest level. */
function transferWorkingBytes(sw: number, sh: number, tw: number, th: number, p: number, masked: boolean): number {
  const s = sw * sh;
  const t = tw * th;
  const n = (tw - p + 1) * (th - p + 1);
  // Source RGBA pyramid and four float plane pyramids (a third more each), the target's luminance
  // pyramid, the estimate twice, the source mask pyramid, the feature images (4 floats a pixel).
  const held =
    Math.ceil((s * 4 * 4) / 3) +
    Math.ceil((s * 16 * 4) / 3) +
    Math.ceil((t * 4 * 4) / 3) +
    t * 8 +
    (masked ? s * 2 : 0) +
    (s + t) * 16;
  const field = featureFieldBytes({
    targetWidth: tw,
    targetHeight: th,
    sourceWidth: sw,
    sourceHeight: sh,
    channels: 4,
    patchSize: p,
    validCount: (sw - p + 1) * (sh - p + 1),
    withInitial: true,
  });
  return held + n * 24 + Math.max(field, voteWorkingBytes(n, s, t, false));
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

  let estimate: RgbaImage | null = null;
  let field: Nnf | null = null;
  let fieldSize: [number, number] = [0, 0];
  for (let level = 0; level < levels; level++) {
    const src = sources[level]!;
    const yTl = targetY[level]!;
    const { width: tw, height: th } = yTl;
    let ySrc = luminance(src);
    if (remap) ySrc = mapPlane(ySrc, remapper(ySrc, yTl));
    const [r, g, b] = [0, 1, 2].map((k) => channel(src, k)) as [Plane, Plane, Plane];
    const sourceFeatures = (withColour: boolean) =>
      featureImage(src.width, src.height, 0, [
        { plane: ySrc, weight: a },
        { plane: withColour ? r : null, weight: c },
        { plane: withColour ? g : null, weight: c },
        { plane: withColour ? b : null, weight: c },
      ]);
    checkFeatureFieldMemory(owner, pm.maxMemoryBytes, {
      targetWidth: tw,
      targetHeight: th,
      sourceWidth: src.width,
      sourceHeight: src.height,
      channels: 4,
      patchSize: p,
      validCount: (src.width - p + 1) * (src.height - p + 1),
      withInitial: true,
    });
    const mask = masks[level]!;
    let valid: Uint8Array | undefined;
    if (mask !== null) {
      valid = patchesTouchingMask(mask, p);
      for (let i = 0; i < valid.length; i++) valid[i] = valid[i] === 0 ? 1 : 0;
    }
    if (estimate !== null && field !== null) {
      estimate = { width: tw, height: th, data: upsampleNearest(estimate, tw, th) };
      const box = (w: number, h: number) => ({ x0: 0, y0: 0, width: w, height: h });
      field = upsampleField(field, box(fieldSize[0], fieldSize[1]), box(tw, th), p);
    }
    const withColour = sourceFeatures(true);
    for (let em = 0; em < emIterations; em++) {
      await yieldToEventLoop();
      throwIfAborted(owner, signal);
      // The first round has no output yet: it matches on the target's luminance alone.
      const targetFeatures = featureImage(tw, th, 0, [
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
        ...(field !== null ? { initialX: field.x, initialY: field.y } : {}),
        signal,
      });
      const fw = tw - p + 1;
      const fh = th - p + 1;
      field = { width: fw, height: fh, patchSize: p, x: result.x, y: result.y, distance: new Uint32Array(fw * fh) };
      estimate = pm.voteAs(owner, field, src, undefined);
      done += tw * th;
      onProgress?.({ level, levels, emIteration: em + 1, emIterations, fraction: done / total });
    }
    fieldSize = [tw, th];
  }
  return estimate!;
}
