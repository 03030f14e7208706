import { jsKernel } from './js-kernel.js';
import type { FieldJob, IterationHook, Kernel } from './kernel.js';
import { inpaintImage, synthesizeTextureImage } from './synthesis.js';
import type { CreatePatchMatchOptions, Mask, Nnf, NnfOptions, PatchMatch, RgbaImage, VoteOptions } from './types.js';
import { checkImage, checkInteger, checkMask, checkPatchSize, patchesTouchingMask } from './validate.js';
import { createWasmKernel, fieldBytes, hasWasmSimd, voteBytes } from './wasm-kernel.js';

const DEFAULT_MAX_MEMORY = 1024 * 1024 * 1024;
// The WebAssembly 32-bit limit (65536 pages) minus one page.
const WASM_MEMORY_LIMIT = 65535 * 65536;

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
 * `{ width, height, data: Uint8Array }` with nonzero = masked.
 *
 * ```ts
 * import { createPatchMatch } from 'tfjs-synth/patchmatch';
 * import { readImage } from 'tfjs-synth/node';
 * const target = await readImage('photo.png'); // RGBA; in a browser, an ImageData
 * const source = await readImage('texture.png');
 * const pm = await createPatchMatch();
 * const nnf = pm.nnf(target, source, { patchSize: 7, iterations: 5, seed: 1 });
 * // nnf.width = target.width - 6; (nnf.x[i], nnf.y[i]) is the matched source patch corner
 * const rebuilt = pm.vote(nnf, source); // target-sized RGBA image
 * const mask = { width: target.width, height: target.height, data: new Uint8Array(target.width * target.height) };
 * mask.data.fill(1, 100 * target.width + 200, 100 * target.width + 230); // nonzero = hole: 30 pixels of row 100
 * const filled = await pm.inpaint(target, mask, { patchSize: 7 });
 * ```
 */
export async function createPatchMatch(options: CreatePatchMatchOptions = {}): Promise<PatchMatch> {
  const requested = options.backend ?? 'wasm';
  if (requested !== 'wasm' && requested !== 'js') {
    throw new Error(`createPatchMatch: backend must be 'wasm' or 'js', got ${String(requested)}`);
  }
  const maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY;
  checkInteger('createPatchMatch', 'maxMemoryBytes', maxMemoryBytes, 1 << 20);
  if (maxMemoryBytes > WASM_MEMORY_LIMIT) {
    throw new Error(`createPatchMatch: maxMemoryBytes must be at most ${WASM_MEMORY_LIMIT} (4 GiB - 64 KiB), got ${maxMemoryBytes}`);
  }
  const kernel: Kernel = requested === 'wasm' && hasWasmSimd() ? await createWasmKernel() : jsKernel;
  return new PatchMatchEngine(kernel, maxMemoryBytes);
}

class PatchMatchEngine implements PatchMatch {
  readonly backend;
  constructor(
    private readonly kernel: Kernel,
    readonly maxMemoryBytes: number,
  ) {
    this.backend = kernel.name;
  }

  get memoryBytes(): number {
    return this.kernel.memoryBytes();
  }

  private checkMemory(where: string, bytes: number): void {
    checkMemory(where, this.maxMemoryBytes, bytes);
  }

  nnf(target: RgbaImage, source: RgbaImage, options: NnfOptions = {}): Nnf {
    const job = prepareFieldJob('PatchMatch.nnf', target, source, options, this.maxMemoryBytes);
    const result = this.kernel.field(job, progressHook(job, options));
    const p = job.patchSize;
    return { width: target.width - p + 1, height: target.height - p + 1, patchSize: p, ...result };
  }

  vote(nnf: Nnf, source: RgbaImage, options: VoteOptions = {}): RgbaImage {
    const where = 'PatchMatch.vote';
    checkImage(where, 'source', source);
    if (nnf === null || typeof nnf !== 'object') throw new Error(`${where}: nnf must be a field from PatchMatch.nnf, got ${String(nnf)}`);
    const fw = checkInteger(where, 'nnf.width', nnf.width, 1);
    const fh = checkInteger(where, 'nnf.height', nnf.height, 1);
    const p = checkPatchSize(where, nnf.patchSize, { ...dims(source), name: 'source' });
    const n = fw * fh;
    if (!(nnf.x instanceof Int32Array) || !(nnf.y instanceof Int32Array) || nnf.x.length !== n || nnf.y.length !== n) {
      throw new Error(`${where}: nnf.x and nnf.y must be Int32Arrays of nnf.width * nnf.height = ${n} entries`);
    }
    const sfw = source.width - p + 1;
    const sfh = source.height - p + 1;
    for (let i = 0; i < n; i++) {
      const x = nnf.x[i]!;
      const y = nnf.y[i]!;
      // x = -1 marks an entry that was not searched; anything else must be a source patch.
      if (x < 0 ? x !== -1 : x >= sfw || y < 0 || y >= sfh) {
        throw new Error(`${where}: nnf entry ${i} points at (${x}, ${y}), outside the ${sfw}x${sfh} source patch positions`);
      }
    }
    const width = checkInteger(where, 'width', options.width ?? fw + p - 1, 1);
    const height = checkInteger(where, 'height', options.height ?? fh + p - 1, 1);
    if (width !== fw + p - 1 || height !== fh + p - 1) {
      throw new Error(`${where}: width x height must be ${fw + p - 1}x${fh + p - 1} for this field, got ${width}x${height}`);
    }
    let weights: Float64Array | null = null;
    if (options.weights !== undefined) {
      if (options.weights === null || options.weights.length !== n) {
        throw new Error(`${where}: weights must have nnf.width * nnf.height = ${n} entries, got ${String(options.weights?.length)}`);
      }
      weights = Float64Array.from(options.weights);
      for (let i = 0; i < n; i++) {
        const w = weights[i]!;
        if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`${where}: weights[${i}] must be finite and >= 0, got ${w}`);
      }
    }
    this.checkMemory(where, voteBytes(n, source.width * source.height, width * height, weights !== null));
    const data = this.kernel.vote({
      fieldX: nnf.x, fieldY: nnf.y, fieldWidth: fw, fieldHeight: fh, patchSize: p,
      source, weights, targetWidth: width, targetHeight: height,
    });
    return { width, height, data };
  }

  inpaint(image: RgbaImage, mask: Mask, options = {}): Promise<RgbaImage> {
    return inpaintImage(this, image, mask, options);
  }

  synthesizeTexture(sample: RgbaImage, options: Parameters<PatchMatch['synthesizeTexture']>[1]): Promise<RgbaImage> {
    return synthesizeTextureImage(this, sample, options);
  }
}

