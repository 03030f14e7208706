import type { RgbaImage } from '../core/rgba-image.js';
import type { ImageAnalogyArgs } from './image-analogy.js';
import type { TransferTextureArgs } from './transfer-texture.js';

// The RGBA image type is shared with tfjs-synth/node (defined once in core/rgba-image.ts).
export type { RgbaImage };

/**
 * A mask: one byte per pixel (`width * height`), nonzero = masked. `Mask` (the default) accepts
 * either byte array, as the functions that read a mask do; `Mask<Uint8Array>` is a mask whose
 * array methods (`reduce`, `forEach`, ...) a caller wants to use with one signature.
 */
export interface Mask<D extends Uint8Array | Uint8ClampedArray = Uint8Array | Uint8ClampedArray> {
  readonly width: number;
  readonly height: number;
  readonly data: D;
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
  /**
   * Neighbours per patch, present on a k-nearest-neighbour field (`nnf(..., { k })` with k > 1):
   * `x`, `y` and `distance` then hold `width * height * k` entries, patch i's neighbours at
   * `i * k .. i * k + k - 1`, nearest first, all different. Absent (one neighbour) otherwise.
   */
  readonly k?: number;
}

/** Progress of a nearest-neighbour field computation, reported after each iteration. */
export interface NnfProgress {
  /** Iterations done so far (0 = after the random initialisation). */
  readonly iteration: number;
  readonly iterations: number;
  /** Mean of `distance` over the searched patches. */
  readonly meanDistance: number;
}

/**
 * Options of {@link PatchMatch.nnf}. Every option may be left out (`undefined`); `null` is never
 * taken for the default and is rejected like any other wrong value.
 */
export interface NnfOptions {
  /** Odd patch side, 3..127 (patch distances stay within 32 bits). Defaults to 7. */
  patchSize?: number;
  /**
   * PatchMatch iterations after the random initialisation, 0..1000. Defaults to 5. The field
   * converges in about five; the bound keeps a call to at most 1000 passes.
   */
  iterations?: number;
  /**
   * Seed of the integer PRNG, an integer 0..2^32 - 1 (never wrapped): the same seed gives the
   * same field on both backends. Defaults to 1.
   */
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
  /**
   * Neighbours per target patch, 1..64, at most the number of usable source patches. Defaults to
   * 1. With k > 1 the result is a k-nearest-neighbour field (see {@link Nnf.k}) computed by
   * Generalized PatchMatch (Barnes et al., ECCV 2010); `initial` is not taken then, `vote` does
   * not take the result, and `meanDistance` in progress reports averages all k neighbours.
   */
  k?: number;
  /** Called after the initialisation and after every iteration. */
  onProgress?: (progress: NnfProgress) => void;
  /**
   * Cancels the computation: the promise rejects with an Error named 'AbortError'. The signal is
   * checked between slices of a few milliseconds of work, inside every pass, so a call stops
   * within milliseconds of the signal firing, whatever the image size.
   */
  signal?: AbortSignal;
}

export interface VoteOptions {
  /** One finite weight >= 0 per field entry (`nnf.width * nnf.height`). Defaults to all 1. */
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
  /** EM iterations of this level. */
  readonly emIterations: number;
  /** Fraction of the total work done, 0..1. */
  readonly fraction: number;
}

/**
 * Options shared by {@link PatchMatch.inpaint} and {@link PatchMatch.synthesizeTexture}. Every
 * option may be left out (`undefined`); `null` is rejected like any other wrong value.
 */
export interface SynthesisOptions {
  /** Odd patch side, 3..127. Defaults to 7. */
  patchSize?: number;
  /** Pyramid levels, 1..32 (a side halves per level). Defaults to as many as the images allow; see each method. */
  levels?: number;
  /** EM iterations (field + vote) per level, 1..100. Defaults to 4 (inpainting runs half as many, rounded up, at the finest level). */
  emIterations?: number;
  /** PatchMatch iterations per EM iteration, 1..1000. Defaults to 2 (each field starts from the last). */
  nnfIterations?: number;
  /** PRNG seed, an integer 0..2^32 - 1 (never wrapped). Defaults to 1. */
  seed?: number;
  /** Called after every EM iteration. */
  onProgress?: (progress: SynthesisProgress) => void;
  /**
   * Cancels the operation: the promise rejects with an Error named 'AbortError'. Checked inside
   * every field computation (every few milliseconds) and between EM steps.
   */
  signal?: AbortSignal;
}

