// The Image Melding search kernels (meldInitialise / meldIterate, gain and bias per patch): the
// WebAssembly SIMD kernel and the TypeScript one give bit-identical fields, every distance is the
// melding distance of its pair, and without a gain or bias range the distance is the plain SSD.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareFieldJob } from '../../src/patchmatch/field-call.js';
import { jsKernel } from '../../src/patchmatch/js-kernel.js';
import type { FieldJob, Kernel, MeldParams } from '../../src/patchmatch/kernel.js';
import { runFieldWhole } from '../../src/patchmatch/scheduler.js';
import type { RgbaImage } from '../../src/patchmatch/types.js';
import { createWasmKernel } from '../../src/patchmatch/wasm-kernel.js';
import { randomImage, ssd } from './helpers.js';

/** The melding distance written from its definition (docs/patchmatch.md): sums, then the clamped gain and bias per channel. */
function referenceDistance(
  m: MeldParams,
  t: RgbaImage,
  tx: number,
  ty: number,
  s: RgbaImage,
  sx: number,
  sy: number,
  p: number,
): number {
  const n = p * p;
  let total = 0;
  for (let c = 0; c < 3; c++) {
    let st = 0,
      ss = 0,
      sts = 0,
      sss = 0,
      sst = 0;
    for (let dy = 0; dy < p; dy++) {
      for (let dx = 0; dx < p; dx++) {
        const a = t.data[4 * ((ty + dy) * t.width + tx + dx) + c]!;
        const b = s.data[4 * ((sy + dy) * s.width + sx + dx) + c]!;
        st += a;
        ss += b;
        sts += a * a;
        sss += b * b;
        sst += a * b;
      }
    }
    const ms = ss / n;
    const mt = st / n;
    const vs = Math.max(sss / n - ms * ms, 0);
    const vt = Math.max(sts / n - mt * mt, 0);
    const g = Math.min(Math.max(Math.sqrt((vt + 1) / (vs + 1)), m.gainMin), m.gainMax);
    const b = Math.min(Math.max(mt - g * ms, m.biasMin), m.biasMax);
    total += g * g * sss + 2 * g * b * ss + n * b * b - 2 * g * sst - 2 * b * st + sts;
  }
  return total > 0 ? Math.min(Math.floor(total + 0.5), 4294967294) : 0;
}

const PLAIN: MeldParams = { gainMin: 1, gainMax: 1, biasMin: 0, biasMax: 0 };

describe('melding search kernels', () => {
  let kernels: Kernel[];
  beforeAll(async () => {
    kernels = [await createWasmKernel(), jsKernel];
  });

  const meldJob = (t: RgbaImage, s: RgbaImage, p: number, seed: number, iterations: number, meld: MeldParams) => {
    const { job } = prepareFieldJob('test', t, s, { patchSize: p, iterations, seed }, 2 ** 30);
    return { ...job, meld } satisfies FieldJob;
  };

  it('give bit-identical fields on wasm and js, with exact melding distances', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(3, 5, 7),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.record({
          gainMin: fc.double({ min: 0.25, max: 1, noNaN: true }),
          gainSpan: fc.double({ min: 0, max: 3, noNaN: true }),
          biasMin: fc.integer({ min: -80, max: 0 }),
          biasSpan: fc.integer({ min: 0, max: 160 }),
        }),
        async (p, dw, dh, seed, r) => {
          const meld = {
            gainMin: r.gainMin,
            gainMax: r.gainMin + r.gainSpan,
            biasMin: r.biasMin,
            biasMax: r.biasMin + r.biasSpan,
          };
          const t = randomImage(p + dw, p + dh, seed | 1);
          const s = randomImage(p + dh + 3, p + dw + 2, (seed >>> 1) | 1);
          const job = meldJob(t, s, p, seed, 3, meld);
          const [a, b] = kernels.map((k) => runFieldWhole(k, job));
          expect(Array.from(a!.x)).toEqual(Array.from(b!.x));
          expect(Array.from(a!.y)).toEqual(Array.from(b!.y));
          expect(Array.from(a!.distance)).toEqual(Array.from(b!.distance));
          const fw = t.width - p + 1;
          for (let i = 0; i < a!.x.length; i++) {
            const d = referenceDistance(meld, t, i % fw, Math.floor(i / fw), s, a!.x[i]!, a!.y[i]!, p);
            expect(a!.distance[i]).toBe(d);
          }
        },
      ),
      { numRuns: 30, seed: 12 },
    );
  });

  it('with gain 1 and bias 0 the distance is the plain sum of squared differences', () => {
    const t = randomImage(20, 18, 3);
    const s = randomImage(24, 22, 4);
    for (const kernel of kernels) {
      const f = runFieldWhole(kernel, meldJob(t, s, 5, 9, 2, PLAIN));
      for (let i = 0; i < f.x.length; i++) {
        expect(f.distance[i]).toBe(ssd(t, i % 16, Math.floor(i / 16), s, f.x[i]!, f.y[i]!, 5));
      }
    }
  });

  it('find an exposure-shifted copy: the gain and bias remove the difference', () => {
    // The target is the source at 60% brightness plus 30: without gain and bias no patch matches well.
    const s = randomImage(24, 24, 7);
    const t: RgbaImage = {
      width: 24,
      height: 24,
      data: Uint8Array.from(s.data, (v, i) => (i % 4 === 3 ? 255 : Math.round(0.6 * v + 30))),
    };
    const wide: MeldParams = { gainMin: 0.5, gainMax: 2, biasMin: -60, biasMax: 60 };
    for (const kernel of kernels) {
      const plain = runFieldWhole(kernel, meldJob(t, s, 5, 1, 5, PLAIN));
      const melded = runFieldWhole(kernel, meldJob(t, s, 5, 1, 5, wide));
      const mean = (d: Uint32Array) => d.reduce((x, y) => x + y, 0) / d.length;
      // Per value: rounding of 0.6 v + 30 leaves at most 0.25 squared error on average.
      expect(mean(melded.distance) / (3 * 25)).toBeLessThan(1);
      expect(mean(plain.distance) / (3 * 25)).toBeGreaterThan(100);
    }
  });
});
