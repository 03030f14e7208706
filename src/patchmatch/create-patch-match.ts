import { jsKernel } from './js-kernel.js';
import type { FieldJob, IterationHook, Kernel, OwnedImage } from './kernel.js';
import { fieldWorkingBytes, voteWorkingBytes } from './layout.js';
import { runField } from './scheduler.js';
import { inpaintImage, synthesizeTextureImage } from './synthesis.js';
import type {
  CreatePatchMatchOptions, InpaintOptions, Mask, Nnf, NnfOptions, NnfProgress, PatchMatch, PatchMatchBackend, RgbaImage,
  TextureOptions, VoteOptions,
} from './types.js';
import {
  MAX_ITERATIONS, checkCallback, checkImage, checkInteger, checkMask, checkMaxMemory, checkMemory, checkOptions, checkPatchSize,
  checkSeed, checkSignal, describe, optionalInteger, patchesTouchingMask,
} from './validate.js';
import { createWasmKernel, hasWasmSimd } from './wasm-kernel.js';

/**
 * Creates a PatchMatch engine (Barnes et al., "PatchMatch: A Randomized Correspondence Algorithm
 * for Structural Image Editing", SIGGRAPH 2009) with nearest-neighbour fields, patch voting,
 * inpainting and texture synthesis (Wexler et al., "Space-Time Completion of Video", 2007).
 *
 * The 'wasm' backend (default) runs AssemblyScript kernels compiled to WebAssembly SIMD, embedded
 * in the package; where SIMD is missing it falls back to the plain TypeScript 'js' kernels, which
 * return bit-identical results. `pm.backend` says which one runs.
 *
 * Images are RGBA `{ width, height, data }` (a browser `ImageData` works); masks are
 * `{ width, height, data }` (Uint8Array or Uint8ClampedArray) with nonzero = masked.
 *
 * Every method validates all arguments and options, and the memory the call needs, before it
 * allocates anything, and copies its inputs synchronously, before its first `await` (changing them
 * afterwards does not change the result). Options left out take their defaults; `null` is
 * rejected. Counts are bounded (iterations 0..1000, emIterations 1..100, levels 1..32, patchSize
 * 3..127, seeds 0..2^32 - 1; the reasons are in docs/patchmatch.md), and `signal` stops a field
 * within a few milliseconds of firing. Errors name the function and the argument.
 *
 * ```ts
 * import { createPatchMatch } from 'tfjs-synth/patchmatch';
 * const image = (w: number, h: number, seed: number) =>
 *   ({ width: w, height: h, data: Uint8Array.from({ length: w * h * 4 }, (_, i) => ((i + seed) * 2654435761) >>> 24) });
 * const [target, source] = [image(40, 30, 1), image(48, 40, 2)];
 * const pm = await createPatchMatch();
 * const nnf = await pm.nnf(target, source, { patchSize: 7, iterations: 5, seed: 1 });
 * // nnf.width = target.width - 6; (nnf.x[i], nnf.y[i]) is the matched source patch corner
 * const rebuilt = pm.vote(nnf, source); // target-sized RGBA image
 * const mask = { width: 48, height: 40, data: new Uint8Array(48 * 40).fill(1, 48 * 18, 48 * 22) }; // nonzero = hole
 * const filled = await pm.inpaint(source, mask, { patchSize: 7, signal: AbortSignal.timeout(10_000) });
 * console.log(nnf.width, rebuilt.width, filled.height); // 34 40 40
 * ```
 */
export async function createPatchMatch(options?: CreatePatchMatchOptions): Promise<PatchMatch> {
  const where = 'createPatchMatch';
  const o = checkOptions(where, options);
  const requested: unknown = o.backend === undefined ? 'wasm' : o.backend;
  if (requested !== 'wasm' && requested !== 'js') {
    throw new Error(`${where}: backend must be 'wasm' or 'js', got ${describe(requested)}.`);
  }
  const maxMemoryBytes = checkMaxMemory(where, o.maxMemoryBytes);
  const kernel: Kernel = requested === 'wasm' && hasWasmSimd() ? await createWasmKernel() : jsKernel;
  return new PatchMatchEngine(kernel, maxMemoryBytes);
}

/** What inpainting and texture synthesis need from an engine: field and vote under their own name. */
export interface SynthesisEngine {
  readonly maxMemoryBytes: number;
  /** As nnf on images the caller owns and no longer changes (no snapshot), with errors naming `where`. */
  fieldOwned(where: string, target: RgbaImage, source: RgbaImage, options: NnfOptions): Promise<Nnf>;
  /** As vote, with errors naming `where`. */
  voteAs(where: string, nnf: Nnf, source: RgbaImage, options: VoteOptions | undefined): RgbaImage;
}