/**
 * Options of {@link PatchMatch.inpaint}; `levels` defaults to as many as keep the coarsest side at
 * least patchSize, and the finest level runs half the `emIterations` (rounded up).
 */
export interface InpaintOptions extends SynthesisOptions {
  /**
   * Weight of the luminance gradient in the patch distance at every level but the finest, a
   * number in [0, 16] (Image Melding, Darabi et al. 2012: colour and gradient channels). With a
   * weight the coarse levels match patches on R, G, B and `weight` times the horizontal and
   * vertical luminance differences, so an edge running into the hole (a cup's rim, a table's
   * border) is continued by patches with the same edge rather than by patches of the same mean
   * colour. 2 suits object removal across such edges. It costs about 10-30% more time. Defaults
   * to 0 (colour only): on the fill benchmark's textures and photographs the median hole PSNR
   * and SSIM do not gain from it (docs/patchmatch.md, fill quality).
   */
  gradientWeight?: number;
  /**
   * Rebuilds every vote in the gradient domain (default true): the hole becomes the screened
   * Poisson solution whose x and y differences follow the matched patches' own differences and
   * whose values stay near the voted colours with weight `screening`, the known pixels held (as
   * `inpaintMelding` does, without its transformations), so the fill meets its border without a
   * seam. On the fill benchmark it raised the median hole PSNR and SSIM on the tuning and the
   * check half and won most cases (docs/patchmatch.md, fill quality) for about 1.7 times the
   * time. `false` gives the plain vote, blended into its surroundings after the last one (the
   * default before 2026-12-06).
   *
   * @example
   * ```ts
   * import { createPatchMatch } from 'tfjs-synth/patchmatch';
   * const width = 48, height = 48;
   * const data = new Uint8Array(width * height * 4);
   * for (let i = 0; i < width * height; i++) {
   *   const x = i % width, y = Math.floor(i / width);
   *   data.set([128 + 60 * Math.sin(x / 3), 128 + 60 * Math.cos(y / 4), (x * y) % 256, 255], 4 * i);
   * }
   * const hole = new Uint8Array(width * height);
   * for (let y = 18; y < 30; y++) hole.fill(1, y * width + 18, y * width + 30);
   * const pm = await createPatchMatch();
   * const mask = { width, height, data: hole };
   * const rebuilt = await pm.inpaint({ width, height, data }, mask, { seed: 1 }); // gradientDomain: true, screening: 0.1
   * const sharper = await pm.inpaint({ width, height, data }, mask, { seed: 1, screening: 0.01 });
   * const plain = await pm.inpaint({ width, height, data }, mask, { seed: 1, gradientDomain: false });
   * console.log(rebuilt.data[4 * (5 * width + 5)] === data[4 * (5 * width + 5)]); // true: known pixels kept
   * ```
   */
  gradientDomain?: boolean;
  /**
   * Weight of the voted colours against the voted differences in the gradient-domain rebuild (the
   * screening lambda), > 0 and at most 100; smaller trusts the differences more. Defaults to 0.1
   * (0.01 scored alike on the fill benchmark and takes longer). Read only with `gradientDomain`.
   */
  screening?: number;
}

/**
 * Options of {@link PatchMatch.synthesizeTexture}. Each vote weighs its patches robustly (Kwatra
 * et al. 2005, r = 0.8), so the patches that agree decide a pixel instead of an average with the
 * odd one out.
 */
