/**
 * An RGBA image: `data` holds `width * height * 4` bytes, row-major, so a browser `ImageData`
 * can be passed as is. Alpha is ignored by every distance.
 */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** A mask: one byte per pixel (`width * height`), nonzero = masked. */
export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * A nearest-neighbour field over the top-left corners of the target's patches:
 * `width = targetWidth - patchSize + 1`, `height = targetHeight - patchSize + 1`.
 * Entry `i = y * width + x` maps the target patch at (x, y) to the source patch whose top-left
 * corner is (`x[i]`, `y[i]`); `distance[i]` is the exact sum of squared R, G, B differences
 * (0..255 units) between the two patches. Patches that were not searched (see
 * {@link NnfOptions.targetMask}) hold x = y = -1 and distance = 0xffffffff.
 */
export interface Nnf {
  readonly width: number;
  readonly height: number;
  readonly patchSize: number;
  readonly x: Int32Array;
  readonly y: Int32Array;
  readonly distance: Uint32Array;
}

/** Progress of a nearest-neighbour field computation, reported after each iteration. */
export interface NnfProgress {
  /** Iterations done so far (0 = after the random initialisation). */
  readonly iteration: number;
  readonly iterations: number;
  /** Mean of `distance` over the searched patches. */
  readonly meanDistance: number;
}

export interface NnfOptions {
  /** Odd patch side, at least 3. Defaults to 7. */
  patchSize?: number;
  /** PatchMatch iterations after the random initialisation. Defaults to 5. */
  iterations?: number;
  /** Seed of the integer PRNG: the same seed gives the same field on both backends. Defaults to 1. */
  seed?: number;
  /**
   * Target mask (target size). When given, only target patches that contain at least one masked
   * pixel are searched; the others are returned as x = y = -1, distance = 0xffffffff. This is the
   * set of patches that can change a masked pixel when the field is voted (as in inpainting).
   * Defaults to none: every target patch is searched.
   */
  targetMask?: Mask;
  /** Source mask (source size): source patches that touch a masked pixel are never used. */
  sourceMask?: Mask;
  /**
   * A previous field of the same size used as the starting point (coarse-to-fine use). Entries
   * that are out of range or point at an excluded source patch are replaced by random ones.
   */
  initial?: Nnf;
  /** Called after the initialisation and after every iteration. */
  onProgress?: (progress: NnfProgress) => void;
}

export interface VoteOptions {
  /** One weight per field entry (`nnf.width * nnf.height`), non-negative. Defaults to all 1. */
  weights?: ArrayLike<number>;
  /** Target image size. Defaults to the field size plus patchSize - 1. */
  width?: number;
  height?: number;
}

/** Progress of a multi-scale synthesis (inpainting or texture synthesis). */
export interface SynthesisProgress {
  /** Pyramid level, 0 = coarsest. */
  readonly level: number;
  readonly levels: number;
  /** EM iteration within the level (1-based). */
  readonly emIteration: number;
  readonly emIterations: number;
  /** Fraction of the total work done, 0..1. */
  readonly fraction: number;
}

export interface InpaintOptions {
  /** Odd patch side, at least 3. Defaults to 7. */
  patchSize?: number;
  /** Pyramid levels. Defaults to as many as keep the coarsest side at least 4 * patchSize. */
  levels?: number;
  /** EM iterations (field + vote) per level. Defaults to 4. */
  emIterations?: number;
  /** PatchMatch iterations per EM iteration. Defaults to 2 (each field starts from the last). */
  nnfIterations?: number;
  /** PRNG seed. Defaults to 1. */
  seed?: number;
  onProgress?: (progress: SynthesisProgress) => void;
  /** Cancels the operation: the promise rejects with an Error named 'AbortError'. */
  signal?: AbortSignal;
}

export interface TextureOptions {
  /** Output size. */
  width: number;
  height: number;
  /** Odd patch side, at least 3. Defaults to 7. */
  patchSize?: number;
  /** Pyramid levels. Defaults to as many as keep the coarsest sample and output sides at least 2 * patchSize. */
  levels?: number;
  /** EM iterations per level. Defaults to 4. */
  emIterations?: number;
  /** PatchMatch iterations per EM iteration. Defaults to 2. */
  nnfIterations?: number;
  /** PRNG seed. Defaults to 1. */
  seed?: number;
  onProgress?: (progress: SynthesisProgress) => void;
  signal?: AbortSignal;
}

/** Which implementation runs the kernels. */
export type PatchMatchBackend = 'wasm' | 'js';

export interface CreatePatchMatchOptions {
  /**
   * 'wasm' (default) uses the WebAssembly SIMD kernels and falls back to 'js' where WebAssembly
   * SIMD is unavailable; 'js' forces the plain TypeScript kernels. `pm.backend` says which runs.
   */
  backend?: PatchMatchBackend;
  /**
   * Working-memory limit in bytes for one call (images, masks, field, voting buffers). Calls that
   * need more throw. Defaults to 1 GiB; at most 4 GiB - 64 KiB (the WebAssembly 32-bit limit).
   */
  maxMemoryBytes?: number;
}

/** A PatchMatch engine bound to one backend; see {@link createPatchMatch}. */
export interface PatchMatch {
  /** The backend actually in use ('js' when 'wasm' was asked for but SIMD is missing). */
  readonly backend: PatchMatchBackend;
  readonly maxMemoryBytes: number;
  /** Current size of the WebAssembly linear memory in bytes (0 on the 'js' backend). It grows to fit the largest call so far and is then reused. */
  readonly memoryBytes: number;
  nnf(target: RgbaImage, source: RgbaImage, options?: NnfOptions): Nnf;
  vote(nnf: Nnf, source: RgbaImage, options?: VoteOptions): RgbaImage;
  inpaint(image: RgbaImage, mask: Mask, options?: InpaintOptions): Promise<RgbaImage>;
  synthesizeTexture(sample: RgbaImage, options: TextureOptions): Promise<RgbaImage>;
}
