import {
  checkAbortSignal,
  checkError,
  checkInteger as checkIntegerIn,
  describeValue,
  MAX_SEED,
} from '../core/checks.js';
import type { Mask, RgbaImage } from './types.js';

// Argument checks of the PatchMatch functions, built on the library's checks (src/core/checks.ts):
// every message reads `${owner}: ${arg} must be <requirement>, got <value>.`, with the owner
// function, the argument and a bounded description of the value. This file keeps what only
// PatchMatch needs: its limits, images, masks, patch sizes, the memory check and its seed rule.

// ---- Limits (each with its reason; docs/patchmatch.md lists them) ----------------------------

/**
 * PatchMatch iterations per field (`iterations`, `nnfIterations`). The field converges in about
 * five passes (Barnes et al. 2009 use 4-5) and stops changing measurably after a few dozen; 1000
 * leaves room for experiments while bounding a call to 1000 passes.
 */
export const MAX_ITERATIONS = 1000;
/**
 * EM iterations per pyramid level. Wexler et al. use a handful; 100 bounds a synthesis at
 * levels x 100 fields and votes.
 */
export const MAX_EM_ITERATIONS = 100;
/**
 * Pyramid levels. Each level halves the sides and an image has fewer than 2^30 pixels (the
 * memory limit), so no image can be halved 32 times; the pyramid stops earlier anyway, where a
 * side would drop below the patch size.
 */
export const MAX_LEVELS = 32;
/** Patch side: keeps every patch distance within 32 bits (127 * 127 * 3 * 255^2 < 2^32). */
export const MAX_PATCH_SIZE = 127;
/** Default working-memory limit of one call. */
export const DEFAULT_MAX_MEMORY = 1024 * 1024 * 1024;
/** The smallest memory limit accepted (the module's first page and small buffers). */
export const MIN_MAX_MEMORY = 1 << 20;
/** The WebAssembly 32-bit limit (65536 pages) minus one page: the most one call can address. */
export const WASM_MEMORY_LIMIT = 65535 * 65536;
/**
 * Neighbours per patch of a k-NN field. Each kept neighbour adds a random search per iteration
 * and k distinct entries per patch; 64 bounds a call at 64 times the 1-NN work and memory.
 */
export const MAX_K = 64;
/**
 * Worker threads of createParallelPatchMatch. Each worker holds its own copy of both images and
 * of the field, so memory grows with the count; 64 is past the core count where bands pay off.
 */
export const MAX_WORKERS = 64;

// ---- Checks ----------------------------------------------------------------------------------

/** `options` itself: undefined means {}; anything else must be a plain object (not null, not an array). */
export function checkOptions<T extends object>(owner: string, options: T | undefined, arg = 'options'): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw checkError(owner, arg, 'an object or undefined', options);
  }
  return options;
}

/**
 * Throws unless `value` is an integer in [min, max]. Below `min` (or not an integer) the message
 * is core's "an integer >= min"; above `max` it says "at most max", which names the limit that
 * was hit.
 */
export function checkInteger(
  owner: string,
  arg: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = checkIntegerIn(owner, arg, value, { min });
  if (n > max) throw checkError(owner, arg, `at most ${max}`, n);
  return n;
}

/** An optional integer option: `undefined` gives the default; null and everything else is checked. */
export function optionalInteger(
  owner: string,
  arg: string,
  value: unknown,
  fallback: number,
  min: number,
  max?: number,
): number {
  return value === undefined ? fallback : checkInteger(owner, arg, value, min, max);
}

/**
 * PatchMatch's seed: the library's seed rule (an integer 0..2^32 - 1, the 32-bit PRNG state, never
 * wrapped), default 1. The message spells the range "from 0 to 2^32 - 1", as docs/patchmatch.md does.
 */
export function checkSeed(owner: string, value: unknown, arg = 'seed'): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SEED) {
    throw checkError(owner, arg, 'an integer from 0 to 2^32 - 1', value);
  }
  return value;
}

/** An optional callback: undefined or a function. */
export function checkCallback<F>(owner: string, arg: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function')
    throw checkError(owner, arg, 'a function or undefined', value);
  return value;
}

/** An optional AbortSignal (structural, so signals from other realms work). */
export function checkSignal(owner: string, value: unknown): AbortSignal | undefined {
  return checkAbortSignal(owner, 'signal', value) as AbortSignal | undefined;
}

/** maxMemoryBytes: an integer from 1 MiB to the WebAssembly 32-bit limit (default 1 GiB). */
export function checkMaxMemory(owner: string, value: unknown): number {
  const bytes = optionalInteger(owner, 'maxMemoryBytes', value, DEFAULT_MAX_MEMORY, MIN_MAX_MEMORY);
  if (bytes > WASM_MEMORY_LIMIT) {
    const limit = `at most ${WASM_MEMORY_LIMIT} (4 GiB - 64 KiB, the WebAssembly 32-bit limit)`;
    throw checkError(owner, 'maxMemoryBytes', limit, bytes);
  }
  return bytes;
}

