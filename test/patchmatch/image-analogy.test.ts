// PatchMatch.imageAnalogy: known filters learnt from an example pair and applied to another
// image (PSNR against the filter itself), the colour modes, progress, cancellation, snapshots and
// the argument checks.
import { describe, expect, it } from 'vitest';
import type { ImageAnalogyArgs, RgbaImage } from '../../src/patchmatch/index.js';
import { blur, emboss, gray, psnr, threshold } from './filters.js';
import { crop, describePatchMatch, loadFixture, randomImage } from './helpers.js';

// Two crops of one photograph that do not overlap: A (top left) and B (bottom right), in grey.
const cat = loadFixture('chelsea-225x150.png');
const A = gray(crop(cat, 0, 0, 112, 75));
const B = gray(crop(cat, 113, 75, 112, 75));

// PSNR of B' against filter(B), measured (both backends give the same images), and the floor
// each test holds. "identity" is B itself against filter(B), the do-nothing baseline.
const FILTERS = [
  { name: 'blur', filter: blur, identity: 35.37, defaults: 36.62, faithful: 42.66 },
  { name: 'emboss', filter: emboss, identity: 14.54, defaults: 21.27, faithful: 24.89 },
  { name: 'threshold', filter: threshold, identity: 7.82, defaults: 11.3, faithful: 13.92 },
] as const;
/** The settings most faithful to a local filter: small patches, no coherence, no B' term. */
const FAITHFUL = { patchSize: 3, kappa: 0, primeWeight: 0 } as const;

