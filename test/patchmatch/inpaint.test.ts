import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPatchMatch } from '../../src/patchmatch/index.js';
import type { Mask, RgbaImage } from '../../src/patchmatch/index.js';
import { fillCases, maskedPsnr } from '../../bench/fill-quality.js';
import { periodicity } from '../../src/patchmatch/quilt.js';
import { describePatchMatch, loadFixture, meanDistance, randomImage, touchesMask } from './helpers.js';

/** A 12-periodic colour texture: every patch of it occurs again a period away. */
function periodicTexture(w: number, h: number): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 4 * (y * w + x);
      data[o] = Math.round(128 + 100 * Math.sin((2 * Math.PI * x) / 12));
      data[o + 1] = Math.round(128 + 100 * Math.cos((2 * Math.PI * y) / 12));
      data[o + 2] = ((x + 2 * y) % 12) * 20;
      data[o + 3] = 200;
    }
  }
  return { width: w, height: h, data };
}

function rectMask(w: number, h: number, x0: number, y0: number, x1: number, y1: number): Mask {
  const data = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * w + x] = 1;
  return { width: w, height: h, data };
}

function holeError(a: RgbaImage, b: RgbaImage, mask: Mask): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i] === 0) continue;
    for (let c = 0; c < 3; c++) sum += Math.abs(a.data[4 * i + c]! - b.data[4 * i + c]!);
    n += 3;
  }
  return sum / n;
}

function expectUnmaskedUnchanged(out: RgbaImage, image: RgbaImage, mask: Mask): void {
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i] !== 0) continue;
    for (let c = 0; c < 4; c++)
      if (out.data[4 * i + c] !== image.data[4 * i + c]) throw new Error(`pixel ${i} channel ${c} changed`);
  }
}

