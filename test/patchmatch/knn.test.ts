// k-nearest-neighbour fields: nnf(..., { k }). Invariants on random images, bit-identical kernels
// (whole and sliced), recall against brute force on real photographs, and the argument checks.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareFieldJob } from '../../src/patchmatch/field-call.js';
import { createParallelPatchMatch, createPatchMatch } from '../../src/patchmatch/index.js';
import type { Mask, PatchMatch, RgbaImage } from '../../src/patchmatch/index.js';
import { jsKernel } from '../../src/patchmatch/js-kernel.js';
import { runFieldWhole } from '../../src/patchmatch/scheduler.js';
import { createWasmKernel } from '../../src/patchmatch/wasm-kernel.js';
import {
  caseSizes,
  coverRanges,
  crop,
  describePatchMatch,
  fieldCaseKeys,
  loadFixture,
  randomImage,
  ssd,
  touchesMask,
} from './helpers.js';

const caseArb = fc
  .record({
    ...fieldCaseKeys,
    k: fc.integer({ min: 2, max: 6 }),
    iterations: fc.integer({ min: 0, max: 3 }),
    masked: fc.boolean(),
  })
  .map((c) => {
    const { tw, th, sw, sh } = caseSizes(c);
    let sourceMask: Mask | undefined;
    if (c.masked) {
      // A masked column band on the right; the left patches stay usable.
      const data = new Uint8Array(sw * sh);
      for (let y = 0; y < sh; y++) for (let x = Math.floor((2 * sw) / 3); x < sw; x++) data[y * sw + x] = 1;
      sourceMask = { width: sw, height: sh, data };
    }
    const target = randomImage(tw, th, c.imageSeed);
    const source = randomImage(sw, sh, c.imageSeed + 1);
    return { ...c, target, source, sourceMask };
  });

/** Usable source patches of a case (k must not exceed them). */
function usable(source: RgbaImage, p: number, mask: Mask | undefined): number {
  let n = 0;
  for (let y = 0; y + p <= source.height; y++)
    for (let x = 0; x + p <= source.width; x++) if (mask === undefined || !touchesMask(mask, x, y, p)) n++;
  return n;
}

const kthCache = new Map<string, Float64Array>();

/** The exact k-th smallest patch distance of every target patch, by brute force (cached across backends). */
function kthDistances(target: RgbaImage, source: RgbaImage, p: number, k: number): Float64Array {
  const key = `${target.width}x${target.height}:${target.data[0]},${target.data[500]}:${source.width}:${p}:${k}`;
  const hit = kthCache.get(key);
  if (hit !== undefined) return hit;
  const fw = target.width - p + 1;
  const out = new Float64Array(fw * (target.height - p + 1));
  for (let i = 0; i < out.length; i++) {
    const all: number[] = [];
    for (let sy = 0; sy + p <= source.height; sy++)
      for (let sx = 0; sx + p <= source.width; sx++)
        all.push(ssd(target, i % fw, Math.floor(i / fw), source, sx, sy, p));
    all.sort((a, b) => a - b);
    out[i] = all[k - 1]!;
  }
  kthCache.set(key, out);
  return out;
}

