import { checkBoolean, checkNumber, describeValue } from '../core/checks.js';
import { solveScreenedPoisson } from '../core/screened-poisson.js';
import type { SynthesisEngine } from './create-patch-match.js';
import type { FeatureImage } from './kernel.js';
import { featureFieldBytes } from './feature-field.js';
import { inpaintWorkingBytes, textureWorkingBytes } from './layout.js';
import {
  type Box,
  blendHole,
  cropImage,
  cropMask,
  distanceToKnown,
  downsample,
  holeBox,
  onionPeelFill,
  toRgbaCopy,
  upsampleField,
  upsampleNearest,
} from './pixels.js';
import { seedState, xorshift32 } from './prng.js';
import { periodicity, quiltStart } from './quilt.js';
import { yieldToEventLoop } from './scheduler.js';
import type {
  InpaintOptions,
  Mask,
  Nnf,
  RgbaImage,
  SynthesisOptions,
  SynthesisProgress,
  TextureOptions,
} from './types.js';
import {
  MAX_EM_ITERATIONS,
  MAX_ITERATIONS,
  MAX_LEVELS,
  MAX_PATCH_SIZE,
  checkCallback,
  checkImage,
  checkInteger,
  checkMask,
  checkMemory,
  checkOptions,
  checkPatchSize,
  checkSeed,
  checkSignal,
  optionalInteger,
  patchesTouchingMask,
  throwIfAborted,
} from './validate.js';

// Multi-scale EM completion (Wexler, Shechtman and Irani, "Space-Time Completion of Video",
// PAMI 2007): at each pyramid level, alternate a PatchMatch field (seeded from the previous one)
// and a weighted vote of the matched patches. Inpainting and texture synthesis share it.

/**
 * Spatial weight base: patches whose centre lies d pixels inside the hole weigh GAMMA^-d. Wexler
 * et al. use 1.3; 1.6 trusts the patches at the hole's border more, which keeps the fill
 * continuous with its surroundings (chosen on half of the fill benchmark, see docs/patchmatch.md).
 */
const GAMMA = 1.6;

/**
 * Over-relaxation sweeps of the final blend (pixels.ts blendHole): enough for the correction to
 * settle within a few dozen pixels of the border, where seams are; 30, 100 and 300 sweeps gave
 * the same fill benchmark medians to 0.02 dB.
 */
const BLEND_SWEEPS = 40;

type Engine = SynthesisEngine;

/**
 * Robust norm of the texture vote (robustWeights), Kwatra et al.'s r = 0.8. With the quilted start
 * it lowered the brick samples' coherence error at 9x9 and 25x25 (bench/texture-quality.ts); with
 * the earlier random tiles it lowered grass's and gravel's completeness error by 40% (the output
 * kept more of the sample).
 */
const ROBUST_R = 0.8;

/**
 * Quilting tolerance: a tile's position is drawn among those within 10% of the best overlap
 * error (Efros and Freeman). 0.5 and 1 let more joints break on the brick samples.
 */
const QUILT_TOLERANCE = 0.1;

/**
 * `start: 'auto'` quilts a sample whose periodicity (quilt.ts) is at least this, else tiles it
 * (from one level coarser, synthesizeTextureImage).
 * On the texture bench's samples: brick crops 0.70-0.82, a grid of coins 0.68, grass and gravel
 * 0.20-0.21, a painting (Starry Night) 0.36. The quilt repeats a few of an irregular sample's
 * parts on a lattice (grass and gravel kept far less of the sample than with random tiles).
 */
const PERIODIC_THRESHOLD = 0.5;

/**
 * Patch side of the coarsest level's first EM iterations, as a multiple of patchSize (made odd,
 * at most the level's smaller side). On the texture bench (docs/patchmatch.md) 1.5 and 2 both
 * removed most stubs of joints the quilted start leaves at tile borders; 2 lowered the brick
 * samples' 25x25 coherence error more (24.6 and 13.3 against 26.3 and 13.8 for 1.5, 28.8 and 14.8
 * without) for slightly lower completeness on grass and gravel.
 */
const COARSE_PATCH_SCALE = 2;

/** Upper bound of InpaintOptions.gradientWeight. */
const MAX_GRADIENT_WEIGHT = 16;

/** Upper bound of InpaintOptions.screening. */
const MAX_SCREENING = 100;