export interface TextureOptions extends SynthesisOptions {
  /**
   * Output size (required), each at least patchSize; width * height is bounded by the memory
   * limit, which is checked before anything is allocated. `levels` defaults to as many as keep
   * the coarsest sample and output sides at least 4 * patchSize (2 * patchSize before
   * 2026-12-06); with `start: 'auto'` an irregular sample gets one level more if it keeps them
   * at least 2 * patchSize (see `start`).
   */
  width: number;
  height: number;
  /**
   * How the coarsest level starts, before EM refines it. Tiles are three quarters of the coarsest
   * sample's smaller side.
   * - `'auto'` (default): `'quilt'` for a regular sample, `'tiles'` for an irregular one. Regular
   *   means the normalised autocorrelation of the coarsest sample's brightness reaches 0.5 at some
   *   shift of at least patchSize pixels (brick crops 0.70-0.82; grass and gravel 0.20-0.21),
   *   about 7 ms on a copy halved to at most 64x64. An irregular sample is tiled from one level
   *   coarser than the default when that level keeps at least 2 * patchSize per side and
   *   `levels` is not given: on grass and gravel that lowered coherence 9 and 25 and
   *   completeness 9 and raised completeness 25 (docs/patchmatch.md).
   * - `'quilt'`: image quilting (Efros and Freeman 2001): each tile goes where its
   *   overlap with the tiles placed before differs least (drawn among the positions within 10% of
   *   the best) and is cut along the minimum-error path, so structure such as mortar lines runs
   *   on across tile borders. On the brick demo it halved the 25x25 coherence error (lines that
   *   jog, joints that stop inside a brick); on grass and gravel it repeats a few parts of the
   *   sample on a visible lattice and keeps less of it than `'tiles'` (docs/patchmatch.md,
   *   texture synthesis).
   * - `'tiles'`: tiles at random places, side by side (the only start before 2026-12-06).
   *
   * @example
   * ```ts
   * import { createPatchMatch } from 'tfjs-synth/patchmatch';
   * const width = 40, height = 40;
   * const data = new Uint8Array(width * height * 4);
   * for (let i = 0; i < width * height; i++) {
   *   const x = i % width, y = Math.floor(i / width);
   *   const mortar = y % 10 < 2 || (x + (Math.floor(y / 10) % 2) * 8) % 16 < 2;
   *   data.set(mortar ? [200, 200, 200, 255] : [150, 70, 50, 255], 4 * i);
   * }
   * const pm = await createPatchMatch();
   * const sample = { width, height, data };
   * const quilted = await pm.synthesizeTexture(sample, { width: 64, height: 64, patchSize: 5, seed: 3 }); // start: 'auto' quilts these bricks
   * const tiled = await pm.synthesizeTexture(sample, { width: 64, height: 64, patchSize: 5, seed: 3, start: 'tiles' });
   * console.log(quilted.width, tiled.width); // 64 64
   * ```
   */
  start?: 'auto' | 'quilt' | 'tiles';
}

/**
 * An evenly spaced range of a source-patch transformation: `steps` values from `min` to `max`
 * (both included; `steps: 1` needs `min === max`).
 */
export interface TransformRange {
  readonly min: number;
  readonly max: number;
  readonly steps: number;
}

/**
 * Options of {@link PatchMatch.inpaintMelding} and {@link PatchMatch.meldImages} (Image Melding,
 * Darabi et al. 2012): the synthesis options plus the transformations and colour changes a source
 * patch may undergo, and the gradient-domain reconstruction. Every option may be left out.
 */
export interface MeldingOptions extends SynthesisOptions {
  /**
   * Rotations of the source patches in degrees, each in [-180, 180]. Defaults to none
   * (`{ min: 0, max: 0, steps: 1 }`). `steps` 1..64.
   */
  rotation?: TransformRange;
  /**
   * Scales of the source patches (2 = the source seen twice as large), each in [0.5, 2]. Defaults
   * to none (`{ min: 1, max: 1, steps: 1 }`). `steps` 1..16.
   */
  scale?: TransformRange;
  /** Also try every transformation mirrored left to right. Defaults to false. */
  reflection?: boolean;
  /**
   * Gain range `[min, max]` per channel per source patch, 0 < min <= 1 <= max <= 8. Defaults to
   * `[1, 1]` (no gain).
   */
  gain?: readonly [number, number];
  /**
   * Bias range `[min, max]` per channel per source patch in 0..255 units, -255 <= min <= 0 <= max
   * <= 255. Defaults to `[0, 0]` (no bias).
   */
  bias?: readonly [number, number];
  /**
   * Rebuild the filled pixels from the voted gradients and colours by a screened Poisson solve
   * (known pixels held fixed) instead of taking the voted colours. Defaults to true.
   */
  gradientDomain?: boolean;
  /**
   * Weight of the voted colours against the voted gradients in that solve (the screening
   * lambda), > 0 and at most 100. Defaults to 0.01.
   */
  screening?: number;
  /**
   * How the matched patches covering a filled pixel make its colour and differences, at every
   * pyramid level. `'mean'` (the default): their weighted mean (Wexler et al. 2007), which blurs
   * where the patches disagree (an edge matched at slightly different offsets). `'best'`: the
   * colour and differences of the one covering patch of highest weight (similarity times the
   * spatial weight), with no averaging: edges and texture stay as sharp as in the source, and
   * the gradient-domain rebuild hides the seams between patches (without it they show).
   */
  vote?: 'mean' | 'best';
}

