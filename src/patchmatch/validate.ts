import type { Mask, RgbaImage } from './types.js';

// Argument checks shared by every PatchMatch function. Every message names the owner function
// (`where`) and the argument, and ends with a period. Values are described by type and, for
// numbers and short strings, by value: a message never grows with its input.

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
/** The PRNG state is 32 bits: seeds are integers 0..2^32 - 1, never wrapped. */
export const MAX_SEED = 0xffffffff;
/** Default working-memory limit of one call. */
export const DEFAULT_MAX_MEMORY = 1024 * 1024 * 1024;
/** The smallest memory limit accepted (the module's first page and small buffers). */
export const MIN_MAX_MEMORY = 1 << 20;
/** The WebAssembly 32-bit limit (65536 pages) minus one page: the most one call can address. */
export const WASM_MEMORY_LIMIT = 65535 * 65536;
/**
 * Worker threads of createParallelPatchMatch. Each worker holds its own copy of both images and
 * of the field, so memory grows with the count; 64 is past the core count where bands pay off.
 */
export const MAX_WORKERS = 64;

// ---- Helpers ---------------------------------------------------------------------------------

/** A short description of any value for an error message (never longer than about 40 characters). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'string':
      return value.length <= 24 ? JSON.stringify(value) : `a string of ${value.length} characters`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return Array.isArray(value) ? `an array of ${value.length} items` : 'an object';
  }
}

/** `options` itself: undefined means {}; anything else must be a plain object (not null, not an array). */
export function checkOptions<T extends object>(where: string, options: T | undefined, name = 'options'): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${where}: ${name} must be an object or undefined, got ${describe(options)}.`);
  }
  return options;
}

/** Throws unless `value` is an integer in [min, max]. `where` names the function, `what` the argument. */
export function checkInteger(
  where: string,
  what: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${where}: ${what} must be an integer >= ${min}, got ${describe(value)}.`);
  }
  if (value > max) throw new Error(`${where}: ${what} must be at most ${max}, got ${value}.`);
  return value;
}

/** An optional integer option: `undefined` gives the default; null and everything else is checked. */
export function optionalInteger(
  where: string,
  what: string,
  value: unknown,
  fallback: number,
  min: number,
  max?: number,
): number {
  return value === undefined ? fallback : checkInteger(where, what, value, min, max);
}

/** The one seed rule: an integer 0..2^32 - 1 (default 1). */
export function checkSeed(where: string, value: unknown, what = 'seed'): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SEED) {
    throw new Error(`${where}: ${what} must be an integer from 0 to 2^32 - 1, got ${describe(value)}.`);
  }
  return value;
}

/** An optional callback: undefined or a function. */
export function checkCallback<F>(where: string, what: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new Error(`${where}: ${what} must be a function or undefined, got ${describe(value)}.`);
  }
  return value;
}

/** An optional AbortSignal (anything with a boolean `aborted`, so signals from other realms work). */
export function checkSignal(where: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || typeof (value as { aborted?: unknown }).aborted !== 'boolean') {
    throw new Error(`${where}: signal must be an AbortSignal or undefined, got ${describe(value)}.`);
  }
  return value as AbortSignal;
}

/** maxMemoryBytes: an integer from 1 MiB to the WebAssembly 32-bit limit (default 1 GiB). */
export function checkMaxMemory(where: string, value: unknown): number {
  const bytes = optionalInteger(where, 'maxMemoryBytes', value, DEFAULT_MAX_MEMORY, MIN_MAX_MEMORY);
  if (bytes > WASM_MEMORY_LIMIT) {
    throw new Error(
      `${where}: maxMemoryBytes must be at most ${WASM_MEMORY_LIMIT} (4 GiB - 64 KiB, the WebAssembly 32-bit limit), got ${bytes}.`,
    );
  }
  return bytes;
}

/** Validates an RGBA image: positive integer size and `width * height * 4` bytes. */
export function checkImage(where: string, what: string, image: RgbaImage): void {
  if (image === null || typeof image !== 'object') {
    throw new Error(`${where}: ${what} must be an image { width, height, data }, got ${describe(image)}.`);
  }
  checkInteger(where, `${what}.width`, image.width, 1);
  checkInteger(where, `${what}.height`, image.height, 1);
  if (!(image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray)) {
    throw new Error(
      `${where}: ${what}.data must be a Uint8Array or Uint8ClampedArray of RGBA bytes, got ${describe(image.data)}.`,
    );
  }
  const expected = image.width * image.height * 4;
  if (image.data.length !== expected) {
    throw new Error(
      `${where}: ${what}.data has ${image.data.length} bytes, expected width * height * 4 = ${expected} (${image.width}x${image.height} RGBA).`,
    );
  }
}

/** Validates a mask (Uint8Array or Uint8ClampedArray data) against the size of the image it belongs to. */
export function checkMask(where: string, what: string, mask: Mask, width: number, height: number): void {
  if (mask === null || typeof mask !== 'object') {
    throw new Error(`${where}: ${what} must be a mask { width, height, data }, got ${describe(mask)}.`);
  }
  if (mask.width !== width || mask.height !== height) {
    throw new Error(
      `${where}: ${what} is ${describe(mask.width)}x${describe(mask.height)} but the image is ${width}x${height}.`,
    );
  }
  if (
    !(mask.data instanceof Uint8Array || mask.data instanceof Uint8ClampedArray) ||
    mask.data.length !== width * height
  ) {
    throw new Error(
      `${where}: ${what}.data must be a Uint8Array or Uint8ClampedArray of width * height = ${width * height} bytes.`,
    );
  }
}

/** Validates a patch size (default 7; null is not a default): odd, 3..127, and no larger than any of the images. */
export function checkPatchSize(
  where: string,
  p: unknown,
  ...images: Array<{ width: number; height: number; name: string }>
): number {
  if (p === undefined) p = 7;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 3 || p % 2 === 0) {
    throw new Error(`${where}: patchSize must be an odd integer >= 3, got ${describe(p)}.`);
  }
  if (p > MAX_PATCH_SIZE) {
    throw new Error(
      `${where}: patchSize must be at most ${MAX_PATCH_SIZE} (patch distances stay within 32 bits), got ${p}.`,
    );
  }
  for (const im of images) {
    if (p > im.width || p > im.height) {
      throw new Error(`${where}: patchSize ${p} is larger than the ${im.name} (${im.width}x${im.height}).`);
    }
  }
  return p;
}

/** Throws an Error named 'AbortError' if the signal has fired. */
export function throwIfAborted(where: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    const error = new Error(`${where}: aborted.`);
    error.name = 'AbortError';
    (error as Error & { cause?: unknown }).cause = signal.reason;
    throw error;
  }
}

/** Throws when a call needs more working memory than the configured limit; `what` names the arguments that size it. */
export function checkMemory(where: string, maxMemoryBytes: number, bytes: number, what = 'the images'): void {
  if (!(bytes <= maxMemoryBytes)) {
    const need = bytes < 2 ** 53 ? `about ${Math.ceil(bytes / 2 ** 20)} MiB` : 'more than 2^53 bytes';
    throw new Error(
      `${where}: ${what} need ${need} of working memory, more than the configured limit of ${Math.floor(maxMemoryBytes / 2 ** 20)} MiB (createPatchMatch({ maxMemoryBytes })).`,
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