/**
 * Default InpaintOptions.screening: chosen on half A of the fill benchmark (0.1 and 0.01 scored
 * alike there, 0.1 is cheaper) and checked on half B (docs/patchmatch.md, fill quality).
 */
const DEFAULT_SCREENING = 0.1;

/** Channels of the gradient-aware features: R, G, B, weighted d/dx and d/dy of the luminance. */
const GRADIENT_CHANNELS = 5;

/**
 * Features of `box` of an image for the gradient-aware patch distance (Image Melding, Darabi et
 * al. 2012): R, G, B and the luminance gradient (central differences, clamped at the image's edge)
 * times `weight`.
 */
function gradientFeatures(image: RgbaImage, box: Box, weight: number): FeatureImage {
  const { width: w, height: h, data } = image;
  const c = GRADIENT_CHANNELS;
  const out = new Float32Array(box.width * box.height * c);
  const lum = (x: number, y: number) => {
    const k = 4 * (Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x)));
    return 0.299 * data[k]! + 0.587 * data[k + 1]! + 0.114 * data[k + 2]!;
  };
  const g = weight / 2;
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      const ix = box.x0 + x;
      const iy = box.y0 + y;
      const k = 4 * (iy * w + ix);
      const o = c * (y * box.width + x);
      out[o] = data[k]!;
      out[o + 1] = data[k + 1]!;
      out[o + 2] = data[k + 2]!;
      out[o + 3] = g * (lum(ix + 1, iy) - lum(ix - 1, iy));
      out[o + 4] = g * (lum(ix, iy + 1) - lum(ix, iy - 1));
    }
  }
  return { width: box.width, height: box.height, channels: c, data: out };
}

/**
 * The inpainting field of one EM step over colour and gradient features (the feature-space
 * search of feature-field.ts), in the form fieldOwned gives: one entry per patch of `box`, x = -1
 * for patches that do not touch the hole, source patches that touch it never used. Both feature
 * images come from the current estimate, so the gradients at the hole's border see the fill, not
 * the masked-out content.
 */
async function gradientField(
  pm: Engine,
  owner: string,
  estimate: RgbaImage,
  box: Box,
  boxHole: Mask,
  hole: Mask,
  p: number,
  o: {
    weight: number;
    iterations: number;
    seed: number;
    initial: Nnf | undefined;
    signal: AbortSignal | undefined;
  },
): Promise<Nnf> {
  const { width, height } = estimate;
  const valid = patchesTouchingMask(hole, p);
  for (let i = 0; i < valid.length; i++) valid[i] = valid[i] === 0 ? 1 : 0;
  const r = await pm.featureField({
    owner,
    target: gradientFeatures(estimate, box, o.weight),
    source: gradientFeatures(estimate, { x0: 0, y0: 0, width, height }, o.weight),
    patchSize: p,
    iterations: o.iterations,
    seed: o.seed,
    valid,
    active: patchesTouchingMask(boxHole, p),
    ...(o.initial !== undefined ? { initialX: o.initial.x, initialY: o.initial.y } : {}),
    signal: o.signal,
  });
  const distance = new Uint32Array(r.distance.length);
  for (let i = 0; i < distance.length; i++) {
    distance[i] = r.x[i]! < 0 ? 0 : Math.min(0xffffffff, Math.round(r.distance[i]!));
  }
  return { width: box.width - p + 1, height: box.height - p + 1, patchSize: p, x: r.x, y: r.y, distance };
}

/** Conjugate-gradient cap of one gradient-domain rebuild (InpaintOptions.screening). */
const REBUILD_ITERATIONS = 400;

/**
 * The gradient-domain rebuild of one vote (InpaintOptions.screening): the hole pixels of `box`
 * become the screened Poisson solution (Bhat et al. 2008, as in Image Melding) whose differences
 * follow the voted differences of the source patches (each patch's own x and y differences,
 * weighted as its colours were) and whose values stay near the voted colours with weight
 * `screening`, every known pixel of the box held fixed. Plain TypeScript after the engine's vote,
 * so both backends give the same bytes.
 */
