import type { Mask, RgbaImage } from './types.js';

/** Throws unless `value` is an integer >= `min`. `where` names the function, `what` the argument. */
export function checkInteger(where: string, what: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${where}: ${what} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Validates an RGBA image: positive integer size and `width * height * 4` bytes. */
export function checkImage(where: string, what: string, image: RgbaImage): void {
  if (image === null || typeof image !== 'object') {
    throw new Error(`${where}: ${what} must be an image { width, height, data }, got ${String(image)}`);
  }
  checkInteger(where, `${what}.width`, image.width, 1);
  checkInteger(where, `${what}.height`, image.height, 1);
  if (!(image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray)) {
    throw new Error(`${where}: ${what}.data must be a Uint8Array or Uint8ClampedArray of RGBA bytes`);
  }
  const expected = image.width * image.height * 4;
  if (image.data.length !== expected) {
    throw new Error(
      `${where}: ${what}.data has ${image.data.length} bytes, expected width * height * 4 = ${expected} (${image.width}x${image.height} RGBA)`,
    );
  }
}

/** Validates a mask against the size of the image it belongs to. */
export function checkMask(where: string, what: string, mask: Mask, width: number, height: number): void {
  if (mask === null || typeof mask !== 'object') {
    throw new Error(`${where}: ${what} must be a mask { width, height, data }, got ${String(mask)}`);
  }
  if (mask.width !== width || mask.height !== height) {
    throw new Error(`${where}: ${what} is ${String(mask.width)}x${String(mask.height)} but the image is ${width}x${height}`);
  }
  if (!(mask.data instanceof Uint8Array) || mask.data.length !== width * height) {
    throw new Error(`${where}: ${what}.data must be a Uint8Array of width * height = ${width * height} bytes`);
  }
}

/** Validates a patch size: odd, >= 3, and no larger than any of the images. */
export function checkPatchSize(where: string, p: unknown, ...images: Array<{ width: number; height: number; name: string }>): number {
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 3 || p % 2 === 0) {
    throw new Error(`${where}: patchSize must be an odd integer >= 3, got ${String(p)}`);
  }
  if (p > 127) {
    // Keeps every patch distance within 32 bits (127 * 127 * 3 * 255^2 < 2^32).
    throw new Error(`${where}: patchSize must be at most 127, got ${p}`);
  }
  for (const im of images) {
    if (p > im.width || p > im.height) {
      throw new Error(`${where}: patchSize ${p} is larger than the ${im.name} (${im.width}x${im.height})`);
    }
  }
  return p;
}

/** Throws an Error named 'AbortError' if the signal has fired. */
export function throwIfAborted(where: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const error = new Error(`${where}: aborted`);
    error.name = 'AbortError';
    (error as Error & { cause?: unknown }).cause = signal.reason;
    throw error;
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
        sat[(y + p) * (w + 1) + x + p]! - sat[y * (w + 1) + x + p]! - sat[(y + p) * (w + 1) + x]! + sat[y * (w + 1) + x]!;
      out[y * fw + x] = count > 0 ? 1 : 0;
    }
  }
  return out;
}
