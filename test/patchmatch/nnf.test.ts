import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPatchMatch } from '../../src/patchmatch/index.js';
import type { Mask, PatchMatch } from '../../src/patchmatch/index.js';
import {
  bruteForceDistances,
  crop,
  describePatchMatch,
  loadFixture,
  meanDistance,
  randomImage,
  ssd,
  touchesMask,
} from './helpers.js';

/** Random case: target and source sizes, patch size, seed, optional source mask. */
const caseArb = fc
  .record({
    p: fc.constantFrom(3, 5, 7),
    tw: fc.integer({ min: 0, max: 14 }),
    th: fc.integer({ min: 0, max: 14 }),
    sw: fc.integer({ min: 0, max: 16 }),
    sh: fc.integer({ min: 0, max: 16 }),
    seed: fc.integer({ min: 0, max: 0xffffffff }),
    imageSeed: fc.integer({ min: 1, max: 1 << 30 }),
    maskRect: fc.option(fc.tuple(fc.nat(20), fc.nat(20), fc.nat(6), fc.nat(6)), { nil: undefined }),
    iterations: fc.integer({ min: 0, max: 4 }),
  })
  .map((c) => {
    // Sizes are offsets above the patch size, so a target may be exactly one patch wide.
    const tw = c.p + c.tw,
      th = c.p + c.th,
      sw = c.p + c.sw,
      sh = c.p + c.sh;
    let sourceMask: Mask | undefined;
    if (c.maskRect !== undefined) {
      const [mx, my, mw, mh] = c.maskRect;
      const data = new Uint8Array(sw * sh);
      for (let y = my; y < Math.min(sh, my + mh); y++)
        for (let x = mx; x < Math.min(sw, mx + mw); x++) data[y * sw + x] = 1;
      // Keep the source usable: the top-left patch stays unmasked.
      let usable = false;
      for (let y = 0; y + c.p <= sh && !usable; y++)
        for (let x = 0; x + c.p <= sw && !usable; x++)
          usable = !touchesMask({ width: sw, height: sh, data }, x, y, c.p);
      if (usable) sourceMask = { width: sw, height: sh, data };
    }
    return {
      ...c,
      target: randomImage(tw, th, c.imageSeed),
      source: randomImage(sw, sh, c.imageSeed + 1),
      sourceMask,
    };
  });

// Brute force is the slow part of the quality test: compute it once for both backends.
let exactField: Float64Array | undefined;