describePatchMatch('PatchMatch.nnf with k', (pm) => {
  it('keeps k distinct usable neighbours per patch, nearest first, with exact distances', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const k = Math.min(c.k, usable(c.source, c.p, c.sourceMask));
        if (k < 2) return;
        const nnf = await pm().nnf(c.target, c.source, {
          patchSize: c.p,
          iterations: c.iterations,
          seed: c.seed,
          sourceMask: c.sourceMask,
          k,
        });
        expect(nnf.k).toBe(k);
        expect(nnf.x.length).toBe(nnf.width * nnf.height * k);
        for (let i = 0; i < nnf.width * nnf.height; i++) {
          const seen = new Set<number>();
          for (let m = 0; m < k; m++) {
            const j = i * k + m;
            const x = nnf.x[j]!;
            const y = nnf.y[j]!;
            expect(x >= 0 && x <= c.source.width - c.p && y >= 0 && y <= c.source.height - c.p).toBe(true);
            if (c.sourceMask) expect(touchesMask(c.sourceMask, x, y, c.p)).toBe(false);
            seen.add(y * c.source.width + x);
            const d = ssd(c.target, i % nnf.width, Math.floor(i / nnf.width), c.source, x, y, c.p);
            expect(nnf.distance[j]).toBe(d);
            if (m > 0) expect(nnf.distance[j]!).toBeGreaterThanOrEqual(nnf.distance[j - 1]!);
          }
          expect(seen.size).toBe(k);
        }
      }),
      { numRuns: 25, seed: 11 },
    );
  });

  it('finds at least 90% of the exact 5 nearest neighbours on real photographs after the default iterations', async () => {
    const cat = loadFixture('chelsea-112x75.png');
    const coffee = loadFixture('coffee-150x100.png');
    const pairs: Array<[RgbaImage, RgbaImage, number]> = [
      // A cat crop against a coffee crop (no copies), and against another part of the cat photograph.
      [crop(cat, 30, 20, 32, 24), crop(coffee, 20, 10, 56, 48), 0.95],
      [crop(cat, 10, 10, 32, 24), crop(cat, 40, 30, 56, 40), 0.91],
    ];
    const p = 7;
    const k = 5;
    for (const [target, source, expected] of pairs) {
      const nnf = await pm().nnf(target, source, { patchSize: p, k, seed: 3 });
      const kth = kthDistances(target, source, p, k);
      let hits = 0;
      // Ties at the k-th distance count as hits: any of them is a true k-th neighbour.
      for (let i = 0; i < nnf.width * nnf.height; i++)
        for (let m = 0; m < k; m++) if (nnf.distance[i * k + m]! <= kth[i]!) hits++;
      const recall = hits / (nnf.width * nnf.height * k);
      // Measured: 0.9585 and 0.9201 (seed 3).
      expect(recall).toBeGreaterThanOrEqual(0.9);
      expect(recall).toBeGreaterThan(expected - 0.05);
    }
  });

  it('reports progress over every neighbour and stops on its signal', async () => {
    const t = randomImage(30, 24, 1);
    const s = randomImage(36, 30, 2);
    const means: number[] = [];
    await pm().nnf(t, s, { k: 3, iterations: 3, onProgress: (q) => means.push(q.meanDistance) });
    expect(means).toHaveLength(4);
    for (let i = 1; i < means.length; i++) expect(means[i]!).toBeLessThanOrEqual(means[i - 1]!);
    const controller = new AbortController();
    controller.abort();
    await expect(pm().nnf(t, s, { k: 3, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects bad k, initial fields with k > 1, and k-NN fields in vote', async () => {
    const t = randomImage(12, 12, 1);
    const s = randomImage(10, 9, 2);
    const owner = 'PatchMatch.nnf';
    for (const k of [0, -1, 1.5, Number.NaN, '3', null, 65]) {
      await expect(pm().nnf(t, s, { patchSize: 3, k: k as number })).rejects.toThrow(
        new RegExp(`^${owner}: k must be an integer >= 1|^${owner}: k must be at most 64`),
      );
    }
    // 8 x 7 = 56 source patch positions.
    await expect(pm().nnf(t, s, { patchSize: 3, k: 57 })).rejects.toThrow(
      `${owner}: k must be at most the 56 source patch positions of a 10x9 source with patchSize 3, got 57.`,
    );
    const data = new Uint8Array(10 * 9).fill(1);
    data[0] = 0;
    const sourceMask = { width: 10, height: 9, data: data.fill(0, 0, 30) }; // rows 0-2 clear: 8 patches
    await expect(pm().nnf(t, s, { patchSize: 3, k: 9, sourceMask })).rejects.toThrow(
      `${owner}: k must be at most the 8 source patches clear of sourceMask, got 9.`,
    );
    const all = { width: 10, height: 9, data: new Uint8Array(90).fill(1) };
    await expect(pm().nnf(t, s, { patchSize: 3, k: 2, sourceMask: all })).rejects.toThrow(/every 3x3 source patch/);
    const one = await pm().nnf(t, s, { patchSize: 3 });
    await expect(pm().nnf(t, s, { patchSize: 3, k: 2, initial: one })).rejects.toThrow(
      `${owner}: initial is not taken with k > 1 (a k-nearest-neighbour field starts at random).`,
    );
    const knn = await pm().nnf(t, s, { patchSize: 3, k: 2 });
    expect(() => pm().vote(knn, s)).toThrow(
      'PatchMatch.vote: nnf.k must be undefined or 1 (vote takes one neighbour per patch), got 2.',
    );
    // k = 1 is the plain field, without a k property.
    const plain = await pm().nnf(t, s, { patchSize: 3, k: 1 });
    expect(plain.k).toBeUndefined();
    expect(plain.x).toEqual(one.x);
  });
});

describe('k-NN kernels', () => {
  let wasm: PatchMatch;
  let js: PatchMatch;
  beforeAll(async () => {
    wasm = await createPatchMatch({ backend: 'wasm' });
    js = await createPatchMatch({ backend: 'js' });
    expect(wasm.backend).toBe('wasm');
  });

  it('give bit-identical k-NN fields on wasm and js', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const k = Math.min(c.k, usable(c.source, c.p, c.sourceMask));
        if (k < 2) return;
        const options = { patchSize: c.p, iterations: c.iterations, seed: c.seed, sourceMask: c.sourceMask, k };
        const a = await wasm.nnf(c.target, c.source, options);
        const b = await js.nnf(c.target, c.source, options);
        expect(a.x).toEqual(b.x);
        expect(a.y).toEqual(b.y);
        expect(a.distance).toEqual(b.distance);
      }),
      { numRuns: 40, seed: 99 },
    );
  });

  it('give the same field whether a pass runs whole or in ranges', async () => {
    const kernels = [jsKernel, await createWasmKernel()];
    const target = randomImage(23, 17, 5);
    const source = randomImage(26, 21, 6);
    const { job } = prepareFieldJob('test', target, source, { patchSize: 5, k: 4, iterations: 3, seed: 9 }, 2 ** 30);
    const n = 19 * 13;
    for (const kernel of kernels) {
      const whole = runFieldWhole(kernel, job);
      const run = kernel.startField(job);
      try {
        const cuts = [7, 1, 30, 13];
        const cover = (reverse: boolean, work: (a: number, b: number) => void) => coverRanges(n, cuts, reverse, work);
        cover(false, (a, b) => run.initialise(a, b));
        for (let it = 0; it < 3; it++) cover((it & 1) === 1, (a, b) => run.iterate((it & 1) === 1, a, b));
        const sliced = run.result();
        expect(Array.from(sliced.x)).toEqual(Array.from(whole.x));
        expect(Array.from(sliced.distance)).toEqual(Array.from(whole.distance));
      } finally {
        run.release();
      }
    }
  });

  it('run in the worker threads: one worker equals the single-threaded k-NN field, two give a valid, repeatable one', async () => {
    const target = crop(loadFixture('chelsea-112x75.png'), 10, 10, 40, 36);
    const source = crop(loadFixture('coffee-150x100.png'), 20, 10, 48, 40);
    const options = { patchSize: 5, k: 4, iterations: 3, seed: 7 };
    const single = await wasm.nnf(target, source, options);
    const one = await createParallelPatchMatch({ workers: 1 });
    const two = await createParallelPatchMatch({ workers: 2 });
    try {
      const a = await one.nnf(target, source, options);
      expect(a.k).toBe(4);
      expect(a.x).toEqual(single.x);
      expect(a.y).toEqual(single.y);
      expect(a.distance).toEqual(single.distance);
      const b = await two.nnf(target, source, options);
      const c = await two.nnf(target, source, options);
      expect(c.x).toEqual(b.x);
      expect(c.distance).toEqual(b.distance);
      const k = 4;
      for (let i = 0; i < b.width * b.height; i++) {
        const seen = new Set<number>();
        for (let m = 0; m < k; m++) {
          const j = i * k + m;
          seen.add(b.y[j]! * source.width + b.x[j]!);
          expect(b.distance[j]).toBe(ssd(target, i % b.width, Math.floor(i / b.width), source, b.x[j]!, b.y[j]!, 5));
          if (m > 0) expect(b.distance[j]!).toBeGreaterThanOrEqual(b.distance[j - 1]!);
        }
        expect(seen.size).toBe(k);
      }
      const mean = (f: typeof b) => f.distance.reduce((s, d) => s + d, 0) / f.distance.length;
      expect(mean(b)).toBeLessThan(mean(single) * 1.05);
    } finally {
      await one.terminate();
      await two.terminate();
    }
  });
});