/** Options of {@link PatchMatch.meldImages}. */
export interface MeldImagesOptions extends MeldingOptions {
  /**
   * Width in pixels of the transition band synthesised along the boundary between the two
   * images' parts, 2..1024. Defaults to 4 * patchSize.
   */
  band?: number;
}

/** Which implementation runs the kernels. */
export type PatchMatchBackend = 'wasm' | 'js';

export interface CreatePatchMatchOptions {
  /**
   * 'wasm' (default) uses the WebAssembly SIMD kernels and falls back to 'js' where WebAssembly
   * SIMD is unavailable or may not be compiled (a Content-Security-Policy without
   * 'wasm-unsafe-eval'); 'js' forces the plain TypeScript kernels. `pm.backend` says which runs.
   */
  backend?: PatchMatchBackend;
  /**
   * Working-memory limit in bytes for one call (images, masks, field, voting buffers, and the
   * copies of the inputs). A call that would need more fails before allocating anything.
   * Defaults to 1 GiB; at least 1 MiB, at most 4 GiB - 64 KiB (the WebAssembly 32-bit limit).
   */
  maxMemoryBytes?: number;
}

/** A PatchMatch engine bound to one backend; see {@link createPatchMatch}. */
export interface PatchMatch {
  /** The backend actually in use ('js' when 'wasm' was asked for but SIMD is missing or refused). */
  readonly backend: PatchMatchBackend;
  readonly maxMemoryBytes: number;
  /** Current size of the WebAssembly linear memory in bytes (0 on the 'js' backend). It grows to fit the largest call so far and is then reused. */
  readonly memoryBytes: number;
  /**
   * Computes a nearest-neighbour field from the target's patches to the source's. Validates
   * everything and copies the images, masks and initial field synchronously, before it returns
   * the promise: changing them afterwards does not change the result. The work runs in slices on
   * the calling thread, returning to the event loop every ~16 ms, so timers and `signal` fire
   * during it. Calls on one engine run one after another.
   */
  nnf(target: RgbaImage, source: RgbaImage, options?: NnfOptions): Promise<Nnf>;
  /** Rebuilds a target image from the source patches a field points at (synchronous). */
  vote(nnf: Nnf, source: RgbaImage, options?: VoteOptions): RgbaImage;
  /**
   * Fills the masked pixels of `image` from its other pixels. Validates everything and copies
   * the image and mask synchronously, before it returns the promise: changing them afterwards
   * (for instance in `onProgress`) does not change the result.
   */
  inpaint(image: RgbaImage, mask: Mask, options?: InpaintOptions): Promise<RgbaImage>;
  /**
   * Synthesises a `width x height` texture from `sample`: a quilted (or tiled, `start`) patchwork
   * of the sample at the coarsest level, refined level by level by EM with robustly weighted
   * votes. Validates everything and copies the sample synchronously, before it returns the
   * promise.
   */
  synthesizeTexture(sample: RgbaImage, options: TextureOptions): Promise<RgbaImage>;
  /**
   * Fills the masked pixels of `image` as {@link PatchMatch.inpaint} does, with Image Melding's
   * search: source patches may be rotated, scaled, mirrored and changed by a gain and bias, and
   * the fill is rebuilt in the gradient domain. Validates and copies synchronously.
   *
   * ```ts
   * import { createPatchMatch } from 'tfjs-synth/patchmatch';
   * // Diagonal stripes; the hole is filled from patches rotated by -90, 0 or 90 degrees.
   * const [w, h] = [48, 40];
   * const image = { width: w, height: h, data: new Uint8Array(w * h * 4) };
   * for (let i = 0; i < w * h; i++) image.data.fill(((i % w) + Math.floor(i / w)) % 8 < 4 ? 40 : 220, 4 * i, 4 * i + 4);
   * const mask = { width: w, height: h, data: new Uint8Array(w * h) };
   * for (let y = 14; y < 26; y++) mask.data.fill(1, y * w + 18, y * w + 30);
   * const pm = await createPatchMatch();
   * const filled = await pm.inpaintMelding(image, mask, { rotation: { min: -90, max: 90, steps: 3 }, gain: [0.9, 1.1] });
   * console.log(filled.width, filled.height); // 48 40
   * ```
   */
  inpaintMelding(image: RgbaImage, mask: Mask, options?: MeldingOptions): Promise<RgbaImage>;
  /**
   * Melds two images of the same size along the boundary of `mask` (nonzero = take `b`, zero =
   * take `a`): a band along the boundary is synthesised from both images' patches, so different
   * exposures or textures meet without a visible seam. Validates and copies synchronously.
   *
   * ```ts
   * import { createPatchMatch } from 'tfjs-synth/patchmatch';
   * // Two exposures of one noise texture, the right half from the brighter one.
   * const [w, h] = [64, 40];
   * const texture = Array.from({ length: w * h }, (_, i) => 100 + ((i * 2654435761) >>> 26));
   * const exposure = (k: number) => ({
   *   width: w,
   *   height: h,
   *   data: Uint8Array.from({ length: w * h * 4 }, (_, j) => (j % 4 === 3 ? 255 : Math.round(k * texture[j >> 2]!))),
   * });
   * const right = { width: w, height: h, data: Uint8Array.from({ length: w * h }, (_, i) => (i % w >= w / 2 ? 1 : 0)) };
   * const pm = await createPatchMatch();
   * const melded = await pm.meldImages(exposure(0.6), exposure(1), right, { band: 20, gain: [0.5, 2], bias: [-30, 30] });
   * console.log(melded.width, melded.height); // 64 40
   * ```
   */
  meldImages(a: RgbaImage, b: RgbaImage, mask: Mask, options?: MeldImagesOptions): Promise<RgbaImage>;