describePatchMatch('PatchMatch.nnf', (pm) => {
  it('keeps offsets in range, off masked source patches, with exact distances', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const nnf = await pm().nnf(c.target, c.source, {
          patchSize: c.p,
          iterations: c.iterations,
          seed: c.seed,
          sourceMask: c.sourceMask,
        });
        expect(nnf.width).toBe(c.target.width - c.p + 1);
        expect(nnf.height).toBe(c.target.height - c.p + 1);
        for (let i = 0; i < nnf.width * nnf.height; i++) {
          const x = nnf.x[i]!,
            y = nnf.y[i]!;
          expect(x >= 0 && x <= c.source.width - c.p && y >= 0 && y <= c.source.height - c.p).toBe(true);
          if (c.sourceMask) expect(touchesMask(c.sourceMask, x, y, c.p)).toBe(false);
          expect(nnf.distance[i]).toBe(ssd(c.target, i % nnf.width, Math.floor(i / nnf.width), c.source, x, y, c.p));
        }
      }),
      { numRuns: 40, seed: 42 },
    );
  });

  it('never increases the mean distance between iterations', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const means: number[] = [];
        await pm().nnf(c.target, c.source, {
          patchSize: c.p,
          iterations: 5,
          seed: c.seed,
          sourceMask: c.sourceMask,
          onProgress: (info) => means.push(info.meanDistance),
        });
        expect(means).toHaveLength(6);
        for (let k = 1; k < means.length; k++) expect(means[k]!).toBeLessThanOrEqual(means[k - 1]!);
      }),
      { numRuns: 30, seed: 7 },
    );
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const t = randomImage(30, 20, 3);
    const s = randomImage(40, 30, 4);
    const a = await pm().nnf(t, s, { seed: 5 });
    const b = await pm().nnf(t, s, { seed: 5 });
    const c = await pm().nnf(t, s, { seed: 6, iterations: 0 });
    expect(b.x).toEqual(a.x);
    expect(b.y).toEqual(a.y);
    expect(b.distance).toEqual(a.distance);
    expect(c.x).not.toEqual(a.x);
  });

  it('ignores alpha', async () => {
    const t = randomImage(20, 20, 1);
    const s = randomImage(24, 22, 2);
    const t2 = { ...t, data: Uint8ClampedArray.from(t.data, (v, i) => (i % 4 === 3 ? 255 - v : v)) };
    expect((await pm().nnf(t2, s, { seed: 3 })).distance).toEqual((await pm().nnf(t, s, { seed: 3 })).distance);
  });

  it('finds an exact copy: a crop of the source matches with distance 0', async () => {
    const source = loadFixture('coffee-150x100.png');
    const target = crop(source, 40, 30, 48, 36);
    const nnf = await pm().nnf(target, source, { patchSize: 7, iterations: 5, seed: 1 });
    let exact = 0;
    for (let i = 0; i < nnf.distance.length; i++) if (nnf.distance[i] === 0) exact++;
    // Propagation spreads one lucky exact hit across the whole crop.
    expect(exact / nnf.distance.length).toBeGreaterThan(0.99);
  });

  it('comes within 7% of the exact nearest-neighbour field on real photographs', async () => {
    // The target is cut from one photograph, the source from another (no exact copies exist).
    const target = crop(loadFixture('chelsea-112x75.png'), 30, 20, 40, 32);
    const source = crop(loadFixture('coffee-150x100.png'), 50, 30, 56, 48);
    const p = 7;
    exactField ??= bruteForceDistances(target, source, p);
    const exact = exactField;
    const exactMean = exact.reduce((a, b) => a + b, 0) / exact.length;
    const nnf = await pm().nnf(target, source, { patchSize: p, iterations: 5, seed: 1 });
    for (let i = 0; i < exact.length; i++) expect(nnf.distance[i]!).toBeGreaterThanOrEqual(exact[i]!);
    const ratio = meanDistance(nnf) / exactMean;
    expect(ratio).toBeGreaterThanOrEqual(1);
    expect(ratio).toBeLessThan(1.07);
  });

  it('searches only patches touching the target mask', async () => {
    const t = randomImage(20, 16, 8);
    const s = randomImage(20, 16, 9);
    const data = new Uint8Array(20 * 16);
    data[8 * 20 + 10] = 1;
    const nnf = await pm().nnf(t, s, { patchSize: 3, seed: 2, targetMask: { width: 20, height: 16, data } });
    for (let y = 0; y < nnf.height; y++) {
      for (let x = 0; x < nnf.width; x++) {
        const i = y * nnf.width + x;
        const searched = x >= 8 && x <= 10 && y >= 6 && y <= 8;
        expect(nnf.x[i]! >= 0).toBe(searched);
        if (!searched) expect(nnf.distance[i]).toBe(0xffffffff);
      }
    }
  });

  it('starts from an initial field', async () => {
    const source = loadFixture('coffee-150x100.png');
    const target = crop(source, 20, 20, 30, 30);
    const n = 24 * 24;
    const x = new Int32Array(n),
      y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = 20 + (i % 24);
      y[i] = 20 + Math.floor(i / 24);
    }
    const initial = { width: 24, height: 24, patchSize: 7, x, y, distance: new Uint32Array(n) };
    const nnf = await pm().nnf(target, source, { iterations: 0, initial });
    expect(nnf.x).toEqual(x);
    expect(Math.max(...nnf.distance)).toBe(0);
  });
});

describe('PatchMatch wasm and js backends', () => {
  let wasm: PatchMatch;
  let js: PatchMatch;
  beforeAll(async () => {
    wasm = await createPatchMatch({ backend: 'wasm' });
    js = await createPatchMatch({ backend: 'js' });
    expect(wasm.backend).toBe('wasm');
  });

  it('give bit-identical fields and votes', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const options = { patchSize: c.p, iterations: c.iterations, seed: c.seed, sourceMask: c.sourceMask };
        const a = await wasm.nnf(c.target, c.source, options);
        const b = await js.nnf(c.target, c.source, options);
        expect(a.x).toEqual(b.x);
        expect(a.y).toEqual(b.y);
        expect(a.distance).toEqual(b.distance);
        const weights = Array.from(a.distance, (d) => 1 / (1 + d));
        expect(wasm.vote(a, c.source, { weights }).data).toEqual(js.vote(b, c.source, { weights }).data);
      }),
      { numRuns: 60, seed: 1234 },
    );
  });
});
