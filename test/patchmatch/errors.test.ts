import { describe, expect, it } from 'vitest';
import { createPatchMatch } from '../../src/patchmatch/index.js';
import type { Mask, RgbaImage } from '../../src/patchmatch/index.js';
import { describePatchMatch, randomImage } from './helpers.js';

const mask = (w: number, h: number, fill = 0): Mask => ({
  width: w,
  height: h,
  data: new Uint8Array(w * h).fill(fill),
});
const img = (w: number, h: number): RgbaImage => randomImage(w, h, 5);
const fakeImage = (width: number, height: number, bytes: number): RgbaImage => ({
  width,
  height,
  data: new Uint8Array(bytes),
});

describePatchMatch('PatchMatch bad input', (pm) => {
  const t = img(20, 20);
  const s = img(24, 24);

  it.each([
    [4, /patchSize must be an odd integer >= 3, got 4/],
    [1, /patchSize must be an odd integer >= 3, got 1/],
    [7.5, /patchSize must be an odd integer >= 3, got 7.5/],
    [21, /patchSize 21 is larger than the target \(20x20\)/],
    [129, /patchSize must be at most 127/],
  ])('nnf rejects patchSize %s', async (patchSize, message) => {
    await expect(pm().nnf(t, s, { patchSize })).rejects.toThrow(message);
  });

  it('rejects a patch larger than the source', async () => {
    await expect(pm().nnf(t, img(20, 5), { patchSize: 7 })).rejects.toThrow(
      /patchSize 7 is larger than the source \(20x5\)/,
    );
  });

  it.each([
    [fakeImage(4, 4, 63), /target.data has 63 bytes, expected width \* height \* 4 = 64/],
    [fakeImage(0, 4, 0), /target.width must be an integer >= 1, got 0/],
    [fakeImage(4, 0, 0), /target.height must be an integer >= 1, got 0/],
    [fakeImage(-4, 4, 64), /target.width must be an integer >= 1, got -4/],
    [fakeImage(4.5, 4, 72), /target.width must be an integer >= 1, got 4.5/],
    [
      { width: 4, height: 4, data: new Float32Array(64) } as unknown as RgbaImage,
      /target.data must be a Uint8Array or Uint8ClampedArray/,
    ],
  ])('nnf rejects a bad target image (%#)', async (target, message) => {
    await expect(pm().nnf(target, s, { patchSize: 3 })).rejects.toThrow(message);
  });

  it('rejects masks of the wrong size', async () => {
    await expect(pm().nnf(t, s, { sourceMask: mask(20, 20) })).rejects.toThrow(
      /sourceMask is 20x20 but the image is 24x24/,
    );
    await expect(pm().nnf(t, s, { targetMask: mask(24, 20) })).rejects.toThrow(
      /targetMask is 24x20 but the image is 20x20/,
    );
    await expect(pm().nnf(t, s, { sourceMask: { width: 24, height: 24, data: new Uint8Array(10) } })).rejects.toThrow(
      /sourceMask.data must be a Uint8Array or Uint8ClampedArray of width \* height = 576 bytes/,
    );
  });

  it('rejects a source mask that excludes every patch', async () => {
    const m = mask(24, 24);
    for (let y = 6; y < 24; y += 7) for (let x = 0; x < 24; x++) m.data[y * 24 + x] = 1;
    await expect(pm().nnf(t, s, { patchSize: 7, sourceMask: m })).rejects.toThrow(
      /every 7x7 source patch touches a masked pixel/,
    );
  });

  it('rejects bad iterations, seeds and initial fields', async () => {
    await expect(pm().nnf(t, s, { iterations: -1 })).rejects.toThrow(/iterations must be an integer >= 0, got -1/);
    await expect(pm().nnf(t, s, { seed: 1.5 })).rejects.toThrow(/seed must be an integer from 0 to 2\^32 - 1, got 1.5/);
    await expect(pm().nnf(t, s, { seed: 2 ** 32 })).rejects.toThrow(
      /seed must be an integer from 0 to 2\^32 - 1, got 4294967296/,
    );
    const wrong = await pm().nnf(img(21, 20), s);
    await expect(pm().nnf(t, s, { initial: wrong })).rejects.toThrow(/initial must be a field of 14x14 entries/);
  });

  it('rejects bad votes', async () => {
    const nnf = await pm().nnf(t, s, { patchSize: 5 });
    expect(() => pm().vote(nnf, s, { weights: [1, 2] })).toThrow(
      /weights must be an array of nnf.width \* nnf.height = 256 numbers, got 2 entries/,
    );
    expect(() => pm().vote(nnf, s, { weights: new Array(256).fill(-1) })).toThrow(
      /weights\[0\] must be a finite number >= 0, got -1/,
    );
    expect(() => pm().vote(nnf, img(10, 10))).toThrow(/nnf entry \d+ points at/);
    expect(() => pm().vote({ ...nnf, patchSize: 4 }, s)).toThrow(/patchSize must be an odd integer >= 3, got 4/);
  });

  it('rejects images too large for the configured memory and names the limit', async () => {
    const small = await createPatchMatch({ backend: pm().backend, maxMemoryBytes: 2 ** 20 });
    const big = img(400, 400);
    await expect(small.nnf(big, big)).rejects.toThrow(/more than the configured limit of 1 MiB/);
  });

  it('rejects bad inpainting input', async () => {
    await expect(pm().inpaint(t, mask(20, 20, 1))).rejects.toThrow(/the mask covers the whole image/);
    await expect(pm().inpaint(t, mask(10, 20))).rejects.toThrow(/mask is 10x20 but the image is 20x20/);
    await expect(pm().inpaint(t, mask(20, 20), { patchSize: 6 })).rejects.toThrow(
      /patchSize must be an odd integer >= 3, got 6/,
    );
    await expect(pm().inpaint(fakeImage(20, 20, 5), mask(20, 20))).rejects.toThrow(/image.data has 5 bytes/);
    const stripes = mask(20, 20);
    for (let y = 0; y < 20; y++) for (let x = 3; x < 20; x += 4) stripes.data[y * 20 + x] = 1;
    await expect(pm().inpaint(t, stripes, { patchSize: 5 })).rejects.toThrow(
      /every 5x5 patch of the image touches the mask/,
    );
  });

  it('rejects bad texture synthesis input', async () => {
    await expect(pm().synthesizeTexture(t, { width: 0, height: 10 })).rejects.toThrow(
      /width must be an integer >= 1, got 0/,
    );
    await expect(pm().synthesizeTexture(t, { width: 30, height: 5 })).rejects.toThrow(
      /patchSize 7 is larger than the output \(30x5\)/,
    );
    await expect(pm().synthesizeTexture(img(5, 5), { width: 30, height: 30 })).rejects.toThrow(
      /larger than the sample/,
    );
  });
});

describe('createPatchMatch bad options', () => {
  it('rejects unknown backends and memory limits', async () => {
    await expect(createPatchMatch({ backend: 'gpu' as 'js' })).rejects.toThrow(
      /backend must be 'wasm' or 'js', got "gpu"\./,
    );
    await expect(createPatchMatch({ maxMemoryBytes: 2 ** 33 })).rejects.toThrow(/maxMemoryBytes must be at most/);
    await expect(createPatchMatch({ maxMemoryBytes: 100 })).rejects.toThrow(
      /maxMemoryBytes must be an integer >= 1048576, got 100/,
    );
  });
});