function rebuildFromGradients(
  owner: string,
  estimate: { width: number; data: Uint8ClampedArray },
  voted: RgbaImage,
  field: Nnf,
  weights: Float64Array,
  source: RgbaImage,
  box: Box,
  hole: Mask,
  screening: number,
  signal: AbortSignal | undefined,
): void {
  const p = field.patchSize;
  const { width: bw, height: bh } = box;
  const pix = bw * bh;
  const sw = source.width;
  const sd = source.data;
  const gx = new Float32Array(pix * 3);
  const gy = new Float32Array(pix * 3);
  const gxWeight = new Float64Array(pix);
  const gyWeight = new Float64Array(pix);
  const sumX = new Float64Array(pix * 3);
  const sumY = new Float64Array(pix * 3);
  // Per value the same sums in the same order as a plain loop over dy, dx and the channels; the
  // x and y differences are summed in separate passes with the channels unrolled (about twice as
  // fast at 1 megapixel).
  for (let i = 0; i < field.width * field.height; i++) {
    const sx = field.x[i]!;
    if (sx < 0) continue;
    const sy = field.y[i]!;
    const fx = i % field.width;
    const fy = (i - fx) / field.width;
    const w = weights[i]!;
    for (let dy = 0; dy < p; dy++) {
      const row = (fy + dy) * bw + fx;
      const srow = 4 * ((sy + dy) * sw + sx);
      for (let dx = 0; dx < p - 1; dx++) {
        const k = row + dx;
        const si = srow + 4 * dx;
        gxWeight[k] = gxWeight[k]! + w;
        const a = sd[si]!,
          b = sd[si + 1]!,
          c = sd[si + 2]!;
        sumX[3 * k] = sumX[3 * k]! + w * (sd[si + 4]! - a);
        sumX[3 * k + 1] = sumX[3 * k + 1]! + w * (sd[si + 5]! - b);
        sumX[3 * k + 2] = sumX[3 * k + 2]! + w * (sd[si + 6]! - c);
      }
      if (dy === p - 1) continue;
      const below = 4 * sw;
      for (let dx = 0; dx < p; dx++) {
        const k = row + dx;
        const si = srow + 4 * dx;
        gyWeight[k] = gyWeight[k]! + w;
        const a = sd[si]!,
          b = sd[si + 1]!,
          c = sd[si + 2]!;
        sumY[3 * k] = sumY[3 * k]! + w * (sd[si + below]! - a);
        sumY[3 * k + 1] = sumY[3 * k + 1]! + w * (sd[si + below + 1]! - b);
        sumY[3 * k + 2] = sumY[3 * k + 2]! + w * (sd[si + below + 2]! - c);
      }
    }
  }
  const { width } = estimate;
  const values = new Float32Array(pix * 3);
  const fixed = new Uint8Array(pix);
  for (let k = 0; k < pix; k++) {
    const i = (box.y0 + Math.floor(k / bw)) * width + box.x0 + (k % bw);
    const inHole = hole.data[i] !== 0;
    fixed[k] = inHole ? 0 : 1;
    for (let c = 0; c < 3; c++) values[3 * k + c] = inHole ? voted.data[4 * k + c]! : estimate.data[4 * i + c]!;
  }
  // Where no patch voted a difference (the box's last column and row), the values' own.
  for (let k = 0; k < pix; k++) {
    const x = k % bw;
    for (let c = 0; c < 3; c++) {
      gx[3 * k + c] =
        gxWeight[k]! > 0
          ? sumX[3 * k + c]! / gxWeight[k]!
          : x < bw - 1
            ? values[3 * (k + 1) + c]! - values[3 * k + c]!
            : 0;
      gy[3 * k + c] =
        gyWeight[k]! > 0
          ? sumY[3 * k + c]! / gyWeight[k]!
          : k + bw < pix
            ? values[3 * (k + bw) + c]! - values[3 * k + c]!
            : 0;
    }
  }
  const solved = solveScreenedPoisson(owner, {
    width: bw,
    height: bh,
    channels: 3,
    values,
    gradientX: gx,
    gradientY: gy,
    weight: screening,
    fixed,
    tolerance: 1e-4,
    maxIterations: REBUILD_ITERATIONS,
    ...(signal !== undefined ? { signal } : {}),
  }).values;
  for (let k = 0; k < pix; k++) {
    if (fixed[k] !== 0) continue;
    const i = (box.y0 + Math.floor(k / bw)) * width + box.x0 + (k % bw);
    for (let c = 0; c < 3; c++) estimate.data[4 * i + c] = Math.round(solved[3 * k + c]!);
  }
}