function dims(im: RgbaImage): { width: number; height: number } {
  return { width: im.width, height: im.height };
}

/**
 * Validates the arguments of an nnf call and prepares the kernel job (shared by the single- and
 * multi-threaded engines). Throws Errors naming `where`.
 */
export function prepareFieldJob(where: string, target: RgbaImage, source: RgbaImage, options: NnfOptions, maxMemoryBytes: number): FieldJob {
  checkImage(where, 'target', target);
  checkImage(where, 'source', source);
  const p = checkPatchSize(
    where,
    options.patchSize ?? 7,
    { ...dims(target), name: 'target' },
    { ...dims(source), name: 'source' },
  );
  const iterations = checkInteger(where, 'iterations', options.iterations ?? 5, 0);
  const seed = checkInteger(where, 'seed', options.seed ?? 1, 0);
  if (seed > 0xffffffff) throw new Error(`${where}: seed must be below 2^32, got ${seed}`);
  const fw = target.width - p + 1;
  const fh = target.height - p + 1;
  const sfw = source.width - p + 1;
  const sfh = source.height - p + 1;

  let valid: Uint8Array;
  if (options.sourceMask !== undefined) {
    checkMask(where, 'sourceMask', options.sourceMask, source.width, source.height);
    valid = patchesTouchingMask(options.sourceMask, p);
    for (let i = 0; i < valid.length; i++) valid[i] = valid[i] === 0 ? 1 : 0;
  } else {
    valid = new Uint8Array(sfw * sfh).fill(1);
  }
  let nValid = 0;
  for (let i = 0; i < valid.length; i++) nValid += valid[i]!;
  if (nValid === 0) {
    throw new Error(`${where}: every ${p}x${p} source patch touches a masked pixel of sourceMask; nothing can be matched`);
  }
  const validList = new Int32Array(nValid);
  for (let i = 0, k = 0; i < valid.length; i++) if (valid[i] !== 0) validList[k++] = i;

  let active: Uint8Array;
  if (options.targetMask !== undefined) {
    checkMask(where, 'targetMask', options.targetMask, target.width, target.height);
    active = patchesTouchingMask(options.targetMask, p);
  } else {
    active = new Uint8Array(fw * fh).fill(1);
  }

  const initial = options.initial;
  if (initial !== undefined) {
    if (
      initial === null || typeof initial !== 'object' || initial.width !== fw || initial.height !== fh ||
      !(initial.x instanceof Int32Array) || !(initial.y instanceof Int32Array) ||
      initial.x.length !== fw * fh || initial.y.length !== fw * fh
    ) {
      throw new Error(
        `${where}: initial must be a field of ${fw}x${fh} entries (Int32Array x and y) for these images and patchSize ${p}`,
      );
    }
  }
  checkMemory(where, maxMemoryBytes, fieldBytes(target.width, target.height, source.width, source.height, p, nValid, initial !== undefined));

  return {
    target, source, patchSize: p, seed, valid, validList, active, iterations,
    initialX: initial?.x ?? null,
    initialY: initial?.y ?? null,
  };
}

/** The onProgress option turned into a kernel hook (mean over the searched patches). */
export function progressHook(job: FieldJob, options: NnfOptions): IterationHook | null {
  const onProgress = options.onProgress;
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

/** Throws when a call needs more working memory than the configured limit. */
export function checkMemory(where: string, maxMemoryBytes: number, bytes: number): void {
  if (bytes > maxMemoryBytes) {
    throw new Error(
      `${where}: the images need about ${Math.ceil(bytes / 2 ** 20)} MiB of working memory, more than the configured limit of ${Math.floor(maxMemoryBytes / 2 ** 20)} MiB (createPatchMatch({ maxMemoryBytes }))`,
    );
  }
}
