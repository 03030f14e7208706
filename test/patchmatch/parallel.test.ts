import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParallelPatchMatch, createPatchMatch } from '../../src/patchmatch/index.js';
import type { Mask, ParallelPatchMatch, PatchMatch } from '../../src/patchmatch/index.js';
import { meanDistance, randomImage, ssd, touchesMask } from './helpers.js';

describe('createParallelPatchMatch', () => {
  let one: ParallelPatchMatch;
  let two: ParallelPatchMatch;
  let three: ParallelPatchMatch;
  let pm: PatchMatch;
  beforeAll(async () => {
    [one, two, three, pm] = await Promise.all([
      createParallelPatchMatch({ workers: 1 }),
      createParallelPatchMatch({ workers: 2 }),
      createParallelPatchMatch({ workers: 3 }),
      createPatchMatch({ backend: 'wasm' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([one?.terminate(), two?.terminate(), three?.terminate()]);
  });

  const target = randomImage(40, 33, 5);
  const source = randomImage(37, 29, 6);

  it('with one worker equals the single-threaded field exactly', async () => {
    for (const seed of [0, 1, 77]) {
      const a = await one.nnf(target, source, { patchSize: 5, iterations: 4, seed });
      const b = await pm.nnf(target, source, { patchSize: 5, iterations: 4, seed });
      expect(Array.from(a.x)).toEqual(Array.from(b.x));
      expect(Array.from(a.y)).toEqual(Array.from(b.y));
      expect(Array.from(a.distance)).toEqual(Array.from(b.distance));
    }
  });

  it('is deterministic for a seed and worker count, and differs between worker counts', async () => {
    const a = await two.nnf(target, source, { patchSize: 5, iterations: 3, seed: 9 });
    const b = await two.nnf(target, source, { patchSize: 5, iterations: 3, seed: 9 });
    const c = await three.nnf(target, source, { patchSize: 5, iterations: 3, seed: 9 });
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.distance)).toEqual(Array.from(b.distance));
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x));
  });

  it('keeps offsets in range, off masked source patches, exact distances, non-increasing mean', async () => {
    const cases = fc.sample(
      fc.record({
        p: fc.constantFrom(3, 5, 7),
        tw: fc.integer({ min: 0, max: 14 }),
        th: fc.integer({ min: 0, max: 14 }),
        sw: fc.integer({ min: 0, max: 16 }),
        sh: fc.integer({ min: 0, max: 16 }),
        seed: fc.integer({ min: 0, max: 0xffffffff }),
        imageSeed: fc.integer({ min: 1, max: 1 << 30 }),
        mask: fc.boolean(),
        iterations: fc.integer({ min: 0, max: 4 }),
      }),
      { numRuns: 30, seed: 7 },
    );
    for (const c of cases) {
      const tw = c.p + c.tw,
        th = c.p + c.th,
        sw = c.p + c.sw,
        sh = c.p + c.sh;
      const t = randomImage(tw, th, c.imageSeed);
      const s = randomImage(sw, sh, c.imageSeed + 1);
      let sourceMask: Mask | undefined;
      if (c.mask && sw > c.p) {
        // Mask the right-most column: the left patches stay usable.
        const data = new Uint8Array(sw * sh);
        for (let y = 0; y < sh; y++) data[y * sw + sw - 1] = 1;
        sourceMask = { width: sw, height: sh, data };
      }
      const means: number[] = [];
      const nnf = await three.nnf(t, s, {
        patchSize: c.p,
        iterations: c.iterations,
        seed: c.seed,
        sourceMask,
        onProgress: (e) => means.push(e.meanDistance),
      });
      expect(means.length).toBe(c.iterations + 1);
      for (let k = 1; k < means.length; k++) expect(means[k]!).toBeLessThanOrEqual(means[k - 1]!);
      expect(means[means.length - 1]).toBeCloseTo(meanDistance(nnf), 6);
      for (let i = 0; i < nnf.width * nnf.height; i++) {
        const x = nnf.x[i]!,
          y = nnf.y[i]!;
        expect(x >= 0 && x <= sw - c.p && y >= 0 && y <= sh - c.p).toBe(true);
        if (sourceMask) expect(touchesMask(sourceMask, x, y, c.p)).toBe(false);
        expect(nnf.distance[i]).toBe(ssd(t, i % nnf.width, Math.floor(i / nnf.width), s, x, y, c.p));
      }
    }
  });

  it('searches only target patches touching the target mask', async () => {
    const data = new Uint8Array(40 * 33);
    for (let y = 10; y < 20; y++) for (let x = 5; x < 15; x++) data[y * 40 + x] = 1;
    const targetMask = { width: 40, height: 33, data };
    const a = await two.nnf(target, source, { patchSize: 5, iterations: 2, seed: 3, targetMask });
    for (let i = 0; i < a.width * a.height; i++) {
      const inside = touchesMask(targetMask, i % a.width, Math.floor(i / a.width), 5);
      expect(a.x[i]! >= 0).toBe(inside);
    }
  });

  it('rejects bad arguments with clear errors', async () => {
    await expect(createParallelPatchMatch({ workers: 0 })).rejects.toThrow(/createParallelPatchMatch: workers/);
    await expect(two.nnf(target, source, { patchSize: 4 })).rejects.toThrow(/ParallelPatchMatch.nnf/);
  });
});