/** The options both syntheses share, validated (every count bounded; see validate.ts). */
interface CheckedSynthesisOptions {
  readonly emIterations: number;
  readonly nnfIterations: number;
  readonly seed: number;
  readonly levels: number | undefined;
  readonly onProgress: SynthesisOptions['onProgress'];
  readonly signal: AbortSignal | undefined;
}

/** Validates the options both syntheses share, then throws if the signal is already aborted. */
function checkSynthesisOptions(owner: string, o: Partial<SynthesisOptions>): CheckedSynthesisOptions {
  const checked: CheckedSynthesisOptions = {
    emIterations: optionalInteger(owner, 'emIterations', o.emIterations, 4, 1, MAX_EM_ITERATIONS),
    nnfIterations: optionalInteger(owner, 'nnfIterations', o.nnfIterations, 2, 1, MAX_ITERATIONS),
    seed: checkSeed(owner, o.seed),
    levels: o.levels === undefined ? undefined : checkInteger(owner, 'levels', o.levels, 1, MAX_LEVELS),
    onProgress: checkCallback(owner, 'onProgress', o.onProgress),
    signal: checkSignal(owner, o.signal),
  };
  throwIfAborted(owner, checked.signal);
  return checked;
}

/**
 * Per-patch vote weights: similarity exp(-mse / (2 sigma^2)), with sigma^2 the 75th percentile of
 * the searched patches' per-value mean squared error (Wexler et al.), times GAMMA^-depth of the
 * patch centre inside the hole when a depth map is given.
 */
function voteWeights(nnf: Nnf, depth: Float64Array | null, imageWidth: number, box: Box | null): Float64Array {
  const n = nnf.width * nnf.height;
  const p = nnf.patchSize;
  const scale = 1 / (3 * p * p);
  let count = 0;
  for (let i = 0; i < n; i++) if (nnf.x[i]! >= 0) count++;
  // A typed array sorts numerically without a comparator callback (fast on large fields).
  const mses = new Float64Array(count);
  for (let i = 0, k = 0; i < n; i++) if (nnf.x[i]! >= 0) mses[k++] = nnf.distance[i]! * scale;
  mses.sort();
  const sigma2 = Math.max(1, count > 0 ? mses[Math.floor(0.75 * (count - 1))]! : 1);
  const half = p >> 1;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (nnf.x[i]! < 0) continue;
    // The floor keeps every searched patch contributing, so no pixel is left without a vote.
    let weight = Math.max(1e-6, Math.exp(-(nnf.distance[i]! * scale) / (2 * sigma2)));
    if (depth !== null) {
      const cx = (i % nnf.width) + half + (box?.x0 ?? 0);
      const cy = Math.floor(i / nnf.width) + half + (box?.y0 ?? 0);
      weight *= GAMMA ** -depth[cy * imageWidth + cx]!;
    }
    w[i] = weight;
  }
  return w;
}

/** Number of halvings that keep every listed size >= minSide. */
function defaultLevels(minSide: number, ...sides: number[]): number {
  let levels = 1;
  while (sides.every((s) => Math.ceil(s / 2 ** levels) >= minSide)) levels++;
  return levels;
}

function progressFractions(pixelsPerLevel: number[], emPerLevel: number[]): (level: number, em: number) => number {
  const total = pixelsPerLevel.reduce((a, b, l) => a + b * emPerLevel[l]!, 0);
  return (level, em) => {
    let done = 0;
    for (let l = 0; l < level; l++) done += pixelsPerLevel[l]! * emPerLevel[l]!;
    return (done + pixelsPerLevel[level]! * em) / total;
  };
}

/**
 * Implements PatchMatch.inpaint; see createPatchMatch. Everything up to the first `await` runs
 * synchronously at the call: validation, the memory check, and the copies of image and mask.
 */
