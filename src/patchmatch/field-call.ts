import type { FieldJob, IterationHook, MeldParams, OwnedImage } from './kernel.js';
import { fieldWorkingBytes } from './layout.js';
import type { Mask, NnfOptions, NnfProgress, RgbaImage } from './types.js';
import {
  MAX_ITERATIONS,
  MAX_K,
  checkCallback,
  checkImage,
  checkMask,
  checkMemory,
  checkPatchSize,
  checkSeed,
  checkSignal,
  optionalInteger,
  patchesTouchingMask,
} from './validate.js';

// An nnf call in two steps, shared by the single- and multi-threaded engines: the synchronous
// part at the call (validation, memory check, copies of the inputs) and the job built from it
// when the call runs (maps of usable source and searched target patches).

function dims(im: RgbaImage): { width: number; height: number } {
  return { width: im.width, height: im.height };
}

/** A copy of an image's bytes the engine owns (the caller may change or reuse the original). */
function own(image: RgbaImage, snapshot: boolean): OwnedImage {
  return { width: image.width, height: image.height, data: snapshot ? new Uint8Array(image.data) : image.data };
}

/** A validated nnf call holding its own copies of the inputs: all a call reads after it returns. */
export interface FieldCall {
  /** The function the call's errors name. */
  readonly owner: string;
  readonly target: OwnedImage;
  readonly source: OwnedImage;
  readonly patchSize: number;
  readonly iterations: number;
  readonly seed: number;
  readonly sourceMask: Mask | undefined;
  readonly targetMask: Mask | undefined;
  readonly initialX: Int32Array | null;
  readonly initialY: Int32Array | null;
  /** Neighbours per target patch (1 = a plain field). */
  readonly k: number;
  readonly onProgress: ((progress: NnfProgress) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  /** Image Melding's gain and bias per patch (meld-images.ts); absent for a plain field. */
  readonly meld?: MeldParams;
}

/**
 * Validates the arguments of an nnf call (shared by the single- and multi-threaded engines):
 * every option is checked, then the memory the call needs, and only then is anything allocated.
 * With `snapshot`, the images, masks and initial field are copied, so the call never reads the
 * caller's arrays again. This is the synchronous part of a call; the rest is in buildFieldJob.
 * Throws Errors naming `owner`.
 */
export function snapshotFieldCall(
  owner: string,
  target: RgbaImage,
  source: RgbaImage,
  options: Partial<NnfOptions>,
  maxMemoryBytes: number,
  snapshot = true,
): FieldCall {
  checkImage(owner, 'target', target);
  checkImage(owner, 'source', source);
  const p = checkPatchSize(
    owner,
    options.patchSize,
    { ...dims(target), name: 'target' },
    { ...dims(source), name: 'source' },
  );
  const iterations = optionalInteger(owner, 'iterations', options.iterations, 5, 0, MAX_ITERATIONS);
  const seed = checkSeed(owner, options.seed);
  const onProgress = checkCallback(owner, 'onProgress', options.onProgress);
  const signal = checkSignal(owner, options.signal);
  const fw = target.width - p + 1;
  const fh = target.height - p + 1;
  const { sourceMask, targetMask, initial } = options;
  const k = optionalInteger(owner, 'k', options.k, 1, 1, MAX_K);
  const sourcePatches = (source.width - p + 1) * (source.height - p + 1);
  if (k > sourcePatches) {
    throw new Error(
      `${owner}: k must be at most the ${sourcePatches} source patch positions of a ${source.width}x${source.height} source with patchSize ${p}, got ${k}.`,
    );
  }
  if (k > 1 && initial !== undefined) {
    throw new Error(`${owner}: initial is not taken with k > 1 (a k-nearest-neighbour field starts at random).`);
  }
  if (sourceMask !== undefined) checkMask(owner, 'sourceMask', sourceMask, source.width, source.height);
  if (targetMask !== undefined) checkMask(owner, 'targetMask', targetMask, target.width, target.height);
  if (initial !== undefined) {
    if (
      initial === null ||
      typeof initial !== 'object' ||
      initial.width !== fw ||
      initial.height !== fh ||
      !(initial.x instanceof Int32Array) ||
      !(initial.y instanceof Int32Array) ||
      initial.x.length !== fw * fh ||
      initial.y.length !== fw * fh
    ) {
      throw new Error(
        `${owner}: initial must be a field of ${fw}x${fh} entries (Int32Array x and y) for these images and patchSize ${p}.`,
      );
    }
  }
  const shape = {
    targetWidth: target.width,
    targetHeight: target.height,
    sourceWidth: source.width,
    sourceHeight: source.height,
    patchSize: p,
    validCount: (source.width - p + 1) * (source.height - p + 1),
    withInitial: initial !== undefined,
    k,
  };
  checkMemory(owner, maxMemoryBytes, fieldWorkingBytes(shape, sourceMask !== undefined || targetMask !== undefined));
  const ownMask = (m: Mask | undefined): Mask | undefined =>
    m === undefined || !snapshot ? m : { width: m.width, height: m.height, data: new Uint8Array(m.data) };
  return {
    owner,
    target: own(target, snapshot),
    source: own(source, snapshot),
    patchSize: p,
    iterations,
    seed,
    sourceMask: ownMask(sourceMask),
    targetMask: ownMask(targetMask),
    initialX: initial === undefined ? null : snapshot ? initial.x.slice() : initial.x,
    initialY: initial === undefined ? null : snapshot ? initial.y.slice() : initial.y,
    k,
    onProgress,
    signal,
  };
}

/** The kernel job of a call: the maps of usable source patches and of searched target patches. */
export function buildFieldJob(call: FieldCall): FieldJob {
  const { owner, target, source, patchSize: p, sourceMask, targetMask } = call;
  const fw = target.width - p + 1;
  const fh = target.height - p + 1;
  const sfw = source.width - p + 1;
  const sfh = source.height - p + 1;
  let valid: Uint8Array;
  if (sourceMask !== undefined) {
    valid = patchesTouchingMask(sourceMask, p);
    for (let i = 0; i < valid.length; i++) valid[i] = valid[i] === 0 ? 1 : 0;
  } else {
    valid = new Uint8Array(sfw * sfh).fill(1);
  }
  let nValid = 0;
  for (let i = 0; i < valid.length; i++) nValid += valid[i]!;
  if (nValid === 0) {
    throw new Error(
      `${owner}: every ${p}x${p} source patch touches a masked pixel of sourceMask; nothing can be matched.`,
    );
  }
  if (call.k > nValid) {
    throw new Error(`${owner}: k must be at most the ${nValid} source patches clear of sourceMask, got ${call.k}.`);
  }
  const validList = new Int32Array(nValid);
  for (let i = 0, k = 0; i < valid.length; i++) if (valid[i] !== 0) validList[k++] = i;
  const active = targetMask !== undefined ? patchesTouchingMask(targetMask, p) : new Uint8Array(fw * fh).fill(1);
  return {
    owner,
    target,
    source,
    patchSize: p,
    seed: call.seed,
    valid,
    validList,
    active,
    iterations: call.iterations,
    initialX: call.initialX,
    initialY: call.initialY,
    ...(call.meld !== undefined ? { meld: call.meld } : {}),
    k: call.k,
  };
}

/** snapshotFieldCall and buildFieldJob in one step (tests, and callers that run the job at once). */
export function prepareFieldJob(...args: Parameters<typeof snapshotFieldCall>): {
  job: FieldJob;
  signal: AbortSignal | undefined;
} {
  const call = snapshotFieldCall(...args);
  return { job: buildFieldJob(call), signal: call.signal };
}

/** The onProgress option turned into a kernel hook (mean over the searched patches). */
export function progressHook(
  job: FieldJob,
  onProgress: ((progress: NnfProgress) => void) | undefined,
): IterationHook | null {
  if (onProgress === undefined) return null;
  const { active, iterations } = job;
  const k = job.k ?? 1;
  return (iteration: number, distance: Uint32Array) => {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < distance.length; i++) {
      if (active[k === 1 ? i : Math.floor(i / k)] !== 0) {
        sum += distance[i]!;
        count++;
      }
    }
    onProgress({ iteration, iterations, meanDistance: count > 0 ? sum / count : 0 });
  };
}
