import { checkBoolean, checkError, checkNumber } from '../core/checks.js';
import { solveScreenedPoisson } from '../core/screened-poisson.js';
import type { SynthesisEngine } from './create-patch-match.js';
import type { MeldParams } from './kernel.js';
import { fieldWorkingBytes } from './layout.js';
import {
  type Box,
  cropImage,
  cropMask,
  distanceToKnown,
  downsample,
  holeBox,
  onionPeelFill,
  toRgbaCopy,
  upsampleNearest,
} from './pixels.js';
import { yieldToEventLoop } from './scheduler.js';
import type {
  Mask,
  MeldImagesOptions,
  MeldingOptions,
  Nnf,
  RgbaImage,
  SynthesisProgress,
  TransformRange,
} from './types.js';
import {
  MAX_EM_ITERATIONS,
  MAX_ITERATIONS,
  MAX_LEVELS,
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

// Image Melding (Darabi, Shechtman, Barnes, Goldman and Sen, "Image Melding: Combining
// Inconsistent Images using Patch-based Synthesis", SIGGRAPH 2012) on the PatchMatch engine:
// multi-scale EM completion (as synthesis.ts) where
// - the source is a stack of transformed copies of the source images (every rotation, scale and
//   reflection asked for, resampled bilinearly), so the field over the stack searches the
//   transformations; p - 1 masked rows between copies keep every patch inside one copy;
// - patches are compared after a clamped gain and bias per channel (the melding kernels);
// - the vote averages the gain- and bias-corrected colours and the gain-corrected gradients of
//   the matched patches, and the filled pixels are rebuilt from both by a screened Poisson solve
//   with the known pixels fixed (core/screened-poisson.ts).

/** Wexler et al.'s spatial weight base (as synthesis.ts). */
const GAMMA = 1.3;
/** Most transformed copies of each source (rotations x scales x reflections). */
export const MAX_TRANSFORMS = 256;
/** Conjugate-gradient cap of one Poisson solve (per channel, per EM iteration). */
const POISSON_ITERATIONS = 400;

interface Transform {
  readonly cos: number;
  readonly sin: number;
  readonly scale: number;
  readonly mirror: boolean;
}

/** The validated melding options. */
interface CheckedMelding {
  readonly patchSize: number;
  readonly emIterations: number;
  readonly nnfIterations: number;
  readonly seed: number;
  readonly levels: number | undefined;
  readonly onProgress: ((progress: SynthesisProgress) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly transforms: readonly Transform[];
  readonly meld: MeldParams | undefined;
  readonly gradientDomain: boolean;
  readonly screening: number;
  readonly vote: 'mean' | 'best';
}

/** One image the fill may copy from, and its usable pixels (nonzero = never copied). */
interface MeldSource {
  readonly image: RgbaImage;
  readonly unusable: Mask;
}

/** Validates a TransformRange option: finite ends in [lo, hi], min <= max, integer steps in 1..maxSteps. */
function checkRange(
  owner: string,
  arg: string,
  value: unknown,
  lo: number,
  hi: number,
  maxSteps: number,
  identity: number,
): number[] {
  if (value === undefined) return [identity];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw checkError(owner, arg, '{ min, max, steps }', value);
  }
  const r = value as Partial<TransformRange>;
  const min = checkNumber(owner, `${arg}.min`, r.min, { min: lo, max: hi });
  const max = checkNumber(owner, `${arg}.max`, r.max, { min: lo, max: hi });
  const steps = checkInteger(owner, `${arg}.steps`, r.steps, 1, maxSteps);
  if (max < min) throw new Error(`${owner}: ${arg}.max (${max}) must be at least ${arg}.min (${min}).`);
  if (steps === 1 && max !== min) {
    throw new Error(
      `${owner}: ${arg}.steps is 1 but ${arg}.min (${min}) and ${arg}.max (${max}) differ; give steps >= 2.`,
    );
  }
  if (steps > 1 && max === min) {
    throw new Error(`${owner}: ${arg}.steps is ${steps} but ${arg}.min and ${arg}.max are both ${min}; use steps: 1.`);
  }
  return Array.from({ length: steps }, (_, k) => (steps === 1 ? min : min + ((max - min) * k) / (steps - 1)));
}

/** Validates a [min, max] pair with min in [lo, mid] and max in [mid, hi]. */
function checkInterval(
  owner: string,
  arg: string,
  value: unknown,
  lo: number,
  mid: number,
  hi: number,
  minExclusive: boolean,
): [number, number] {
  if (value === undefined) return [mid, mid];
  if (!Array.isArray(value) || value.length !== 2) throw checkError(owner, arg, 'a pair [min, max]', value);
  const a = checkNumber(owner, `${arg}[0]`, value[0], { min: lo, max: mid, minExclusive });
  const b = checkNumber(owner, `${arg}[1]`, value[1], { min: mid, max: hi });
  return [a, b];
}

/** Validates every melding option (before anything is allocated), then throws if the signal already fired. */
function checkMelding(
  owner: string,
  o: Partial<MeldingOptions>,
  ...images: Array<{ width: number; height: number; name: string }>
): CheckedMelding {
  const patchSize = checkPatchSize(owner, o.patchSize, ...images);
  const emIterations = optionalInteger(owner, 'emIterations', o.emIterations, 4, 1, MAX_EM_ITERATIONS);
  const nnfIterations = optionalInteger(owner, 'nnfIterations', o.nnfIterations, 3, 1, MAX_ITERATIONS);
  const seed = checkSeed(owner, o.seed);
  const levels = o.levels === undefined ? undefined : checkInteger(owner, 'levels', o.levels, 1, MAX_LEVELS);
  const onProgress = checkCallback(owner, 'onProgress', o.onProgress);
  const signal = checkSignal(owner, o.signal);
  const angles = checkRange(owner, 'rotation', o.rotation, -180, 180, 64, 0);
  const scales = checkRange(owner, 'scale', o.scale, 0.5, 2, 16, 1);
  const reflection = o.reflection === undefined ? false : checkBoolean(owner, 'reflection', o.reflection);
  const [gainMin, gainMax] = checkInterval(owner, 'gain', o.gain, 0, 1, 8, true);
  const [biasMin, biasMax] = checkInterval(owner, 'bias', o.bias, -255, 0, 255, false);
  const gradientDomain =
    o.gradientDomain === undefined ? true : checkBoolean(owner, 'gradientDomain', o.gradientDomain);
  const screening =
    o.screening === undefined
      ? 0.01
      : checkNumber(owner, 'screening', o.screening, { min: 0, max: 100, minExclusive: true });
  // Read once: a getter cannot hand the check one value and the fill another.
  const voteOption: unknown = o.vote;
  if (voteOption !== undefined && voteOption !== 'mean' && voteOption !== 'best') {
    throw checkError(owner, 'vote', "'mean' or 'best'", voteOption);
  }
  const vote = voteOption ?? 'mean';
  const transforms: Transform[] = [];
  for (const mirror of reflection ? [false, true] : [false]) {
    for (const scale of scales) {
      for (const degrees of angles) {
        // Exact values at multiples of 90 degrees, so those copies resample nothing.
        const quarter = degrees / 90;
        const exact = Number.isInteger(quarter);
        const k = ((quarter % 4) + 4) % 4;
        const rad = (degrees * Math.PI) / 180;
        transforms.push({
          cos: exact ? [1, 0, -1, 0][k]! : Math.cos(rad),
          sin: exact ? [0, 1, 0, -1][k]! : Math.sin(rad),
          scale,
          mirror,
        });
      }
    }
  }
  if (transforms.length > MAX_TRANSFORMS) {
    throw new Error(
      `${owner}: rotation.steps x scale.steps x ${reflection ? 2 : 1} (reflection) = ${transforms.length} transformations, at most ${MAX_TRANSFORMS}.`,
    );
  }
  const meld =
    gainMin === 1 && gainMax === 1 && biasMin === 0 && biasMax === 0
      ? undefined
      : { gainMin, gainMax, biasMin, biasMax };
  throwIfAborted(owner, signal);
  return {
    patchSize,
    emIterations,
    nnfIterations,
    seed,
    levels,
    onProgress,
    signal,
    transforms,
    meld,
    gradientDomain,
    screening,
    vote,
  };
}

/** The canvas of one transformed copy of a `w x h` image. */
function canvasOf(w: number, h: number, t: Transform): { width: number; height: number } {
  const c = Math.abs(t.cos);
  const s = Math.abs(t.sin);
  return {
    width: Math.max(1, Math.ceil(t.scale * (c * w + s * h) - 1e-9)),
    height: Math.max(1, Math.ceil(t.scale * (s * w + c * h) - 1e-9)),
  };
}

/** The stack of transformed copies of every source: one RGBA image and the mask of what is not a usable source pixel. */
interface Stack {
  readonly image: RgbaImage;
  readonly unusable: Mask;
}

/** Sizes of the stack for these sources and transformations (for the memory check before building it). */
function stackSize(sources: ReadonlyArray<{ width: number; height: number }>, ts: readonly Transform[], p: number) {
  let width = 1;
  let height = 0;
  for (const s of sources) {
    for (const t of ts) {
      const c = canvasOf(s.width, s.height, t);
      width = Math.max(width, c.width);
      height += c.height + (height > 0 ? p - 1 : 0);
    }
  }
  return { width, height };
}

/**
 * Resamples every source under every transformation (bilinear, about each image's centre) and
 * stacks the copies vertically with p - 1 unusable rows between them. A copy's pixel is usable
 * when every source pixel its sample reads is usable.
 */
function buildStack(sources: readonly MeldSource[], ts: readonly Transform[], p: number): Stack {
  const { width, height } = stackSize(
    sources.map((s) => s.image),
    ts,
    p,
  );
  const data = new Uint8ClampedArray(width * height * 4);
  const unusable = new Uint8Array(width * height).fill(1);
  let top = 0;
  for (const { image, unusable: bad } of sources) {
    const { width: w, height: h, data: src } = image;
    const cx = (w - 1) / 2;
    const cy = (h - 1) / 2;
    for (const t of ts) {
      const c = canvasOf(w, h, t);
      const cu = (c.width - 1) / 2;
      const cv = (c.height - 1) / 2;
      for (let v = 0; v < c.height; v++) {
        for (let u = 0; u < c.width; u++) {
          // Inverse map: unscale, unrotate, unmirror.
          const du = (u - cu) / t.scale;
          const dv = (v - cv) / t.scale;
          let qx = t.cos * du + t.sin * dv;
          const qy = -t.sin * du + t.cos * dv;
          if (t.mirror) qx = -qx;
          let x = cx + qx;
          let y = cy + qy;
          if (Math.abs(x - Math.round(x)) < 1e-6) x = Math.round(x);
          if (Math.abs(y - Math.round(y)) < 1e-6) y = Math.round(y);
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const fx = x - x0;
          const fy = y - y0;
          const x1 = fx > 0 ? x0 + 1 : x0;
          const y1 = fy > 0 ? y0 + 1 : y0;
          if (x0 < 0 || y0 < 0 || x1 >= w || y1 >= h) continue;
          const i00 = y0 * w + x0;
          const i01 = y0 * w + x1;
          const i10 = y1 * w + x0;
          const i11 = y1 * w + x1;
          if (bad.data[i00] !== 0 || bad.data[i01] !== 0 || bad.data[i10] !== 0 || bad.data[i11] !== 0) continue;
          const o = (top + v) * width + u;
          unusable[o] = 0;
          for (let ch = 0; ch < 3; ch++) {
            const a = src[4 * i00 + ch]! + fx * (src[4 * i01 + ch]! - src[4 * i00 + ch]!);
            const b = src[4 * i10 + ch]! + fx * (src[4 * i11 + ch]! - src[4 * i10 + ch]!);
            data[4 * o + ch] = Math.round(a + fy * (b - a));
          }
          data[4 * o + 3] = 255;
        }
      }
      top += c.height + p - 1;
    }
  }
  return { image: { width, height, data }, unusable: { width, height, data: unusable } };
}

/** Gain and bias of one channel, as the melding kernels clamp them (channelError in assembly/patchmatch.ts). */
function gainBias(m: MeldParams, n: number, t: number, tt: number, s: number, ss: number): [number, number] {
  const ms = s / n;
  const mt = t / n;
  const vs = Math.max(ss / n - ms * ms, 0);
  const vt = Math.max(tt / n - mt * mt, 0);
  const g = Math.min(Math.max(Math.sqrt((vt + 1) / (vs + 1)), m.gainMin), m.gainMax);
  return [g, Math.min(Math.max(mt - g * ms, m.biasMin), m.biasMax)];
}

/** What a vote leaves for the reconstruction of a box: colours and x / y differences per channel, with their weights. */
interface Votes {
  readonly colour: Float32Array;
  readonly colourWeight: Float32Array;
  readonly gx: Float32Array;
  readonly gxWeight: Float32Array;
  readonly gy: Float32Array;
  readonly gyWeight: Float32Array;
}

/**
 * The melding vote over the field of a box: every matched patch, corrected by its gain and bias,
 * adds its colours and (gain-scaled) differences to the pixels it covers, weighted as in
 * synthesis.ts (similarity, and 1.3^-depth into the hole). With `best`, each colour and each
 * difference is instead the one of the covering patch of highest weight (the first in scan order
 * on a tie), with weight 1.
 */
function meldVote(
  field: Nnf,
  target: RgbaImage,
  stack: RgbaImage,
  meld: MeldParams | undefined,
  depth: Float64Array,
  box: Box,
  imageWidth: number,
  best: boolean,
): Votes {
  const p = field.patchSize;
  const { width: bw, height: bh } = box;
  const n = field.width * field.height;
  const pix = bw * bh;
  const votes: Votes = {
    colour: new Float32Array(pix * 3),
    colourWeight: new Float32Array(pix),
    gx: new Float32Array(pix * 3),
    gxWeight: new Float32Array(pix),
    gy: new Float32Array(pix * 3),
    gyWeight: new Float32Array(pix),
  };
  const scale = 1 / (3 * p * p);
  const mses: number[] = [];
  for (let i = 0; i < n; i++) if (field.x[i]! >= 0) mses.push(field.distance[i]! * scale);
  const sorted = Float64Array.from(mses).sort();
  const sigma2 = Math.max(1, sorted.length > 0 ? sorted[Math.floor(0.75 * (sorted.length - 1))]! : 1);
  const half = p >> 1;
  const sw = stack.width;
  const sd = stack.data;
  const td = target.data;
  const gain = [1, 1, 1];
  const bias = [0, 0, 0];
  // Highest weight so far per pixel for its colour, x and y difference (-1: none yet).
  const bestWeight = best ? new Float64Array(pix * 3).fill(-1) : null;
  for (let i = 0; i < n; i++) {
    const sx = field.x[i]!;
    if (sx < 0) continue;
    const sy = field.y[i]!;
    const fx = i % field.width;
    const fy = (i - fx) / field.width;
    const w =
      Math.max(1e-6, Math.exp(-(field.distance[i]! * scale) / (2 * sigma2))) *
      GAMMA ** -depth[(fy + half + box.y0) * imageWidth + fx + half + box.x0]!;
    if (meld !== undefined) {
      for (let c = 0; c < 3; c++) {
        let t = 0,
          tt = 0,
          s = 0,
          ss = 0;
        for (let dy = 0; dy < p; dy++) {
          for (let dx = 0; dx < p; dx++) {
            const a = td[4 * ((fy + dy) * bw + fx + dx) + c]!;
            const b = sd[4 * ((sy + dy) * sw + sx + dx) + c]!;
            t += a;
            tt += a * a;
            s += b;
            ss += b * b;
          }
        }
        [gain[c], bias[c]] = gainBias(meld, p * p, t, tt, s, ss);
      }
    }
    if (bestWeight !== null) {
      for (let dy = 0; dy < p; dy++) {
        for (let dx = 0; dx < p; dx++) {
          const k = (fy + dy) * bw + fx + dx;
          const si = 4 * ((sy + dy) * sw + sx + dx);
          if (w > bestWeight[3 * k]!) {
            bestWeight[3 * k] = w;
            votes.colourWeight[k] = 1;
            for (let c = 0; c < 3; c++) votes.colour[3 * k + c] = gain[c]! * sd[si + c]! + bias[c]!;
          }
          if (dx < p - 1 && w > bestWeight[3 * k + 1]!) {
            bestWeight[3 * k + 1] = w;
            votes.gxWeight[k] = 1;
            for (let c = 0; c < 3; c++) votes.gx[3 * k + c] = gain[c]! * (sd[si + 4 + c]! - sd[si + c]!);
          }
          if (dy < p - 1 && w > bestWeight[3 * k + 2]!) {
            bestWeight[3 * k + 2] = w;
            votes.gyWeight[k] = 1;
            for (let c = 0; c < 3; c++) votes.gy[3 * k + c] = gain[c]! * (sd[si + 4 * sw + c]! - sd[si + c]!);
          }
        }
      }
      continue;
    }
    for (let dy = 0; dy < p; dy++) {
      for (let dx = 0; dx < p; dx++) {
        const k = (fy + dy) * bw + fx + dx;
        const si = 4 * ((sy + dy) * sw + sx + dx);
        votes.colourWeight[k] = votes.colourWeight[k]! + w;
        if (dx < p - 1) votes.gxWeight[k] = votes.gxWeight[k]! + w;
        if (dy < p - 1) votes.gyWeight[k] = votes.gyWeight[k]! + w;
        for (let c = 0; c < 3; c++) {
          const v = sd[si + c]!;
          votes.colour[3 * k + c] = votes.colour[3 * k + c]! + w * (gain[c]! * v + bias[c]!);
          if (dx < p - 1) votes.gx[3 * k + c] = votes.gx[3 * k + c]! + w * gain[c]! * (sd[si + 4 + c]! - v);
          if (dy < p - 1) votes.gy[3 * k + c] = votes.gy[3 * k + c]! + w * gain[c]! * (sd[si + 4 * sw + c]! - v);
        }
      }
    }
  }
  return votes;
}

/**
 * Writes the hole pixels of the box from the votes: the voted colours, or (gradientDomain) the
 * screened Poisson solution per channel with every known pixel of the box fixed.
 */
function reconstruct(
  owner: string,
  estimate: { width: number; data: Uint8ClampedArray },
  hole: Mask,
  box: Box,
  votes: Votes,
  o: CheckedMelding,
): void {
  const { width: bw, height: bh } = box;
  const pix = bw * bh;
  const at = (k: number) => (box.y0 + Math.floor(k / bw)) * estimate.width + box.x0 + (k % bw);
  const inHole = new Uint8Array(pix);
  for (let k = 0; k < pix; k++) inHole[k] = hole.data[at(k)] !== 0 && votes.colourWeight[k]! > 0 ? 1 : 0;
  if (!o.gradientDomain) {
    for (let k = 0; k < pix; k++) {
      if (inHole[k] === 0) continue;
      for (let c = 0; c < 3; c++) estimate.data[4 * at(k) + c] = votes.colour[3 * k + c]! / votes.colourWeight[k]!;
    }
    return;
  }
  const fixed = new Uint8Array(pix);
  for (let k = 0; k < pix; k++) fixed[k] = inHole[k] === 0 ? 1 : 0;
  const values = new Float32Array(pix);
  const gx = new Float32Array(pix);
  const gy = new Float32Array(pix);
  for (let c = 0; c < 3; c++) {
    for (let k = 0; k < pix; k++) {
      values[k] = inHole[k] !== 0 ? votes.colour[3 * k + c]! / votes.colourWeight[k]! : estimate.data[4 * at(k) + c]!;
    }
    for (let k = 0; k < pix; k++) {
      const x = k % bw;
      gx[k] =
        votes.gxWeight[k]! > 0
          ? votes.gx[3 * k + c]! / votes.gxWeight[k]!
          : x < bw - 1
            ? values[k + 1]! - values[k]!
            : 0;
      gy[k] =
        votes.gyWeight[k]! > 0
          ? votes.gy[3 * k + c]! / votes.gyWeight[k]!
          : k + bw < pix
            ? values[k + bw]! - values[k]!
            : 0;
    }
    const solved = solveScreenedPoisson(owner, {
      width: bw,
      height: bh,
      values,
      gradientX: gx,
      gradientY: gy,
      weight: o.screening,
      fixed,
      tolerance: 1e-4,
      maxIterations: POISSON_ITERATIONS,
      ...(o.signal !== undefined ? { signal: o.signal } : {}),
    });
    for (let k = 0; k < pix; k++) if (inHole[k] !== 0) estimate.data[4 * at(k) + c] = solved.values[k]!;
  }
}

/** Number of halvings that keep every side >= minSide. */
function defaultLevels(minSide: number, width: number, height: number): number {
  let levels = 1;
  while (Math.ceil(width / 2 ** levels) >= minSide && Math.ceil(height / 2 ** levels) >= minSide) levels++;
  return levels;
}

/**
 * Working memory of a melding fill, for the check before anything is allocated: the held copies
 * and pyramids, the stack (RGBA and mask), the votes and Poisson buffers of the hole's box, plus
 * one field over the stack.
 */
function meldWorkingBytes(
  width: number,
  height: number,
  sources: ReadonlyArray<{ width: number; height: number }>,
  ts: readonly Transform[],
  p: number,
  box: Box,
): number {
  const pixels = width * height;
  const stack = stackSize(sources, ts, p);
  const stackPixels = stack.width * stack.height;
  const boxPixels = Math.max(box.width, 1) * Math.max(box.height, 1);
  const held = pixels * 4 * (2 + sources.length) + pixels * 8 + stackPixels * 5 + boxPixels * (9 * 4 + 9 * 8 + 16 * 4);
  const field = fieldWorkingBytes(
    {
      targetWidth: Math.max(box.width, p),
      targetHeight: Math.max(box.height, p),
      sourceWidth: stack.width,
      sourceHeight: stack.height,
      patchSize: p,
      validCount: Math.max(0, stack.width - p + 1) * Math.max(0, stack.height - p + 1),
      withInitial: true,
    },
    true,
  );
  return held + field;
}

/**
 * The EM fill shared by inpaintMelding and meldImages: fills the `hole` of `image` from the
 * usable pixels of `sources`. Everything up to the first `await` runs at the call (the callers
 * validate and copy first).
 */
async function meldFill(
  pm: SynthesisEngine,
  owner: string,
  image: RgbaImage,
  hole: Mask,
  sources: readonly MeldSource[],
  o: CheckedMelding,
  keepHole: boolean,
): Promise<RgbaImage> {
  const p = o.patchSize;
  // Pyramids, finest first; stop where a side gets below 2 patches or no source patch is left.
  const maxLevels = o.levels ?? defaultLevels(4 * p, image.width, image.height);
  const images: RgbaImage[] = [image];
  const holes: Mask[] = [hole];
  const pyramids: MeldSource[][] = [sources.slice()];
  while (images.length < maxLevels) {
    const last = images[images.length - 1]!;
    if (Math.ceil(last.width / 2) < 2 * p || Math.ceil(last.height / 2) < 2 * p) break;
    const next = downsample(last, holes[holes.length - 1]!);
    const nextSources = pyramids[pyramids.length - 1]!.map((s) => {
      const d = downsample(s.image, s.unusable);
      return { image: d.image, unusable: d.mask! };
    });
    if (nextSources.every((s) => patchesTouchingMask(s.unusable, p).every((v) => v !== 0))) break;
    images.push(next.image);
    holes.push(next.mask!);
    pyramids.push(nextSources);
  }
  images.reverse();
  holes.reverse();
  pyramids.reverse();
  const levels = images.length;
  const totalPixels = images.reduce((n, im) => n + im.width * im.height, 0);
  let donePixels = 0;

  // The start. meldImages keeps the image's own pixels in the hole (both images pasted: their
  // texture is right, only the seam is wrong) and passes each level's change of them up as a
  // detail-preserving correction (fine = own + upsampled(coarse result - coarse own)): filling the
  // band anew from a coarse level averages its texture away. Inpainting starts the coarsest hole
  // with an onion-peel fill and takes the upsampled coarse result, as synthesis.ts does.
  const own: RgbaImage[] = [];
  if (keepHole) {
    own.push(image);
    while (own.length < levels) own.push(downsample(own[own.length - 1]!, null).image);
    own.reverse();
  }
  let estimate = toRgbaCopy(keepHole ? own[0]! : images[0]!);
  if (!keepHole) onionPeelFill(estimate, holes[0]!);
  for (let level = 0; level < levels; level++) {
    const level0 = images[level]!;
    const levelHole = holes[level]!;
    const { width, height } = level0;
    if (level > 0) {
      const up = upsampleNearest(estimate, width, height);
      const next = toRgbaCopy(level0);
      const before = keepHole ? upsampleNearest(own[level - 1]!, width, height) : null;
      const fine = keepHole ? own[level]!.data : null;
      for (let i = 0; i < width * height; i++) {
        if (levelHole.data[i] === 0) continue;
        for (let c = 0; c < 3; c++) {
          const k = 4 * i + c;
          next.data[k] = fine !== null && before !== null ? fine[k]! + up[k]! - before[k]! : up[k]!;
        }
      }
      estimate = next;
    }
    const box = holeBox(levelHole, p);
    if (box.width < p || box.height < p) {
      donePixels += width * height;
      continue;
    }
    const boxHole = cropMask(levelHole, box);
    const depth = distanceToKnown(levelHole);
    await yieldToEventLoop();
    throwIfAborted(owner, o.signal);
    const stack = buildStack(pyramids[level]!, o.transforms, p);
    if (patchesTouchingMask(stack.unusable, p).every((v) => v !== 0)) {
      throw new Error(
        `${owner}: no ${p}x${p} source patch is left at pyramid level ${level} under these transformations; use a smaller patchSize or other rotation and scale ranges.`,
      );
    }
    let field: Nnf | undefined;
    for (let em = 0; em < o.emIterations; em++) {
      await yieldToEventLoop();
      throwIfAborted(owner, o.signal);
      const target = cropImage(estimate, box);
      field = await pm.fieldOwned(
        owner,
        target,
        stack.image,
        {
          patchSize: p,
          iterations: o.nnfIterations,
          seed: (o.seed + 7919 * (level * o.emIterations + em)) >>> 0,
          targetMask: boxHole,
          sourceMask: stack.unusable,
          ...(field !== undefined ? { initial: field } : {}),
          ...(o.signal !== undefined ? { signal: o.signal } : {}),
        },
        o.meld,
      );
      const votes = meldVote(field, target, stack.image, o.meld, depth, box, width, o.vote === 'best');
      reconstruct(owner, estimate, levelHole, box, votes, o);
      o.onProgress?.({
        level,
        levels,
        emIteration: em + 1,
        emIterations: o.emIterations,
        fraction: (donePixels + (width * height * (em + 1)) / o.emIterations) / totalPixels,
      });
    }
    donePixels += width * height;
  }
  return estimate;
}

/** Implements PatchMatch.inpaintMelding; see createPatchMatch. Validates and copies at the call. */
export function inpaintMeldingImage(
  pm: SynthesisEngine,
  image: RgbaImage,
  mask: Mask,
  options: MeldingOptions | undefined,
): Promise<RgbaImage> {
  const owner = 'PatchMatch.inpaintMelding';
  try {
    const opts = checkOptions(owner, options);
    checkImage(owner, 'image', image);
    checkMask(owner, 'mask', mask, image.width, image.height);
    const o = checkMelding(owner, opts, { width: image.width, height: image.height, name: 'image' });
    const p = o.patchSize;
    const box = holeBox(mask, p);
    checkMemory(
      owner,
      pm.maxMemoryBytes,
      meldWorkingBytes(image.width, image.height, [image], o.transforms, p, box),
      'the image, hole and transformations',
    );
    const input = toRgbaCopy(image);
    const hole: Mask = { width: mask.width, height: mask.height, data: new Uint8Array(mask.data) };
    let holePixels = 0;
    for (let i = 0; i < hole.data.length; i++) if (hole.data[i] !== 0) holePixels++;
    if (holePixels === 0) return Promise.resolve(input);
    if (holePixels === hole.data.length) {
      throw new Error(`${owner}: the mask covers the whole image; there is nothing to fill from.`);
    }
    if (patchesTouchingMask(hole, p).every((v) => v !== 0)) {
      throw new Error(
        `${owner}: every ${p}x${p} patch of the image touches the mask; use a smaller patchSize or hole.`,
      );
    }
    return meldFill(pm, owner, input, hole, [{ image: input, unusable: hole }], o, false);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Implements PatchMatch.meldImages; see createPatchMatch. Validates and copies at the call. */
export function meldImagesImage(
  pm: SynthesisEngine,
  a: RgbaImage,
  b: RgbaImage,
  mask: Mask,
  options: MeldImagesOptions | undefined,
): Promise<RgbaImage> {
  const owner = 'PatchMatch.meldImages';
  try {
    const opts = checkOptions(owner, options);
    checkImage(owner, 'a', a);
    checkImage(owner, 'b', b);
    if (a.width !== b.width || a.height !== b.height) {
      throw new Error(`${owner}: a (${a.width}x${a.height}) and b (${b.width}x${b.height}) must have the same size.`);
    }
    checkMask(owner, 'mask', mask, a.width, a.height);
    const o = checkMelding(
      owner,
      opts,
      { width: a.width, height: a.height, name: 'a' },
      { width: b.width, height: b.height, name: 'b' },
    );
    const p = o.patchSize;
    const band = optionalInteger(owner, 'band', opts.band, 4 * p, 2, 1024);
    checkMemory(
      owner,
      pm.maxMemoryBytes,
      meldWorkingBytes(a.width, a.height, [a, b], o.transforms, p, { x0: 0, y0: 0, width: a.width, height: a.height }),
      'the images and transformations',
    );
    const n = a.width * a.height;
    const fromB = new Uint8Array(n);
    let countB = 0;
    for (let i = 0; i < n; i++) {
      fromB[i] = mask.data[i] !== 0 ? 1 : 0;
      countB += fromB[i]!;
    }
    if (countB === 0) return Promise.resolve(toRgbaCopy(a));
    if (countB === n) return Promise.resolve(toRgbaCopy(b));
    // The band: pixels within band / 2 of the other side.
    const fromA = Uint8Array.from(fromB, (v) => 1 - v);
    const dB = distanceToKnown({ width: a.width, height: a.height, data: fromB });
    const dA = distanceToKnown({ width: a.width, height: a.height, data: fromA });
    const halfIn = Math.ceil(band / 2);
    const halfOut = band - halfIn;
    const hole = new Uint8Array(n);
    for (let i = 0; i < n; i++) hole[i] = (fromB[i] !== 0 ? dB[i]! <= halfIn : dA[i]! <= halfOut) ? 1 : 0;
    const composite = toRgbaCopy(a);
    for (let i = 0; i < n; i++) if (fromB[i] !== 0) composite.data.set(b.data.subarray(4 * i, 4 * i + 4), 4 * i);
    // Each image is a source only on its own side, outside the band.
    const unusableA = Uint8Array.from(fromB, (v, i) => (v !== 0 || hole[i] !== 0 ? 1 : 0));
    const unusableB = Uint8Array.from(fromB, (v, i) => (v === 0 || hole[i] !== 0 ? 1 : 0));
    const size = { width: a.width, height: a.height };
    const sources: MeldSource[] = [
      { image: toRgbaCopy(a), unusable: { ...size, data: unusableA } },
      { image: toRgbaCopy(b), unusable: { ...size, data: unusableB } },
    ];
    if (sources.every((s) => patchesTouchingMask(s.unusable, p).every((v) => v !== 0))) {
      throw new Error(
        `${owner}: no ${p}x${p} patch of a or b lies outside the band on its own side; use a smaller band or patchSize.`,
      );
    }
    // One level unless asked: the band keeps the pasted texture, and a coarse level would average
    // it away (its result flattens the band it passes up).
    return meldFill(pm, owner, composite, { ...size, data: hole }, sources, { ...o, levels: o.levels ?? 1 }, true);
  } catch (err) {
    return Promise.reject(err);
  }
}