export async function inpaintImage(
  pm: Engine,
  image: RgbaImage,
  mask: Mask,
  options: InpaintOptions | undefined,
): Promise<RgbaImage> {
  const owner = 'PatchMatch.inpaint';
  const o = checkOptions(owner, options);
  checkImage(owner, 'image', image);
  checkMask(owner, 'mask', mask, image.width, image.height);
  const p = checkPatchSize(owner, o.patchSize, { width: image.width, height: image.height, name: 'image' });
  const gradientWeight =
    o.gradientWeight === undefined
      ? 0
      : checkNumber(owner, 'gradientWeight', o.gradientWeight, { min: 0, max: MAX_GRADIENT_WEIGHT });
  const gradientDomain =
    o.gradientDomain === undefined ? true : checkBoolean(owner, 'gradientDomain', o.gradientDomain);
  const screening =
    o.screening === undefined
      ? DEFAULT_SCREENING
      : checkNumber(owner, 'screening', o.screening, { min: 0, max: MAX_SCREENING, minExclusive: true });
  const checked = checkSynthesisOptions(owner, o);
  const { emIterations, nnfIterations, seed, onProgress, signal } = checked;
  // The hole's box is found by a scan, so the memory check comes before any allocation.
  const fullBox = holeBox(mask, p);
  const boxWidth = Math.max(fullBox.width, 0);
  const boxHeight = Math.max(fullBox.height, 0);
  checkMemory(
    owner,
    pm.maxMemoryBytes,
    inpaintWorkingBytes(image.width, image.height, boxWidth, boxHeight, p) +
      // The gradient search runs below the finest level: on at most a quarter of the pixels.
      (gradientWeight > 0
        ? featureFieldBytes({
            targetWidth: Math.ceil(boxWidth / 2) + p,
            targetHeight: Math.ceil(boxHeight / 2) + p,
            sourceWidth: Math.ceil(image.width / 2),
            sourceHeight: Math.ceil(image.height / 2),
            channels: GRADIENT_CHANNELS,
            patchSize: p,
            validCount: Math.ceil(image.width / 2) * Math.ceil(image.height / 2),
            withInitial: true,
          })
        : 0),
    'the image and hole',
  );

  // Snapshots: nothing below reads the caller's arrays again.
  const input = toRgbaCopy(image);
  const inputMask: Mask = { width: mask.width, height: mask.height, data: new Uint8Array(mask.data) };
  let holePixels = 0;
  for (let i = 0; i < inputMask.data.length; i++) if (inputMask.data[i] !== 0) holePixels++;
  if (holePixels === 0) return input;
  if (holePixels === inputMask.data.length)
    throw new Error(`${owner}: the mask covers the whole image; there is nothing to fill from.`);
  if (patchesTouchingMask(inputMask, p).every((v) => v !== 0)) {
    throw new Error(`${owner}: every ${p}x${p} patch of the image touches the mask; use a smaller patchSize or hole.`);
  }

  // Pyramid, finest first; stop where the hole would swallow every source patch.
  const maxLevels = checked.levels ?? defaultLevels(p, image.width, image.height);
  const images: RgbaImage[] = [input];
  const masks: Mask[] = [inputMask];
  while (images.length < maxLevels) {
    const last = images[images.length - 1]!;
    if (Math.ceil(last.width / 2) < p || Math.ceil(last.height / 2) < p) break;
    const next = downsample(last, masks[masks.length - 1]!);
    const nm = next.mask!;
    if (nm.data.every((v) => v !== 0) || patchesTouchingMask(nm, p).every((v) => v !== 0)) break;
    images.push(next.image);
    masks.push(nm);
  }
  images.reverse();
  masks.reverse();
  const levels = images.length;
  // The finest level runs half the EM iterations (rounded up): its structure comes from the
  // coarser levels, and on the fill benchmark the other half changed nothing but the time.
  const emPerLevel = images.map((_, l) =>
    l === levels - 1 && levels > 1 ? Math.ceil(emIterations / 2) : emIterations,
  );
  const fraction = progressFractions(
    images.map((im) => im.width * im.height),
    emPerLevel,
  );

  let estimate = toRgbaCopy(images[0]!);
  onionPeelFill(estimate, masks[0]!);
  // The field only covers the box of patches touching the hole: at 1 megapixel with a 10% hole
  // this keeps every per-step buffer near the hole's size instead of the image's.
  let field: Nnf | undefined;
  let fieldBox: Box | undefined;
  for (let level = 0; level < levels; level++) {
    const source = images[level]!;
    const hole = masks[level]!;
    const { width, height } = source;
    if (hole.data.every((v) => v === 0)) {
      // No hole left at this level (every pixel has a known finer pixel): the level's image,
      // averaged from known pixels only, is the estimate the finer level starts from.
      estimate = toRgbaCopy(source);
      field = undefined;
      continue;
    }
    const box = holeBox(hole, p);
    const boxHole = cropMask(hole, box);
    if (level > 0) {
      const up = upsampleNearest(estimate, width, height);
      const next = toRgbaCopy(source);
      for (let i = 0; i < width * height; i++) {
        if (hole.data[i] !== 0) next.data.set(up.subarray(4 * i, 4 * i + 3), 4 * i);
      }
      estimate = next;
      field = field !== undefined && fieldBox !== undefined ? upsampleField(field, fieldBox, box, p) : undefined;
    }
    fieldBox = box;
    const depth = distanceToKnown(hole);
    const emHere = emPerLevel[level]!;
    for (let em = 0; em < emHere; em++) {
      await yieldToEventLoop();
      throwIfAborted(owner, signal);
      const emSeed = (seed + 7919 * (level * emIterations + em)) >>> 0;
      if (gradientWeight > 0 && level < levels - 1) {
        field = await gradientField(pm, owner, estimate, box, boxHole, hole, p, {
          weight: gradientWeight,
          iterations: nnfIterations,
          seed: emSeed,
          initial: field,
          signal,
        });
      } else {
        field = await pm.fieldOwned(owner, cropImage(estimate, box), source, {
          patchSize: p,
          iterations: nnfIterations,
          seed: emSeed,
          targetMask: boxHole,
          sourceMask: hole,
          ...(field !== undefined ? { initial: field } : {}),
          ...(signal !== undefined ? { signal } : {}),
        });
      }
      const weights = voteWeights(field, depth, width, box);
      const voted = pm.voteAs(owner, field, source, { weights });
      if (gradientDomain) {
        // Every vote rebuilt from its patches' differences: the known pixels are held, so no seam.
        rebuildFromGradients(owner, estimate, voted, field, weights, source, box, hole, screening, signal);
      } else if (level === levels - 1 && em === emHere - 1) {
        // The last vote is blended into the image: no seam along the hole's border.
        blendHole(estimate, voted, box, hole, BLEND_SWEEPS);
      } else {
        for (let y = 0; y < box.height; y++) {
          for (let x = 0; x < box.width; x++) {
            const i = (box.y0 + y) * width + box.x0 + x;
            if (hole.data[i] !== 0)
              estimate.data.set(voted.data.subarray(4 * (y * box.width + x), 4 * (y * box.width + x) + 3), 4 * i);
          }
        }
      }
      onProgress?.(progressInfo(level, levels, em + 1, emHere, fraction(level, em + 1)));
    }
  }
  // Unmasked pixels (and every alpha byte) come from the input unchanged.
  return estimate;
}

