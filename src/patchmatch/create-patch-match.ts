import { checkError, describeValue } from '../core/checks.js';
import { type FeatureFieldCall, runFeatureField } from './feature-field.js';
import { type ImageAnalogyArgs, imageAnalogy } from './image-analogy.js';
import { jsKernel } from './js-kernel.js';
import { type TransferTextureArgs, transferTexture } from './transfer-texture.js';
import { type FieldCall, snapshotFieldCall } from './field-call.js';
import type { FeatureFieldResult, Kernel, MeldParams } from './kernel.js';
import { voteWorkingBytes } from './layout.js';
import { inpaintMeldingImage, meldImagesImage } from './meld-images.js';
import { runField } from './scheduler.js';
import { inpaintImage, synthesizeTextureImage } from './synthesis.js';
import type {
  CreatePatchMatchOptions,
  InpaintOptions,
  Mask,
  MeldImagesOptions,
  MeldingOptions,
  Nnf,
  NnfOptions,
  PatchMatch,
  PatchMatchBackend,
  RgbaImage,
  TextureOptions,
  VoteOptions,
} from './types.js';
import {
  checkImage,
  checkInteger,
  checkMaxMemory,
  checkMemory,
  checkOptions,
  checkPatchSize,
  optionalInteger,
} from './validate.js';
import { createWasmKernel, hasWasmSimd } from './wasm-kernel.js';

/**
 * Creates a PatchMatch engine (Barnes et al., "PatchMatch: A Randomized Correspondence Algorithm
 * for Structural Image Editing", SIGGRAPH 2009) with nearest-neighbour fields, patch voting,
 * inpainting and texture synthesis (Wexler et al., "Space-Time Completion of Video", 2007).
 *
 * The 'wasm' backend (default) runs AssemblyScript kernels compiled to WebAssembly SIMD, embedded
 * in the package; where SIMD is missing, or the page's Content-Security-Policy refuses to compile
 * WebAssembly (no 'wasm-unsafe-eval'), it falls back to the plain TypeScript 'js' kernels, which
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
  const owner = 'createPatchMatch';
  const o = checkOptions(owner, options);
  const requested: unknown = o.backend === undefined ? 'wasm' : o.backend;
  if (requested !== 'wasm' && requested !== 'js') {
    throw checkError(owner, 'backend', "'wasm' or 'js'", requested);
  }
  const maxMemoryBytes = checkMaxMemory(owner, o.maxMemoryBytes);
  const kernel: Kernel = requested === 'wasm' && hasWasmSimd() ? await wasmKernelOrJs() : jsKernel;
  return new PatchMatchEngine(kernel, maxMemoryBytes);
}

/**
 * The WebAssembly kernel, or the 'js' kernel where the environment refuses to compile the module:
 * a page whose Content-Security-Policy lacks 'wasm-unsafe-eval' refuses every compilation while
 * `WebAssembly.validate` still answers true. Both kernels give the same results, so this is the
 * same fallback as for missing SIMD; any other failure is thrown.
 */
async function wasmKernelOrJs(): Promise<Kernel> {
  try {
    return await createWasmKernel();
  } catch (err) {
    if (err instanceof WebAssembly.CompileError) return jsKernel;
    throw err;
  }
}

/** What inpainting and texture synthesis need from an engine: field and vote under their own name. */
export interface SynthesisEngine {
  readonly maxMemoryBytes: number;
  /**
   * As nnf on images the caller owns and no longer changes (no snapshot), with errors naming
   * `owner`; with `meld`, patches are compared after a gain and bias (the melding kernels).
   */
  fieldOwned(owner: string, target: RgbaImage, source: RgbaImage, options: NnfOptions, meld?: MeldParams): Promise<Nnf>;
  /** As vote, with errors naming `owner`. */
  voteAs(owner: string, nnf: Nnf, source: RgbaImage, options: VoteOptions | undefined): RgbaImage;
  /** A feature-space field (feature-field.ts), queued with the engine's other fields. */
  featureField(call: FeatureFieldCall): Promise<FeatureFieldResult>;
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

  fieldOwned(
    owner: string,
    target: RgbaImage,
    source: RgbaImage,
    options: NnfOptions,
    meld?: MeldParams,
  ): Promise<Nnf> {
    return this.field(owner, target, source, options, false, meld);
  }

