// The feature-space search kernels (featureInitialise / featureIterate / featureCoherence in
// assembly/patchmatch.ts and js-feature-kernel.ts): bit-identical on both kernels, whole or in
// ranges, with distances equal to a plain f64 sum up to f32 rounding.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { runFeatureField } from '../../src/patchmatch/feature-field.js';
import { jsKernel } from '../../src/patchmatch/js-kernel.js';
import type { FeatureFieldJob, FeatureImage, Kernel } from '../../src/patchmatch/kernel.js';
import { createWasmKernel } from '../../src/patchmatch/wasm-kernel.js';
import { coverRanges } from './helpers.js';

function featureImage(width: number, height: number, channels: number, seed: number, scale: number): FeatureImage {
  const data = new Float32Array(width * height * channels);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32) * scale - scale / 3;
  }
  return { width, height, channels, data };
}

/** The feature distance in plain f64 (the kernels sum in f32 per row, so they agree to about 1e-6). */
function exactDistance(t: FeatureImage, tx: number, ty: number, s: FeatureImage, sx: number, sy: number, p: number) {
  let sum = 0;
  for (let dy = 0; dy < p; dy++)
    for (let dx = 0; dx < p; dx++)
      for (let c = 0; c < t.channels; c++) {
        const d =
          t.data[((ty + dy) * t.width + tx + dx) * t.channels + c]! -
          s.data[((sy + dy) * s.width + sx + dx) * s.channels + c]!;
        sum += d * d;
      }
  return sum;
}

const caseArb = fc.record({
  p: fc.constantFrom(3, 5, 7),
  channels: fc.integer({ min: 1, max: 6 }),
  tw: fc.integer({ min: 0, max: 12 }),
  th: fc.integer({ min: 0, max: 12 }),
  sw: fc.integer({ min: 0, max: 14 }),
  sh: fc.integer({ min: 0, max: 14 }),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
  imageSeed: fc.integer({ min: 1, max: 1 << 30 }),
  scale: fc.constantFrom(1, 255, 1e4),
  iterations: fc.integer({ min: 0, max: 3 }),
  factor: fc.constantFrom(1, 1.5, 3),
  masked: fc.boolean(),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function jobOf(c: Case): FeatureFieldJob {
  const target = featureImage(c.p + c.tw, c.p + c.th, c.channels, c.imageSeed, c.scale);
  const source = featureImage(c.p + c.sw, c.p + c.sh, c.channels, c.imageSeed + 7, c.scale);
  const sfw = c.sw + 1;
  const valid = new Uint8Array(sfw * (c.sh + 1)).fill(1);
  if (c.masked) for (let i = 1; i < valid.length; i += 3) valid[i] = 0;
  const validList = Int32Array.from(
    Array.from(valid.keys()).filter((i) => valid[i] !== 0),
    (i) => i,
  );
  const n = (c.tw + 1) * (c.th + 1);
  return {
    owner: 'test',
    target,
    source,
    patchSize: c.p,
    seed: c.seed,
    valid,
    validList,
    active: new Uint8Array(n).fill(1),
    initialX: null,
    initialY: null,
  };
}

/** Initialise, iterate and run the coherence step over ranges of the given lengths (one range when empty). */
function runWith(kernel: Kernel, job: FeatureFieldJob, iterations: number, factor: number, cuts: number[]) {
  const n = (job.target.width - job.patchSize + 1) * (job.target.height - job.patchSize + 1);
  const run = kernel.startFeatureField(job);
  const cover = (reverse: boolean, work: (a: number, b: number) => void) => coverRanges(n, cuts, reverse, work);
  try {
    cover(false, (a, b) => run.initialise(a, b));
    for (let it = 0; it < iterations; it++) cover((it & 1) === 1, (a, b) => run.iterate((it & 1) === 1, a, b));
    cover(false, (a, b) => run.coherence(factor, job.patchSize >> 1, a, b));
    return run.result();
  } finally {
    run.release();
  }
}

describe('feature-space search kernels', () => {
  let wasm: Kernel;
  beforeAll(async () => {
    wasm = await createWasmKernel();
  });

  it('give bit-identical fields on wasm and js, whole or in ranges, with f64-exact distances up to f32 rounding', () => {
    fc.assert(
      fc.property(caseArb, fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 4 }), (c, cuts) => {
        const job = jobOf(c);
        const a = runWith(wasm, job, c.iterations, c.factor, []);
        const b = runWith(jsKernel, job, c.iterations, c.factor, []);
        const sliced = runWith(jsKernel, job, c.iterations, c.factor, cuts);
        const slicedWasm = runWith(wasm, job, c.iterations, c.factor, cuts);
        expect(Array.from(a.x)).toEqual(Array.from(b.x));
        expect(Array.from(a.y)).toEqual(Array.from(b.y));
        expect(Array.from(a.distance)).toEqual(Array.from(b.distance));
        for (const r of [sliced, slicedWasm]) {
          expect(Array.from(r.x)).toEqual(Array.from(a.x));
          expect(Array.from(r.distance)).toEqual(Array.from(a.distance));
        }
        const fw = job.target.width - job.patchSize + 1;
        for (let i = 0; i < a.x.length; i++) {
          const x = a.x[i]!;
          const y = a.y[i]!;
          expect(job.valid[y * (job.source.width - job.patchSize + 1) + x]).toBe(1);
          const exact = exactDistance(job.target, i % fw, Math.floor(i / fw), job.source, x, y, job.patchSize);
          expect(Math.abs(a.distance[i]! - exact)).toBeLessThanOrEqual(1e-5 * exact + 1e-9);
        }
      }),
      { numRuns: 60, seed: 2026 },
    );
  });

  it('improves on the random start and finds exact copies (distance 0) through runFeatureField', async () => {
    const source = featureImage(30, 24, 4, 5, 255);
    // The target is a crop of the source: every patch has an exact copy.
    const target: FeatureImage = {
      width: 16,
      height: 12,
      channels: 4,
      data: new Float32Array(16 * 12 * 4),
    };
    for (let y = 0; y < 12; y++)
      target.data.set(source.data.subarray(((y + 6) * 30 + 9) * 4, ((y + 6) * 30 + 25) * 4), y * 16 * 4);
    for (const kernel of [wasm, jsKernel]) {
      const field = await runFeatureField(kernel, {
        owner: 'test',
        target,
        source,
        patchSize: 5,
        iterations: 5,
        seed: 1,
        signal: undefined,
      });
      let zero = 0;
      for (const d of field.distance) if (d === 0) zero++;
      expect(zero / field.distance.length).toBeGreaterThan(0.95);
    }
  });
});