class PatchMatchEngine implements PatchMatch, SynthesisEngine {
  readonly backend: PatchMatchBackend;
  /** Field runs one at a time (the wasm kernel has one field state); each waits for the last. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kernel: Kernel,
    readonly maxMemoryBytes: number,
  ) {
    this.backend = kernel.name;
  }

  get memoryBytes(): number {
    return this.kernel.memoryBytes();
  }

  nnf(target: RgbaImage, source: RgbaImage, options?: NnfOptions): Promise<Nnf> {
    return this.field('PatchMatch.nnf', target, source, options, true);
  }

  fieldOwned(where: string, target: RgbaImage, source: RgbaImage, options: NnfOptions): Promise<Nnf> {
    return this.field(where, target, source, options, false);
  }

  private field(where: string, target: RgbaImage, source: RgbaImage, options: NnfOptions | undefined, snapshot: boolean): Promise<Nnf> {
    let job: FieldJob;
    let hook: IterationHook | null;
    let signal: AbortSignal | undefined;
    try {
      // Synchronous: everything is validated and the inputs copied before this returns.
      const o = checkOptions(where, options);
      ({ job, signal } = prepareFieldJob(where, target, source, o, this.maxMemoryBytes, snapshot));
      hook = progressHook(job, o.onProgress);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.queue.then(() => runField(where, this.kernel, job, hook, signal));
    this.queue = run.catch(() => undefined);
    const p = job.patchSize;
    return run.then((r) => ({ width: job.target.width - p + 1, height: job.target.height - p + 1, patchSize: p, ...r }));
  }

  vote(nnf: Nnf, source: RgbaImage, options?: VoteOptions): RgbaImage {
    return this.voteAs('PatchMatch.vote', nnf, source, options);
  }

  voteAs(where: string, nnf: Nnf, source: RgbaImage, options: VoteOptions | undefined): RgbaImage {
    const o = checkOptions(where, options);
    checkImage(where, 'source', source);
    if (nnf === null || typeof nnf !== 'object') throw new Error(`${where}: nnf must be a field from PatchMatch.nnf, got ${describe(nnf)}.`);
    const fw = checkInteger(where, 'nnf.width', nnf.width, 1);
    const fh = checkInteger(where, 'nnf.height', nnf.height, 1);
    const p = checkPatchSize(where, nnf.patchSize, { ...dims(source), name: 'source' });
    const n = fw * fh;
    if (!(nnf.x instanceof Int32Array) || !(nnf.y instanceof Int32Array) || nnf.x.length !== n || nnf.y.length !== n) {
      throw new Error(`${where}: nnf.x and nnf.y must be Int32Arrays of nnf.width * nnf.height = ${n} entries.`);
    }
    const width = optionalInteger(where, 'width', o.width, fw + p - 1, 1);
    const height = optionalInteger(where, 'height', o.height, fh + p - 1, 1);
    if (width !== fw + p - 1 || height !== fh + p - 1) {
      throw new Error(`${where}: width x height must be ${fw + p - 1}x${fh + p - 1} for this field, got ${width}x${height}.`);
    }
    const w = o.weights;
    if (w !== undefined && (w === null || typeof w !== 'object' || w.length !== n)) {
      const got = w !== null && typeof w === 'object' ? `${describe(w.length)} entries` : describe(w);
      throw new Error(`${where}: weights must be an array of nnf.width * nnf.height = ${n} numbers, got ${got}.`);
    }
    checkMemory(where, this.maxMemoryBytes, voteWorkingBytes(n, source.width * source.height, width * height, w !== undefined), 'the field and source');
    const sfw = source.width - p + 1;
    const sfh = source.height - p + 1;
    for (let i = 0; i < n; i++) {
      const x = nnf.x[i]!;
      const y = nnf.y[i]!;
      // x = -1 marks an entry that was not searched; anything else must be a source patch.
      if (x < 0 ? x !== -1 : x >= sfw || y < 0 || y >= sfh) {
        throw new Error(`${where}: nnf entry ${i} points at (${x}, ${y}), outside the ${sfw}x${sfh} source patch positions.`);
      }
    }
    let weights: Float64Array | null = null;
    if (w !== undefined) {
      weights = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = w[i];
        if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
          throw new Error(`${where}: weights[${i}] must be a finite number >= 0, got ${describe(v)}.`);
        }
        weights[i] = v;
      }
    }
    const data = this.kernel.vote({
      fieldX: nnf.x, fieldY: nnf.y, fieldWidth: fw, fieldHeight: fh, patchSize: p,
      source, weights, targetWidth: width, targetHeight: height,
    });
    return { width, height, data };
  }

  inpaint(image: RgbaImage, mask: Mask, options?: InpaintOptions): Promise<RgbaImage> {
    return inpaintImage(this, image, mask, options);
  }

  synthesizeTexture(sample: RgbaImage, options: TextureOptions): Promise<RgbaImage> {
    return synthesizeTextureImage(this, sample, options);
  }
}

function dims(im: RgbaImage): { width: number; height: number } {
  return { width: im.width, height: im.height };
}

/** A copy of an image's bytes the engine owns (the caller may change or reuse the original). */
function own(image: RgbaImage, snapshot: boolean): OwnedImage {
  return { width: image.width, height: image.height, data: snapshot ? new Uint8Array(image.data) : image.data };
}

/**
 * Validates the arguments of an nnf call and prepares the kernel job (shared by the single- and
 * multi-threaded engines): every option is checked, then the memory the call needs, and only
 * then is anything allocated. With `snapshot`, the images and the initial field are copied, so
 * the job never reads the caller's arrays again. Throws Errors naming `where`.
 */
export function prepareFieldJob(
  where: string, target: RgbaImage, source: RgbaImage, options: Partial<NnfOptions>, maxMemoryBytes: number, snapshot = true,
): { job: FieldJob; signal: AbortSignal | undefined } {
  checkImage(where, 'target', target);
  checkImage(where, 'source', source);
  const p = checkPatchSize(where, options.patchSize, { ...dims(target), name: 'target' }, { ...dims(source), name: 'source' });
  const iterations = optionalInteger(where, 'iterations', options.iterations, 5, 0, MAX_ITERATIONS);
  const seed = checkSeed(where, options.seed);
  checkCallback(where, 'onProgress', options.onProgress);
  const signal = checkSignal(where, options.signal);
  const fw = target.width - p + 1;
  const fh = target.height - p + 1;
  const sfw = source.width - p + 1;
  const sfh = source.height - p + 1;
  const { sourceMask, targetMask, initial } = options;
  if (sourceMask !== undefined) checkMask(where, 'sourceMask', sourceMask, source.width, source.height);
  if (targetMask !== undefined) checkMask(where, 'targetMask', targetMask, target.width, target.height);
  if (initial !== undefined) {
    if (
      initial === null || typeof initial !== 'object' || initial.width !== fw || initial.height !== fh ||
      !(initial.x instanceof Int32Array) || !(initial.y instanceof Int32Array) ||
      initial.x.length !== fw * fh || initial.y.length !== fw * fh
    ) {
      throw new Error(
        `${where}: initial must be a field of ${fw}x${fh} entries (Int32Array x and y) for these images and patchSize ${p}.`,
      );
    }
  }
  const shape = {
    targetWidth: target.width, targetHeight: target.height, sourceWidth: source.width, sourceHeight: source.height,
    patchSize: p, validCount: sfw * sfh, withInitial: initial !== undefined,
  };
  checkMemory(where, maxMemoryBytes, fieldWorkingBytes(shape, sourceMask !== undefined || targetMask !== undefined));

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
    throw new Error(`${where}: every ${p}x${p} source patch touches a masked pixel of sourceMask; nothing can be matched.`);
  }
  const validList = new Int32Array(nValid);
  for (let i = 0, k = 0; i < valid.length; i++) if (valid[i] !== 0) validList[k++] = i;
  const active = targetMask !== undefined ? patchesTouchingMask(targetMask, p) : new Uint8Array(fw * fh).fill(1);
  const job: FieldJob = {
    target: own(target, snapshot), source: own(source, snapshot), patchSize: p, seed, valid, validList, active, iterations,
    initialX: initial === undefined ? null : snapshot ? initial.x.slice() : initial.x,
    initialY: initial === undefined ? null : snapshot ? initial.y.slice() : initial.y,
  };
  return { job, signal };
}

/** The onProgress option turned into a kernel hook (mean over the searched patches). */
export function progressHook(job: FieldJob, onProgress: ((progress: NnfProgress) => void) | undefined): IterationHook | null {
  if (onProgress === undefined) return null;
  const { active, iterations } = job;
  return (iteration: number, distance: Uint32Array) => {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < distance.length; i++) {
      if (active[i] !== 0) {
        sum += distance[i]!;
        count++;
      }
    }
    onProgress({ iteration, iterations, meanDistance: count > 0 ? sum / count : 0 });
  };
}