  private field(
    owner: string,
    target: RgbaImage,
    source: RgbaImage,
    options: NnfOptions | undefined,
    snapshot: boolean,
    meld?: MeldParams,
  ): Promise<Nnf> {
    let call: FieldCall;
    try {
      // Synchronous: everything is validated and the inputs copied before this returns.
      call = snapshotFieldCall(owner, target, source, checkOptions(owner, options), this.maxMemoryBytes, snapshot);
      if (meld !== undefined) call = { ...call, meld };
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.queue.then(() => runField(this.kernel, call));
    this.queue = run.catch(() => undefined);
    const p = call.patchSize;
    return run.then((r) => ({
      width: call.target.width - p + 1,
      height: call.target.height - p + 1,
      patchSize: p,
      ...r,
      ...(call.k > 1 ? { k: call.k } : {}),
    }));
  }

  vote(nnf: Nnf, source: RgbaImage, options?: VoteOptions): RgbaImage {
    return this.voteAs('PatchMatch.vote', nnf, source, options);
  }

  voteAs(owner: string, nnf: Nnf, source: RgbaImage, options: VoteOptions | undefined): RgbaImage {
    const o = checkOptions(owner, options);
    checkImage(owner, 'source', source);
    if (nnf === null || typeof nnf !== 'object') throw checkError(owner, 'nnf', 'a field from PatchMatch.nnf', nnf);
    const fw = checkInteger(owner, 'nnf.width', nnf.width, 1);
    const fh = checkInteger(owner, 'nnf.height', nnf.height, 1);
    const p = checkPatchSize(owner, nnf.patchSize, { width: source.width, height: source.height, name: 'source' });
    const n = fw * fh;
    if (nnf.k !== undefined && nnf.k !== 1) {
      throw checkError(owner, 'nnf.k', 'undefined or 1 (vote takes one neighbour per patch)', nnf.k);
    }
    if (!(nnf.x instanceof Int32Array) || !(nnf.y instanceof Int32Array) || nnf.x.length !== n || nnf.y.length !== n) {
      throw new Error(`${owner}: nnf.x and nnf.y must be Int32Arrays of nnf.width * nnf.height = ${n} entries.`);
    }
    const width = optionalInteger(owner, 'width', o.width, fw + p - 1, 1);
    const height = optionalInteger(owner, 'height', o.height, fh + p - 1, 1);
    if (width !== fw + p - 1 || height !== fh + p - 1) {
      throw new Error(
        `${owner}: width x height must be ${fw + p - 1}x${fh + p - 1} for this field, got ${width}x${height}.`,
      );
    }
    const w = o.weights;
    if (w !== undefined && (w === null || typeof w !== 'object' || w.length !== n)) {
      const got = w !== null && typeof w === 'object' ? `${describeValue(w.length)} entries` : describeValue(w);
      throw new Error(`${owner}: weights must be an array of nnf.width * nnf.height = ${n} numbers, got ${got}.`);
    }
    checkMemory(
      owner,
      this.maxMemoryBytes,
      voteWorkingBytes(n, source.width * source.height, width * height, w !== undefined),
      'the field and source',
    );
    const sfw = source.width - p + 1;
    const sfh = source.height - p + 1;
    for (let i = 0; i < n; i++) {
      const x = nnf.x[i]!;
      const y = nnf.y[i]!;
      // x = -1 marks an entry that was not searched; anything else must be a source patch.
      if (x < 0 ? x !== -1 : x >= sfw || y < 0 || y >= sfh) {
        throw new Error(
          `${owner}: nnf entry ${i} points at (${x}, ${y}), outside the ${sfw}x${sfh} source patch positions.`,
        );
      }
    }
    let weights: Float64Array | null = null;
    if (w !== undefined) {
      weights = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = w[i];
        if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
          throw checkError(owner, `weights[${i}]`, 'a finite number >= 0', v);
        }
        weights[i] = v;
      }
    }
    const data = this.kernel.vote({
      owner,
      fieldX: nnf.x,
      fieldY: nnf.y,
      fieldWidth: fw,
      fieldHeight: fh,
      patchSize: p,
      source,
      weights,
      targetWidth: width,
      targetHeight: height,
    });
    return { width, height, data };
  }

  inpaint(image: RgbaImage, mask: Mask, options?: InpaintOptions): Promise<RgbaImage> {
    return inpaintImage(this, image, mask, options);
  }

  synthesizeTexture(sample: RgbaImage, options: TextureOptions): Promise<RgbaImage> {
    return synthesizeTextureImage(this, sample, options);
  }

  inpaintMelding(image: RgbaImage, mask: Mask, options?: MeldingOptions): Promise<RgbaImage> {
    return inpaintMeldingImage(this, image, mask, options);
  }

  meldImages(a: RgbaImage, b: RgbaImage, mask: Mask, options?: MeldImagesOptions): Promise<RgbaImage> {
    return meldImagesImage(this, a, b, mask, options);
  }

  featureField(call: FeatureFieldCall): Promise<FeatureFieldResult> {
    const run = this.queue.then(() => runFeatureField(this.kernel, call));
    this.queue = run.catch(() => undefined);
    return run;
  }

  imageAnalogy(args: ImageAnalogyArgs): Promise<RgbaImage> {
    return imageAnalogy(this, args);
  }

  transferTexture(args: TransferTextureArgs): Promise<RgbaImage> {
    return transferTexture(this, args);
  }
}