describePatchMatch('PatchMatch.inpaint', (pm) => {
  it('fills a hole in a periodic texture almost exactly and leaves unmasked pixels unchanged', async () => {
    const image = periodicTexture(96, 96);
    const mask = rectMask(96, 96, 40, 36, 64, 60); // 24x24 hole, two periods wide
    const out = await pm().inpaint(image, mask, { seed: 1 });
    expectUnmaskedUnchanged(out, image, mask);
    // Every 7x7 patch of the hole exists outside it, so EM can copy the texture exactly; a mean
    // error of 2 (of 255) allows a few rounding steps and a seam pixel or two, while any real
    // failure (blur, a shifted copy, the onion-peel start left in place) is above 20.
    expect(holeError(out, image, mask)).toBeLessThan(2);
  });

  it('fills a brush stroke across a dark coat with the coat (camera photograph of the fill benchmark)', async () => {
    // The benchmark's camera-256 stroke case. When the pyramid masked a coarse pixel as soon as
    // one of its fine pixels was masked, the stroke widened at every level until no patch of the
    // coat clear of it was left, and the grey sky and lawn filled it: 13.4 dB inside the hole (now about 18).
    const c = fillCases().find((f) => f.name === 'camera-256 stroke')!;
    const out = await pm().inpaint(c.image, c.mask, { seed: 1 });
    expect(maskedPsnr(out, c.image, c.mask)).toBeGreaterThan(16);
  });

  it('gives the same result on every run for a seed', async () => {
    const image = loadFixture('coffee-150x100.png');
    const mask = rectMask(150, 100, 60, 40, 80, 55);
    const a = await pm().inpaint(image, mask, { seed: 3, emIterations: 2 });
    const b = await pm().inpaint(image, mask, { seed: 3, emIterations: 2 });
    expect(a.data).toEqual(b.data);
    expectUnmaskedUnchanged(a, image, mask);
    // A plausible fill is not the original content, so this only catches gross failures: a black,
    // white or noise fill is off by 100+ per value here; the EM fill measures about 47.
    expect(holeError(a, image, mask)).toBeLessThan(60);
  });

  it('returns a copy when nothing is masked', async () => {
    const image = periodicTexture(30, 30);
    const out = await pm().inpaint(image, rectMask(30, 30, 0, 0, 0, 0));
    expect(out.data).toEqual(new Uint8ClampedArray(image.data));
    expect(out.data).not.toBe(image.data);
  });

  it('reports progress up to 1 and can be cancelled', async () => {
    const image = periodicTexture(64, 64);
    const mask = rectMask(64, 64, 20, 20, 36, 36);
    const fractions: number[] = [];
    await pm().inpaint(image, mask, { emIterations: 2, onProgress: (p) => fractions.push(p.fraction) });
    expect(fractions.length).toBeGreaterThan(1);
    for (let k = 1; k < fractions.length; k++) expect(fractions[k]!).toBeGreaterThan(fractions[k - 1]!);
    expect(fractions[fractions.length - 1]).toBeCloseTo(1, 10);

    const controller = new AbortController();
    let calls = 0;
    const run = pm().inpaint(image, mask, {
      emIterations: 3,
      signal: controller.signal,
      onProgress: () => {
        calls++;
        controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
    await expect(pm().inpaint(image, mask, { signal: AbortSignal.abort() })).rejects.toThrow(
      /PatchMatch.inpaint: aborted/,
    );
  });
});

describePatchMatch('PatchMatch.inpaint with gradientWeight', (pm) => {
  it('continues a dark-bright step edge through the hole at its place', async () => {
    // A vertical step (dark left of x = 30, bright right) under a 16x16 hole centred on it, with
    // faint noise so patches differ. A fill that continues the edge at x = 30 errs by the noise;
    // one that moves it (or leaves a grey blend) errs by 100+ on a whole column band.
    const w = 64;
    const h = 64;
    const noise = randomImage(w, h, 5);
    const data = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      const base = i % w < 30 ? 40 : 200;
      for (let c = 0; c < 3; c++) data[4 * i + c] = base + (noise.data[4 * i + c]! >> 4);
      data[4 * i + 3] = 255;
    }
    const image = { width: w, height: h, data };
    const mask = rectMask(w, h, 22, 24, 38, 40);
    const out = await pm().inpaint(image, mask, { seed: 1, gradientWeight: 2 });
    expectUnmaskedUnchanged(out, image, mask);
    expect(holeError(out, image, mask)).toBeLessThan(12);
  });

  it('rejects a gradientWeight that is not a number in [0, 16], before any work', async () => {
    const image = periodicTexture(32, 32);
    const mask = rectMask(32, 32, 12, 12, 20, 20);
    for (const bad of [-1, 16.5, Number.NaN, Number.POSITIVE_INFINITY, '2', null, [2]]) {
      await expect(pm().inpaint(image, mask, { gradientWeight: bad as number })).rejects.toThrow(
        /PatchMatch.inpaint: gradientWeight must be/,
      );
    }
  });
});

describe('PatchMatch.inpaint with gradientWeight on both backends', () => {
  it('gives the same image on both backends and differs from the colour-only fill', async () => {
    const image = loadFixture('brick-64x64.png');
    const mask = rectMask(64, 64, 22, 20, 42, 40);
    const wasm = await createPatchMatch({ backend: 'wasm' });
    const js = await createPatchMatch({ backend: 'js' });
    const options = { seed: 2, emIterations: 2, levels: 3, gradientWeight: 2 };
    const a = await wasm.inpaint(image, mask, options);
    const b = await js.inpaint(image, mask, options);
    expect(a.data).toEqual(b.data);
    expectUnmaskedUnchanged(a, image, mask);
    const plain = await wasm.inpaint(image, mask, { ...options, gradientWeight: 0 });
    expect(plain.data).not.toEqual(a.data);
    // 0 is the default: the same image as leaving the option out.
    const omitted = await wasm.inpaint(image, mask, { seed: 2, emIterations: 2, levels: 3 });
    expect(omitted.data).toEqual(plain.data);
  });
});

/** An AbortSignal look-alike that counts its reads and reads as aborted from read `abortAt` on. */
function countingSignal(abortAt = Number.POSITIVE_INFINITY) {
  const target = new EventTarget();
  const s = {
    reads: 0,
    reason: undefined,
    get aborted() {
      s.reads++;
      return s.reads >= abortAt;
    },
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
  };
  return s;
}

describePatchMatch('PatchMatch.inpaint, gradient-domain rebuild', (pm) => {
  it("rebuilds the fill from the patches' differences: the known pixels kept, the fill near the vote", async () => {
    const image = loadFixture('coffee-150x100.png');
    const mask = rectMask(150, 100, 60, 40, 80, 55);
    const plain = await pm().inpaint(image, mask, { seed: 3, emIterations: 2, gradientDomain: false });
    const out = await pm().inpaint(image, mask, { seed: 3, emIterations: 2 });
    expectUnmaskedUnchanged(out, image, mask);
    expect(out.data).not.toEqual(plain.data);
    // The defaults: gradientDomain true, screening 0.1.
    const explicit = await pm().inpaint(image, mask, {
      seed: 3,
      emIterations: 2,
      gradientDomain: true,
      screening: 0.1,
    });
    expect(explicit.data).toEqual(out.data);
    const other = await pm().inpaint(image, mask, { seed: 3, emIterations: 2, screening: 0.01 });
    expect(other.data).not.toEqual(out.data);
    // Without the rebuild screening is not read.
    const unread = await pm().inpaint(image, mask, { seed: 3, emIterations: 2, gradientDomain: false, screening: 5 });
    expect(unread.data).toEqual(plain.data);
    // The rebuild reshapes the vote but keeps its content: a fill off by 100+ per value (black,
    // white, noise, a lost solve) fails; the plain fill measures about 47 here.
    expect(holeError(out, image, mask)).toBeLessThan(60);
    expect(holeError(out, plain, mask)).toBeLessThan(25);
  });

  it('rejects a screening that is not a number in (0, 100] and a gradientDomain that is not a boolean, before any work', async () => {
    const image = periodicTexture(32, 32);
    const mask = rectMask(32, 32, 12, 12, 20, 20);
    for (const bad of [0, -1, 100.5, Number.NaN, Number.POSITIVE_INFINITY, '0.1', null, [1], {}]) {
      await expect(pm().inpaint(image, mask, { screening: bad as number })).rejects.toThrow(
        /PatchMatch.inpaint: screening must be/,
      );
    }
    for (const bad of [0, 1, 'true', null, Number.NaN, {}]) {
      await expect(pm().inpaint(image, mask, { gradientDomain: bad as boolean })).rejects.toThrow(
        /PatchMatch.inpaint: gradientDomain must be/,
      );
    }
  });

  it('looks at the AbortSignal inside the rebuild', async () => {
    const image = periodicTexture(64, 64);
    const mask = rectMask(64, 64, 20, 20, 44, 44);
    const options = { seed: 1, emIterations: 2, levels: 2 };
    const plain = countingSignal();
    await pm().inpaint(image, mask, { ...options, gradientDomain: false, signal: plain as unknown as AbortSignal });
    const rebuilt = countingSignal();
    await pm().inpaint(image, mask, { ...options, signal: rebuilt as unknown as AbortSignal });
    // The solves read the signal every 16 iterations, on top of the reads between EM steps.
    expect(rebuilt.reads).toBeGreaterThan(plain.reads + 2);
    const stopped = countingSignal(plain.reads + 2);
    await expect(
      pm().inpaint(image, mask, { ...options, signal: stopped as unknown as AbortSignal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('PatchMatch.inpaint, gradient-domain rebuild, on both backends', () => {
  it('gives the same image on both backends', async () => {
    const image = loadFixture('brick-64x64.png');
    const mask = rectMask(64, 64, 22, 20, 42, 40);
    const wasm = await createPatchMatch({ backend: 'wasm' });
    const js = await createPatchMatch({ backend: 'js' });
    const options = { seed: 2, emIterations: 2, levels: 3, screening: 0.05 };
    const a = await wasm.inpaint(image, mask, options);
    const b = await js.inpaint(image, mask, options);
    expect(wasm.backend).toBe('wasm');
    expect(a.data).toEqual(b.data);
    expectUnmaskedUnchanged(a, image, mask);
  });
});

describePatchMatch('PatchMatch.synthesizeTexture', (pm, backend) => {
  it('builds a larger texture made of patches of the sample', async () => {
    const sample = periodicTexture(48, 48);
    const out = await pm().synthesizeTexture(sample, { width: 80, height: 72, seed: 2 });
    expect(out.width).toBe(80);
    expect(out.height).toBe(72);
    expect(out.data.length).toBe(80 * 72 * 4);
    // Output patches should resemble sample patches: the mean SSD of a 7x7 output patch to its
    // best sample match stays below an RMS error of 32 per value (49 * 3 * 32^2); an output of
    // sample pixels in random order measures about 10^6 (RMS ~85), the EM result about 9 * 10^4.
    const nnf = await pm().nnf(out, sample, { iterations: 6, seed: 1 });
    expect(meanDistance(nnf)).toBeLessThan(49 * 3 * 32 * 32);
  });

  it('keeps the structure of a brick sample (completeness of the sample in the output)', async () => {
    // Completeness (Simakov et al. 2008): every sample patch should appear somewhere in the
    // output. An output that keeps only the long mortar lines and loses the joints between
    // bricks leaves many sample patches without a good match. Starting from patch-sized blocks
    // this measured 15-20 (mean squared error per value, seeds 1-4); from large tiles 3-9.
    const sample = loadFixture('brick-64x64.png');
    for (const seed of [1, 2]) {
      const out = await pm().synthesizeTexture(sample, { width: 128, height: 128, patchSize: 9, seed });
      const back = await pm().nnf(sample, out, { patchSize: 9, iterations: 10, seed: 1 });
      expect(meanDistance(back) / (3 * 81)).toBeLessThan(11);
    }
  });

  it('continues structure across tile borders with the quilted start (larger-window coherence)', async () => {
    // A mortar line that jogs sideways or a joint that stops inside a brick leaves 17x17 windows
    // that occur nowhere in the sample, though each of its 9x9 patches does. Measured (mean
    // squared error per value, seeds 1-4): quilt 46-53, tiles 98-124.
    const sample = loadFixture('brick-64x64.png');
    const window = 17;
    const coherence = async (out: RgbaImage) =>
      meanDistance(await pm().nnf(out, sample, { patchSize: window, iterations: 10, seed: 1 })) / (3 * window * window);
    // Both seeds on wasm; one on the slower js backend.
    for (const seed of backend === 'wasm' ? [1, 2] : [1]) {
      const options = { width: 128, height: 128, patchSize: 9, seed };
      const quilted = await pm().synthesizeTexture(sample, options); // 'auto' quilts bricks
      const tiled = await pm().synthesizeTexture(sample, { ...options, start: 'tiles' });
      expect(await coherence(quilted)).toBeLessThan(0.7 * (await coherence(tiled)));
    }
  });

  it('gives the same image on both backends for every start, and the starts differ', async () => {
    const wasm = await createPatchMatch({ backend: 'wasm' });
    const js = await createPatchMatch({ backend: 'js' });
    const base = { width: 44, height: 38, patchSize: 5, seed: 7, emIterations: 2 };
    // A periodic sample, which 'auto' quilts, and a noise sample, which it tiles from one more
    // level than the default (one level here: a 15x13 level keeps 2 * patchSize, not 4 *).
    for (const [sample, auto] of [
      [periodicTexture(30, 26), { start: 'quilt' }],
      [randomImage(30, 26, 11), { start: 'tiles', levels: 2 }],
    ] as const) {
      const results = new Map<string, number[]>();
      for (const start of ['quilt', 'tiles', 'auto'] as const) {
        const a = await wasm.synthesizeTexture(sample, { ...base, start });
        const b = await js.synthesizeTexture(sample, { ...base, start });
        expect(Array.from(a.data)).toEqual(Array.from(b.data));
        results.set(start, Array.from(a.data));
      }
      expect(results.get('quilt')).not.toEqual(results.get('tiles'));
      expect(results.get('auto')).toEqual(
        Array.from((await wasm.synthesizeTexture(sample, { ...base, ...auto })).data),
      );
      // 'auto' is the default.
      expect(Array.from((await wasm.synthesizeTexture(sample, base)).data)).toEqual(results.get('auto'));
    }
  });

  it("'auto' tells regular samples from irregular ones (periodicity)", () => {
    // Bricks and a sine pattern repeat: their autocorrelation at some shift of at least the
    // patch size is high. Noise correlates with nothing beyond a pixel; a flat sample scores 0.
    expect(periodicity(loadFixture('brick-64x64.png'), 9)).toBeGreaterThan(0.5);
    expect(periodicity(periodicTexture(30, 26), 5)).toBeGreaterThan(0.9);
    expect(periodicity(randomImage(64, 64, 3), 5)).toBeLessThan(0.2);
    const flat = { width: 20, height: 20, data: new Uint8Array(20 * 20 * 4).fill(90) };
    expect(periodicity(flat, 5)).toBe(0);
    // No shift qualifies when minShift exceeds half the side.
    expect(periodicity(periodicTexture(30, 26), 20)).toBe(0);
    // A large sample is halved to at most 64 per side first (minShift with it): the brick
    // fixture enlarged 5x (320x320) still scores high, and noise of that size low.
    const brick = loadFixture('brick-64x64.png');
    const big = { width: 320, height: 320, data: new Uint8Array(320 * 320 * 4) };
    for (let i = 0; i < 320 * 320; i++) {
      const k = 4 * (Math.floor(Math.floor(i / 320) / 5) * 64 + Math.floor((i % 320) / 5));
      big.data.set(brick.data.subarray(k, k + 4), 4 * i);
    }
    expect(periodicity(big, 45)).toBeGreaterThan(0.5);
    expect(periodicity(randomImage(320, 320, 5), 45)).toBeLessThan(0.2);
  });

  it('can be cancelled while it quilts the start', async () => {
    const controller = new AbortController();
    const pending = pm().synthesizeTexture(periodicTexture(48, 48), {
      width: 200,
      height: 200,
      patchSize: 5,
      start: 'quilt',
      signal: controller.signal,
    });
    // Runs at the first yield, inside the quilting (after its first row of tiles).
    queueMicrotask(() => controller.abort());
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('can be cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      pm().synthesizeTexture(periodicTexture(32, 32), { width: 40, height: 40, signal: controller.signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('PatchMatch.inpaint on random holes', () => {
  it('leaves unmasked pixels unchanged and gives the same image on both backends', async () => {
    const wasm = await createPatchMatch({ backend: 'wasm' });
    const js = await createPatchMatch({ backend: 'js' });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 8, max: 40 }),
        fc.integer({ min: 8, max: 40 }),
        fc.integer({ min: 1, max: 1 << 20 }),
        fc.tuple(fc.nat(40), fc.nat(40), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })),
        async (w, h, seed, [mx, my, mw, mh]) => {
          const image = randomImage(w, h, seed);
          const mask = rectMask(
            w,
            h,
            Math.min(mx, w - 1),
            Math.min(my, h - 1),
            Math.min(w, mx + mw),
            Math.min(h, my + mh),
          );
          // Skip holes that leave no usable 3x3 source patch (tested as bad input elsewhere).
          let usable = false;
          for (let y = 0; y + 3 <= h && !usable; y++)
            for (let x = 0; x + 3 <= w && !usable; x++) usable = !touchesMask(mask, x, y, 3);
          fc.pre(usable && mask.data.some((v) => v !== 0));
          const a = await wasm.inpaint(image, mask, { patchSize: 3, emIterations: 2, seed });
          const b = await js.inpaint(image, mask, { patchSize: 3, emIterations: 2, seed });
          expectUnmaskedUnchanged(a, image, mask);
          expect(a.data).toEqual(b.data);
        },
      ),
      { numRuns: 25, seed: 99 },
    );
  });
});