/**
 * Implements PatchMatch.synthesizeTexture; see createPatchMatch. Everything up to the first
 * `await` runs synchronously at the call: validation, the memory check and the copy of the sample.
 */
export async function synthesizeTextureImage(
  pm: Engine,
  sample: RgbaImage,
  options: TextureOptions,
): Promise<RgbaImage> {
  const owner = 'PatchMatch.synthesizeTexture';
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${owner}: options { width, height } are required, got ${describeValue(options)}.`);
  }
  checkImage(owner, 'sample', sample);
  const width = checkInteger(owner, 'width', options.width, 1);
  const height = checkInteger(owner, 'height', options.height, 1);
  const p = checkPatchSize(
    owner,
    options.patchSize,
    { width: sample.width, height: sample.height, name: 'sample' },
    { width, height, name: 'output' },
  );
  const start = options.start === undefined ? 'auto' : options.start;
  if (start !== 'auto' && start !== 'quilt' && start !== 'tiles') {
    throw new Error(`${owner}: start must be 'auto', 'quilt' or 'tiles', got ${describeValue(options.start)}.`);
  }
  const checked = checkSynthesisOptions(owner, options);
  const { emIterations, nnfIterations, seed, onProgress, signal } = checked;
  checkMemory(
    owner,
    pm.maxMemoryBytes,
    textureWorkingBytes(width, height, sample.width, sample.height, p),
    `width x height (${width}x${height}) and the sample`,
  );

  // The coarsest sample keeps at least 4 * patchSize per side: below that it holds too few
  // patches for the shorter structure (with 2 * patchSize, a 32x32 level of the brick demo's
  // sample, EM wiped out most joints between bricks and kept the long mortar lines).
  const maxLevels = checked.levels ?? defaultLevels(4 * p, sample.width, sample.height, width, height);
  // Snapshot: nothing below reads the caller's array again.
  const samples: RgbaImage[] = [toRgbaCopy(sample)];
  const sizes: Array<[number, number]> = [[width, height]];
  // Adds a coarser level (sample and output halved) when both keep at least `minSide` per side.
  const addCoarserLevel = (minSide: number): boolean => {
    const last = samples[samples.length - 1]!;
    const [ow, oh] = sizes[sizes.length - 1]!;
    const [tw, th] = [Math.ceil(ow / 2), Math.ceil(oh / 2)];
    if (Math.min(Math.ceil(last.width / 2), Math.ceil(last.height / 2), tw, th) < minSide) return false;
    samples.push(downsample(last, null).image);
    sizes.push([tw, th]);
    return true;
  };
  while (samples.length < maxLevels && addCoarserLevel(p)) {}
  // 'auto': quilt a regular sample; tile an irregular one, from one level coarser when the
  // levels are the default and that level keeps at least 2 * patchSize per side (on grass and
  // gravel this lowered coherence 9 and 25 and completeness 9, docs/patchmatch.md; on the brick
  // samples the extra level lost joints, so it is not taken for them).
  let quilt = start === 'quilt';
  if (start === 'auto') {
    await yieldToEventLoop();
    throwIfAborted(owner, signal);
    quilt = periodicity(samples[samples.length - 1]!, p) >= PERIODIC_THRESHOLD;
    if (!quilt && checked.levels === undefined && samples.length < MAX_LEVELS) addCoarserLevel(2 * p);
  }
  samples.reverse();
  sizes.reverse();
  const levels = samples.length;
  // The coarsest level runs its EM iterations first with larger patches, then with patchSize
  // (Kwatra et al. shrink the patches as they refine): a larger window settles which mortar
  // lines and joints meet before the smaller one sharpens them.
  const [c0w, c0h] = sizes[0]!;
  const coarseSide = Math.min(samples[0]!.width, samples[0]!.height, c0w, c0h);
  let coarseP = Math.min(Math.round(COARSE_PATCH_SCALE * p), coarseSide, MAX_PATCH_SIZE);
  if (coarseP % 2 === 0) coarseP--;
  const patchPlan = samples.map((_, l) => (l === 0 && coarseP > p ? [coarseP, p] : [p]));
  const emPerLevel = patchPlan.map((plan) => plan.length * emIterations);
  const fraction = progressFractions(
    sizes.map(([w, h]) => w * h),
    emPerLevel,
  );

  // Coarsest start, from large sample tiles (three quarters of the coarsest sample's smaller
  // side, at least the patch size): EM keeps structure it starts with far better than it creates
  // it. Tiles of only the patch size keep the dominant direction of a structure but lose the
  // shorter one (brick rows kept their long mortar lines and lost most joints between bricks);
  // whole-sample tiles leave a visible grid of copies. 'quilt' places them by image quilting
  // (quilt.ts), so mortar lines run on across tile borders; 'tiles' at random places, side by side.
  // 'auto' quilts regular samples (bricks) and tiles irregular ones (grass, gravel), on which the
  // quilt's best-fitting positions repeat on a lattice.
  const [cw, ch] = sizes[0]!;
  const coarse = samples[0]!;
  let rng = seedState(seed);
  const next = (n: number) => {
    rng = xorshift32(rng);
    return rng % n;
  };
  let estimate: { width: number; height: number; data: Uint8ClampedArray } = {
    width: cw,
    height: ch,
    data: new Uint8ClampedArray(cw * ch * 4),
  };
  const tile = Math.max(p, Math.floor((3 * Math.min(coarse.width, coarse.height)) / 4));
  if (quilt) {
    const overlap = Math.max(2, Math.round(tile / 6));
    await quiltStart(estimate, coarse, tile, overlap, QUILT_TOLERANCE, next, async () => {
      await yieldToEventLoop();
      throwIfAborted(owner, signal);
    });
  } else {
    for (let by = 0; by < ch; by += tile) {
      for (let bx = 0; bx < cw; bx += tile) {
        const sx = next(coarse.width - tile + 1);
        const sy = next(coarse.height - tile + 1);
        for (let y = by; y < Math.min(ch, by + tile); y++) {
          for (let x = bx; x < Math.min(cw, bx + tile); x++) {
            const k = 4 * ((sy + y - by) * coarse.width + sx + x - bx);
            estimate.data.set(coarse.data.subarray(k, k + 3), 4 * (y * cw + x));
            estimate.data[4 * (y * cw + x) + 3] = 255;
          }
        }
      }
    }
  }

  let field: Nnf | undefined;
  let step = 0;
  for (let level = 0; level < levels; level++) {
    const source = samples[level]!;
    const [tw, th] = sizes[level]!;
    if (level > 0) {
      estimate = { width: tw, height: th, data: upsampleNearest(estimate, tw, th) };
      const box = { x0: 0, y0: 0, width: tw, height: th };
      const [pw, ph] = sizes[level - 1]!;
      field = field !== undefined ? upsampleField(field, { x0: 0, y0: 0, width: pw, height: ph }, box, p) : undefined;
    }
    let done = 0;
    for (const q of patchPlan[level]!) {
      if (field !== undefined && field.patchSize !== q) field = recentreField(field, tw, th, q, source);
      for (let em = 0; em < emIterations; em++) {
        await yieldToEventLoop();
        throwIfAborted(owner, signal);
        field = await pm.fieldOwned(owner, estimate, source, {
          patchSize: q,
          iterations: nnfIterations,
          seed: (seed + 7919 * step++) >>> 0,
          ...(field !== undefined ? { initial: field } : {}),
          ...(signal !== undefined ? { signal } : {}),
        });
        const voted = pm.voteAs(owner, field, source, { weights: robustWeights(field) });
        estimate = { width: tw, height: th, data: new Uint8ClampedArray(voted.data) };
        done++;
        onProgress?.(progressInfo(level, levels, done, emPerLevel[level]!, fraction(level, done)));
      }
    }
  }
  return estimate;
}

/**
 * A field of q x q patches over a width x height target from one of other-sized patches: each new
 * patch takes the match of the old patch with the same centre (the nearest one at the border),
 * moved so the centres stay matched, and clamped inside the source.
 */
function recentreField(f: Nnf, width: number, height: number, q: number, source: RgbaImage): Nnf {
  const fw = width - q + 1;
  const fh = height - q + 1;
  const d = (f.patchSize - q) >> 1;
  const x = new Int32Array(fw * fh);
  const y = new Int32Array(fw * fh);
  for (let j = 0; j < fh; j++) {
    const oy = Math.min(Math.max(j - d, 0), f.height - 1);
    for (let i = 0; i < fw; i++) {
      const ox = Math.min(Math.max(i - d, 0), f.width - 1);
      const o = oy * f.width + ox;
      const k = j * fw + i;
      x[k] = Math.min(Math.max(f.x[o]! + i - ox, 0), source.width - q);
      y[k] = Math.min(Math.max(f.y[o]! + j - oy, 0), source.height - q);
    }
  }
  return { width: fw, height: fh, patchSize: q, x, y, distance: new Uint32Array(fw * fh) };
}

/**
 * Per-patch vote weights of texture synthesis: the iteratively reweighted least squares of Kwatra
 * et al. ("Texture Optimization for Example-based Synthesis", SIGGRAPH 2005), weight
 * ||x - z||^(r - 2) with r = ROBUST_R over the patch's distance to its match, plus one unit per
 * value so an exact match does not take every vote. Minimising sum ||x - z||^r instead of its
 * square lets the vote follow the patches that agree rather than average in the odd one out: a
 * joint is kept or dropped whole instead of smeared to a stub.
 */
function robustWeights(nnf: Nnf): Float64Array {
  const n = nnf.width * nnf.height;
  const w = new Float64Array(n);
  const floor = 3 * nnf.patchSize * nnf.patchSize;
  const exponent = (ROBUST_R - 2) / 2;
  for (let i = 0; i < n; i++) w[i] = (nnf.distance[i]! + floor) ** exponent;
  return w;
}

function progressInfo(
  level: number,
  levels: number,
  emIteration: number,
  emIterations: number,
  fraction: number,
): SynthesisProgress {
  return { level, levels, emIteration, emIterations, fraction };
}