/** Validates an RGBA image: positive integer size and `width * height * 4` bytes. */
export function checkImage(owner: string, arg: string, image: RgbaImage): void {
  if (image === null || typeof image !== 'object') {
    throw checkError(owner, arg, 'an image { width, height, data }', image);
  }
  checkInteger(owner, `${arg}.width`, image.width, 1);
  checkInteger(owner, `${arg}.height`, image.height, 1);
  if (!(image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray)) {
    throw checkError(owner, `${arg}.data`, 'a Uint8Array or Uint8ClampedArray of RGBA bytes', image.data);
  }
  const expected = image.width * image.height * 4;
  if (image.data.length !== expected) {
    throw new Error(
      `${owner}: ${arg}.data has ${image.data.length} bytes, expected width * height * 4 = ${expected} (${image.width}x${image.height} RGBA).`,
    );
  }
}

/** Validates a mask (Uint8Array or Uint8ClampedArray data) against the size of the image it belongs to. */
export function checkMask(owner: string, arg: string, mask: Mask, width: number, height: number): void {
  if (mask === null || typeof mask !== 'object') throw checkError(owner, arg, 'a mask { width, height, data }', mask);
  if (mask.width !== width || mask.height !== height) {
    const size = `${describeValue(mask.width)}x${describeValue(mask.height)}`;
    throw new Error(`${owner}: ${arg} is ${size} but the image is ${width}x${height}.`);
  }
  if (
    !(mask.data instanceof Uint8Array || mask.data instanceof Uint8ClampedArray) ||
    mask.data.length !== width * height
  ) {
    const bytes = `a Uint8Array or Uint8ClampedArray of width * height = ${width * height} bytes`;
    throw checkError(owner, `${arg}.data`, bytes, mask.data);
  }
}

/** Validates a patch size (default 7; null is not a default): odd, 3..127, and no larger than any of the images. */
export function checkPatchSize(
  owner: string,
  p: unknown,
  ...images: Array<{ width: number; height: number; name: string }>
): number {
  if (p === undefined) p = 7;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 3 || p % 2 === 0) {
    throw checkError(owner, 'patchSize', 'an odd integer >= 3', p);
  }
  if (p > MAX_PATCH_SIZE) {
    throw checkError(owner, 'patchSize', `at most ${MAX_PATCH_SIZE} (patch distances stay within 32 bits)`, p);
  }
  for (const im of images) {
    if (p > im.width || p > im.height) {
      throw new Error(`${owner}: patchSize ${p} is larger than the ${im.name} (${im.width}x${im.height}).`);
    }
  }
  return p;
}

/** Throws an Error named 'AbortError' if the signal has fired. */
export function throwIfAborted(owner: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    const error = new Error(`${owner}: aborted.`);
    error.name = 'AbortError';
    (error as Error & { cause?: unknown }).cause = signal.reason;
    throw error;
  }
}

/** Throws when a call needs more working memory than the configured limit; `what` names the arguments that size it. */
export function checkMemory(owner: string, maxMemoryBytes: number, bytes: number, what = 'the images'): void {
  if (!(bytes <= maxMemoryBytes)) {
    const need = bytes < 2 ** 53 ? `about ${Math.ceil(bytes / 2 ** 20)} MiB` : 'more than 2^53 bytes';
    throw new Error(
      `${owner}: ${what} need ${need} of working memory, more than the configured limit of ${Math.floor(maxMemoryBytes / 2 ** 20)} MiB (createPatchMatch({ maxMemoryBytes })).`,
    );
  }
}

/**
 * For each patch position of a `width x height` mask (top-left corners, `(width - p + 1) x
 * (height - p + 1)`), 1 if the patch contains at least one masked pixel. Uses a summed-area
 * table, so the cost does not depend on p.
 */
export function patchesTouchingMask(mask: Mask, p: number): Uint8Array {
  const { width: w, height: h, data } = mask;
  const sat = new Int32Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += data[y * w + x] !== 0 ? 1 : 0;
      sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1]! + row;
    }
  }
  const fw = w - p + 1;
  const fh = h - p + 1;
  const out = new Uint8Array(fw * fh);
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const count =
        sat[(y + p) * (w + 1) + x + p]! -
        sat[y * (w + 1) + x + p]! -
        sat[(y + p) * (w + 1) + x]! +
        sat[y * (w + 1) + x]!;
      out[y * fw + x] = count > 0 ? 1 : 0;
    }
  }
  return out;
}
