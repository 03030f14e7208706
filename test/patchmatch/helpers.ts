import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { beforeAll, describe } from 'vitest';
import { createPatchMatch } from '../../src/patchmatch/index.js';
import type { Mask, Nnf, PatchMatch, PatchMatchBackend, RgbaImage } from '../../src/patchmatch/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/patchmatch');

/** The PatchMatch backends every test runs on. */
export const PM_BACKENDS: readonly PatchMatchBackend[] = ['wasm', 'js'];

/** Runs a describe block once per PatchMatch backend with a ready engine. */
export function describePatchMatch(
  name: string,
  body: (engine: () => PatchMatch, backend: PatchMatchBackend) => void,
): void {
  for (const backend of PM_BACKENDS) {
    describe(`${name} [${backend}]`, () => {
      let pm: PatchMatch | undefined;
      beforeAll(async () => {
        pm = await createPatchMatch({ backend });
        if (pm.backend !== backend) throw new Error(`asked for ${backend}, got ${pm.backend}`);
      });
      body(() => {
        if (pm === undefined) throw new Error('engine not ready');
        return pm;
      }, backend);
    });
  }
}

/**
 * Arbitraries for a random nnf case: patch size `p`, target and source sizes as offsets above it
 * (`tw`, `th`, `sw`, `sh`), the engine seed and the seed of the random images. Spread into a record.
 */
export const fieldCaseKeys = {
  p: fc.constantFrom(3, 5, 7),
  tw: fc.integer({ min: 0, max: 14 }),
  th: fc.integer({ min: 0, max: 14 }),
  sw: fc.integer({ min: 0, max: 16 }),
  sh: fc.integer({ min: 0, max: 16 }),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
  imageSeed: fc.integer({ min: 1, max: 1 << 30 }),
};

/** The target and source sizes of a case drawn from fieldCaseKeys. */
export function caseSizes(c: { p: number; tw: number; th: number; sw: number; sh: number }): {
  tw: number;
  th: number;
  sw: number;
  sh: number;
} {
  // Sizes are offsets above the patch size, so a target may be exactly one patch wide.
  return { tw: c.p + c.tw, th: c.p + c.th, sw: c.p + c.sw, sh: c.p + c.sh };
}

export function loadFixture(name: string): RgbaImage {
  const png = PNG.sync.read(readFileSync(join(fixtures, name)));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

export function crop(im: RgbaImage, x0: number, y0: number, w: number, h: number): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    data.set(im.data.subarray(4 * ((y0 + y) * im.width + x0), 4 * ((y0 + y) * im.width + x0 + w)), 4 * y * w);
  return { width: w, height: h, data };
}

/** Exact SSD over R, G, B of two patches (independent of the engine). */
export function ssd(t: RgbaImage, tx: number, ty: number, s: RgbaImage, sx: number, sy: number, p: number): number {
  let sum = 0;
  for (let dy = 0; dy < p; dy++) {
    for (let dx = 0; dx < p; dx++) {
      const a = 4 * ((ty + dy) * t.width + tx + dx);
      const b = 4 * ((sy + dy) * s.width + sx + dx);
      for (let c = 0; c < 3; c++) {
        const d = t.data[a + c]! - s.data[b + c]!;
        sum += d * d;
      }
    }
  }
  return sum;
}

/** True if the source patch at (x, y) contains a masked pixel. */
export function touchesMask(mask: Mask, x: number, y: number, p: number): boolean {
  for (let dy = 0; dy < p; dy++)
    for (let dx = 0; dx < p; dx++) if (mask.data[(y + dy) * mask.width + x + dx] !== 0) return true;
  return false;
}

/** Exact nearest-neighbour field distances by brute force. */
export function bruteForceDistances(t: RgbaImage, s: RgbaImage, p: number): Float64Array {
  const fw = t.width - p + 1;
  const fh = t.height - p + 1;
  const out = new Float64Array(fw * fh);
  for (let ty = 0; ty < fh; ty++) {
    for (let tx = 0; tx < fw; tx++) {
      let best = Infinity;
      for (let sy = 0; sy <= s.height - p; sy++) {
        for (let sx = 0; sx <= s.width - p; sx++) {
          const d = ssd(t, tx, ty, s, sx, sy, p);
          if (d < best) best = d;
        }
      }
      out[ty * fw + tx] = best;
    }
  }
  return out;
}

export function meanDistance(nnf: Nnf): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < nnf.distance.length; i++) {
    if (nnf.x[i]! >= 0) {
      sum += nnf.distance[i]!;
      n++;
    }
  }
  return sum / n;
}

/** Deterministic pseudo-random RGBA image (alpha random too, to check it is ignored). */
export function randomImage(w: number, h: number, seed: number): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width: w, height: h, data };
}

/**
 * Calls `work` over consecutive ranges covering 0..n whose lengths cycle through `cuts` (one range
 * 0..n when `cuts` is empty): ascending, or from the end down when `reverse`, as the scheduler
 * splits a pass.
 */
export function coverRanges(
  n: number,
  cuts: readonly number[],
  reverse: boolean,
  work: (start: number, end: number) => void,
): void {
  if (cuts.length === 0) {
    work(0, n);
    return;
  }
  for (let done = 0, k = 0; done < n; k++) {
    const size = Math.min(cuts[k % cuts.length]!, n - done);
    if (reverse) work(n - done - size, n - done);
    else work(done, done + size);
    done += size;
  }
}