describePatchMatch('PatchMatch.imageAnalogy', (pm) => {
  for (const f of FILTERS) {
    it(`learns a ${f.name} from A : A' and applies it to B (PSNR, default and faithful settings)`, async () => {
      const aPrime = f.filter(A);
      const expected = f.filter(B);
      expect(psnr(B, expected)).toBeCloseTo(f.identity, 1);
      const byDefault = await pm().imageAnalogy({ a: A, aPrime, b: B });
      const faithful = await pm().imageAnalogy({ a: A, aPrime, b: B, ...FAITHFUL });
      expect(byDefault.width).toBe(B.width);
      expect(byDefault.height).toBe(B.height);
      expect(psnr(byDefault, expected)).toBeGreaterThan(f.defaults - 0.5);
      expect(psnr(faithful, expected)).toBeGreaterThan(f.faithful - 0.5);
      // Both beat doing nothing: the analogy moved B towards filter(B).
      expect(psnr(byDefault, expected)).toBeGreaterThan(f.identity + 1);
    });
  }

  it('reproduces A exactly from A : A :: A (every patch finds itself)', async () => {
    const t = threshold(A);
    const out = await pm().imageAnalogy({ a: A, aPrime: t, b: A, kappa: 0 });
    expect(Array.from(out.data)).toEqual(Array.from(t.data));
  });

  it("with color 'aPrime' copies whole A' pixels (texture by numbers)", async () => {
    const labels = (im: RgbaImage) => threshold(im);
    const photo = crop(cat, 0, 0, 112, 75);
    const out = await pm().imageAnalogy({
      a: labels(A),
      aPrime: photo,
      b: labels(B),
      color: 'aPrime',
      kappa: 4,
      levels: 2,
    });
    const colours = new Set<number>();
    for (let i = 0; i < photo.data.length; i += 4)
      colours.add(photo.data[i]! | (photo.data[i + 1]! << 8) | (photo.data[i + 2]! << 16));
    for (let i = 0; i < out.data.length; i += 4) {
      expect(colours.has(out.data[i]! | (out.data[i + 1]! << 8) | (out.data[i + 2]! << 16))).toBe(true);
      expect(out.data[i + 3]).toBe(255);
    }
  });

  it('keeps B chrominance by default and remaps luminance on request', async () => {
    const a = crop(cat, 0, 0, 40, 30);
    const b = crop(cat, 60, 40, 40, 30);
    const out = await pm().imageAnalogy({ a, aPrime: a, b, levels: 1, remapLuminance: true });
    // A : A :: B : B' is the identity up to the patches B finds in A: close to B in colour.
    let sq = 0;
    for (let i = 0; i < out.data.length; i++) if (i % 4 !== 3) sq += (out.data[i]! - b.data[i]!) ** 2;
    expect(10 * Math.log10((255 * 255) / (sq / (40 * 30 * 3)))).toBeGreaterThan(20);
  });

  it('reports progress per round, stops on its signal, and ignores changes to the inputs after the call', async () => {
    const a = crop(A, 0, 0, 48, 40);
    const aPrime = blur(a);
    const b = crop(B, 0, 0, 48, 40);
    const seen: number[] = [];
    const call = pm().imageAnalogy({
      a,
      aPrime,
      b,
      levels: 2,
      emIterations: 2,
      onProgress: (p) => seen.push(p.fraction),
    });
    const reference = await pm().imageAnalogy({ a, aPrime: blur(a), b: crop(B, 0, 0, 48, 40), levels: 2 });
    a.data.fill(0);
    aPrime.data.fill(0);
    b.data.fill(0);
    const out = await call;
    expect(out.data).toEqual(reference.data);
    expect(seen).toHaveLength(4);
    expect(seen[3]).toBeCloseTo(1, 12);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    const controller = new AbortController();
    const pending = pm().imageAnalogy({ a: A, aPrime: blur(A), b: B, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects bad arguments with Errors naming the argument', async () => {
    const owner = 'PatchMatch.imageAnalogy';
    const a = randomImage(20, 16, 1);
    const b = randomImage(24, 20, 2);
    const ok: ImageAnalogyArgs = { a, aPrime: randomImage(20, 16, 3), b };
    const bad = (args: unknown, message: string | RegExp) =>
      expect(pm().imageAnalogy(args as ImageAnalogyArgs)).rejects.toThrow(message);
    await bad(null, `${owner}: arguments must be an object { a, aPrime, b, ...options }, got null.`);
    await bad([a], /arguments must be an object/);
    await bad({ ...ok, a: undefined }, `${owner}: a must be an image { width, height, data }, got undefined.`);
    await bad({ ...ok, b: { width: 2, height: 2, data: new Uint8Array(3) } }, /b\.data has 3 bytes/);
    await bad(
      { ...ok, aPrime: randomImage(21, 16, 3) },
      `${owner}: aPrime is 21x16 but a is 20x16; they must be the same size.`,
    );
    await bad({ ...ok, patchSize: 4 }, `${owner}: patchSize must be an odd integer >= 3, got 4.`);
    await bad({ ...ok, patchSize: 17 }, `${owner}: patchSize 17 is larger than the a (20x16).`);
    for (const kappa of [-1, Number.NaN, Number.POSITIVE_INFINITY, '1', null, 1001]) {
      await bad({ ...ok, kappa }, new RegExp(`^${owner}: kappa must be a finite number in \\[0, 1000\\], got`));
    }
    await bad({ ...ok, primeWeight: -0.5 }, /primeWeight must be a finite number in \[0, 100\], got -0.5\./);
    await bad({ ...ok, color: 'rgb' }, `${owner}: color must be one of 'b', 'aPrime', got "rgb".`);
    await bad({ ...ok, remapLuminance: 1 }, `${owner}: remapLuminance must be a boolean or undefined, got 1.`);
    await bad({ ...ok, levels: 0 }, /levels must be an integer >= 1/);
    await bad({ ...ok, levels: 33 }, /levels must be at most 32/);
    await bad({ ...ok, emIterations: 0 }, /emIterations must be an integer >= 1/);
    await bad({ ...ok, nnfIterations: 1001 }, /nnfIterations must be at most 1000/);
    await bad({ ...ok, seed: -1 }, /seed must be an integer from 0 to 2\^32 - 1/);
    await bad({ ...ok, onProgress: 3 }, /onProgress must be a function or undefined/);
    await bad({ ...ok, signal: {} }, /signal must be an AbortSignal or undefined/);
    const aborted = new AbortController();
    aborted.abort();
    await expect(pm().imageAnalogy({ ...ok, signal: aborted.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('PatchMatch.imageAnalogy memory limit', () => {
  it('fails before allocating when the images need more than maxMemoryBytes', async () => {
    const { createPatchMatch } = await import('../../src/patchmatch/index.js');
    const pm = await createPatchMatch({ maxMemoryBytes: 2 ** 20 });
    const big = { width: 2000, height: 2000, data: new Uint8Array(2000 * 2000 * 4) };
    await expect(pm.imageAnalogy({ a: big, aPrime: big, b: big })).rejects.toThrow(
      /^PatchMatch\.imageAnalogy: a \(2000x2000\) and b \(2000x2000\) need about \d+ MiB of working memory, more than the configured limit of 1 MiB/,
    );
  });
});