  /**
   * Image analogies (Hertzmann et al. 2001): given A and its filtered version A', filters B the
   * same way and resolves to B' (B's size). Validates everything and copies the images
   * synchronously, before it returns the promise. See {@link ImageAnalogyOptions}.
   *
   * ```ts
   * import { createPatchMatch } from 'tfjs-synth/patchmatch';
   * const image = (w: number, h: number, seed: number) =>
   *   ({ width: w, height: h, data: Uint8Array.from({ length: w * h * 4 }, (_, i) => (i % 4 === 3 ? 255 : ((Math.floor(i / 4) * seed) % 97) * 2)) });
   * const a = image(40, 30, 7);
   * const aPrime = { ...a, data: a.data.map((v) => 255 - v) }; // A' = A inverted (alpha too, which is ignored)
   * const pm = await createPatchMatch();
   * const bPrime = await pm.imageAnalogy({ a, aPrime, b: image(36, 28, 5), kappa: 0 });
   * console.log(bPrime.width, bPrime.height); // 36 28: B inverted, as far as A's patches allow
   * ```
   */
  imageAnalogy(args: ImageAnalogyArgs): Promise<RgbaImage>;
  /**
   * Texture transfer (Efros and Freeman 2001; Ashikhmin 2003): renders `target` out of the
   * patches of the `source` texture and resolves to an image of the target's size. Validates
   * everything and copies the images synchronously, before it returns the promise. See
   * {@link TransferTextureOptions}.
   *
   * ```ts
   * import { createPatchMatch } from 'tfjs-synth/patchmatch';
   * const stripes = { width: 32, height: 32, data: Uint8Array.from({ length: 32 * 32 * 4 }, (_, i) => (Math.floor(i / 4) % 32) % 8 < 4 ? 40 : 220) };
   * const disc = { width: 48, height: 40, data: new Uint8Array(48 * 40 * 4) };
   * for (let i = 0; i < 48 * 40; i++) disc.data.fill(Math.hypot((i % 48) - 24, Math.floor(i / 48) - 20) < 12 ? 230 : 30, 4 * i, 4 * i + 4);
   * const pm = await createPatchMatch();
   * const out = await pm.transferTexture({ source: stripes, target: disc, alpha: 0.7, patchSize: 5 });
   * console.log(out.width, out.height); // 48 40: the disc drawn in stripes
   * ```
   */
  transferTexture(args: TransferTextureArgs): Promise<RgbaImage>;
}
