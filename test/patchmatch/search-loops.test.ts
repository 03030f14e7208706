// The search loops every distance shares (searchInitialise / searchIterate in
// assembly/patchmatch.ts, initialiseField / iterateField in js-search.ts): for the plain, melding
// and feature distances, with an initial field (usable, out-of-range and masked starts),
// unsearched entries and a masked source, both kernels give bit-identical fields, whole or in
// ranges, and every searched entry holds a usable match at its exact distance.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsKernel } from '../../src/patchmatch/js-kernel.js';
import type { FeatureImage, FieldJob, Kernel } from '../../src/patchmatch/kernel.js';
import type { RgbaImage } from '../../src/patchmatch/types.js';
import { createWasmKernel } from '../../src/patchmatch/wasm-kernel.js';
import { coverRanges, randomImage, ssd } from './helpers.js';

type Kind = 'plain' | 'meld' | 'feature';

interface Case {
  kind: Kind;
  p: number;
  tw: number;
  th: number;
  sw: number;
  sh: number;
  seed: number;
  imageSeed: number;
  iterations: number;
  cuts: number[];
}

const caseArb = fc.record({
  kind: fc.constantFrom<Kind>('plain', 'meld', 'feature'),
  p: fc.constantFrom(3, 5),
  tw: fc.integer({ min: 0, max: 9 }),
  th: fc.integer({ min: 0, max: 9 }),
  sw: fc.integer({ min: 1, max: 10 }),
  sh: fc.integer({ min: 1, max: 10 }),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
  imageSeed: fc.integer({ min: 1, max: 1 << 30 }),
  iterations: fc.integer({ min: 0, max: 3 }),
  cuts: fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 4 }),
});

function features(im: RgbaImage, channels: number): FeatureImage {
  const n = im.width * im.height;
  const data = new Float32Array(n * channels);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < channels; c++) data[i * channels + c] = im.data[4 * i + (c % 3)]! / 7 - c;
  return { width: im.width, height: im.height, channels, data };
}

/** The maps, initial field and images of a case (every third source patch masked, every fifth target patch unsearched). */
function jobOf(c: Case) {
  const target = randomImage(c.p + c.tw, c.p + c.th, c.imageSeed);
  const source = randomImage(c.p + c.sw, c.p + c.sh, c.imageSeed + 1);
  const sfw = c.sw + 1;
  const sfh = c.sh + 1;
  const valid = Uint8Array.from({ length: sfw * sfh }, (_, i) => (i % 3 === 1 ? 0 : 1));
  const validList = Int32Array.from(
    Array.from(valid.keys()).filter((i) => valid[i] !== 0),
    (i) => i,
  );
  const n = (c.tw + 1) * (c.th + 1);
  const active = Uint8Array.from({ length: n }, (_, i) => (i % 5 === 3 ? 0 : 1));
  // Starts: usable, out of range, masked, negative, in turn.
  const initialX = Int32Array.from({ length: n }, (_, i) => [i % sfw, sfw + 2, 1, -1][i % 4]!);
  const initialY = Int32Array.from({ length: n }, (_, i) => [(i * 7) % sfh, 0, 0, 3][i % 4]!);
  const common = {
    owner: 'test',
    patchSize: c.p,
    seed: c.seed,
    valid,
    validList,
    active,
    initialX,
    initialY,
  };
  return { target, source, common, n };
}

/** Initialise and iterate over ranges of the given lengths (one range when `cuts` is empty). */
function run(kernel: Kernel, c: Case, cuts: number[]) {
  const { target, source, common, n } = jobOf(c);
  const fieldRun =
    c.kind === 'feature'
      ? kernel.startFeatureField({ ...common, target: features(target, 4), source: features(source, 4) })
      : kernel.startField({
          ...common,
          target,
          source,
          iterations: c.iterations,
          ...(c.kind === 'meld' ? { meld: { gainMin: 0.7, gainMax: 1.5, biasMin: -30, biasMax: 30 } } : {}),
        } satisfies FieldJob);
  const cover = (reverse: boolean, work: (a: number, b: number) => void) => coverRanges(n, cuts, reverse, work);
  try {
    cover(false, (a, b) => fieldRun.initialise(a, b));
    for (let it = 0; it < c.iterations; it++) {
      const reverse = (it & 1) === 1;
      cover(reverse, (a, b) => fieldRun.iterate(reverse, a, b));
    }
    const r = fieldRun.result();
    return { x: Array.from(r.x), y: Array.from(r.y), distance: Array.from(r.distance) };
  } finally {
    fieldRun.release();
  }
}

describe('the search loops shared by the distances', () => {
  let wasm: Kernel;
  beforeAll(async () => {
    wasm = await createWasmKernel();
  });

  it('give bit-identical fields on wasm and js, whole or in ranges, with usable matches', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const whole = run(wasm, c, []);
        expect(run(jsKernel, c, [])).toEqual(whole);
        expect(run(wasm, c, c.cuts)).toEqual(whole);
        expect(run(jsKernel, c, c.cuts)).toEqual(whole);
        const { target, source, common } = jobOf(c);
        const fw = c.tw + 1;
        for (let i = 0; i < whole.x.length; i++) {
          if (common.active[i] === 0) {
            expect([whole.x[i], whole.y[i]]).toEqual([-1, -1]);
            expect(whole.distance[i]).toBe(c.kind === 'feature' ? Infinity : 0xffffffff);
            continue;
          }
          expect(common.valid[whole.y[i]! * (c.sw + 1) + whole.x[i]!]).toBe(1);
          if (c.kind === 'plain') {
            expect(whole.distance[i]).toBe(
              ssd(target, i % fw, Math.floor(i / fw), source, whole.x[i]!, whole.y[i]!, c.p),
            );
          }
        }
      }),
      { numRuns: 60, seed: 2026 },
    );
  });
});
