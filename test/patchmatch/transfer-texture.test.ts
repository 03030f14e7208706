// PatchMatch.transferTexture: the output follows the target's luminance, is made of the source's
// patches, respects alpha and sourceMask; progress, cancellation, snapshots and argument checks.
import { describe, expect, it } from 'vitest';
import { createPatchMatch } from '../../src/patchmatch/index.js';
import type { RgbaImage, TransferTextureArgs } from '../../src/patchmatch/index.js';
import { crop, describePatchMatch, loadFixture, randomImage } from './helpers.js';

const brick = loadFixture('brick-64x64.png');
const cat = loadFixture('chelsea-112x75.png');

function lum(im: RgbaImage): number[] {
  return Array.from(
    { length: im.width * im.height },
    (_, i) => 0.299 * im.data[4 * i]! + 0.587 * im.data[4 * i + 1]! + 0.114 * im.data[4 * i + 2]!,
  );
}

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    sa += (a[i]! - ma) ** 2;
    sb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(sa * sb);
}

describePatchMatch('PatchMatch.transferTexture', (pm) => {
  it('renders the target out of source patches: luminance correlation and patch distances', async () => {
    const out = await pm().transferTexture({ source: brick, target: cat });
    expect(out.width).toBe(cat.width);
    expect(out.height).toBe(cat.height);
    // Measured 0.603 (alpha 0.5, the default).
    const c = correlation(lum(out), lum(cat));
    expect(c).toBeGreaterThan(0.57);
    // Every 5x5 output patch lies close to some brick patch. PatchMatch with 30 iterations gives
    // an upper bound of each patch's distance to its nearest source patch, so the true minimum
    // is at most this. Measured: mean squared error per value 30.9 on average, 541 at most; the
    // cat's own patches are at 1053 on average and 5042 at most from the brick.
    const p = 5;
    // The check runs on the wasm kernel whatever the backend under test (its fields are the same).
    const checker = await createPatchMatch();
    const field = await checker.nnf(out, brick, { patchSize: p, iterations: 30 });
    const mses = Array.from(field.distance, (d) => d / (3 * p * p));
    expect(Math.max(...mses)).toBeLessThan(600);
    expect(mses.reduce((s, v) => s + v, 0) / mses.length).toBeLessThan(35);
    const own = await checker.nnf(cat, brick, { patchSize: p, iterations: 30 });
    expect(Array.from(own.distance).reduce((s, d) => s + d / (3 * p * p), 0) / own.distance.length).toBeGreaterThan(
      500,
    );
  });

  it('follows the target more closely as alpha grows', async () => {
    const c = async (alpha: number) =>
      correlation(
        lum(
          await pm().transferTexture({
            source: brick,
            target: cat,
            alpha,
            levels: 2,
            emIterations: 2,
            nnfIterations: 2,
          }),
        ),
        lum(cat),
      );
    const low = await c(0.2);
    const high = await c(0.8);
    expect(high).toBeGreaterThan(low + 0.05);
  });

  it('never uses masked source patches', async () => {
    // Left half red, right half green; the red half is masked: no red may reach the output.
    const w = 40;
    const h = 30;
    const data = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      const red = i % w < w / 2;
      data.set([red ? 200 : 20, red ? 20 : 180 + (i % 7) * 5, 20, 255], 4 * i);
    }
    const mask = { width: w, height: h, data: Uint8Array.from({ length: w * h }, (_, i) => (i % w < w / 2 ? 1 : 0)) };
    const out = await pm().transferTexture({
      source: { width: w, height: h, data },
      target: cat,
      sourceMask: mask,
      patchSize: 5,
    });
    for (let i = 0; i < out.data.length; i += 4) expect(out.data[i]).toBe(20);
  });

  it('reports progress, stops on its signal and ignores changes to the inputs after the call', async () => {
    const small = crop(cat, 20, 10, 64, 48);
    const source = new Uint8Array(brick.data);
    const target = new Uint8Array(small.data);
    const seen: number[] = [];
    const call = pm().transferTexture({
      source: { ...brick, data: source },
      target: { ...small, data: target },
      levels: 2,
      emIterations: 2,
      onProgress: (p) => seen.push(p.fraction),
    });
    source.fill(0);
    target.fill(0);
    const out = await call;
    const reference = await pm().transferTexture({ source: brick, target: small, levels: 2, emIterations: 2 });
    expect(out.data).toEqual(reference.data);
    expect(seen).toHaveLength(4);
    expect(seen[3]).toBeCloseTo(1, 12);
    const controller = new AbortController();
    const pending = pm().transferTexture({ source: brick, target: cat, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects bad arguments with Errors naming the argument', async () => {
    const owner = 'PatchMatch.transferTexture';
    const source = randomImage(20, 16, 1);
    const target = randomImage(24, 20, 2);
    const ok: TransferTextureArgs = { source, target };
    const bad = (args: unknown, message: string | RegExp) =>
      expect(pm().transferTexture(args as TransferTextureArgs)).rejects.toThrow(message);
    await bad(undefined, `${owner}: arguments must be an object { source, target, ...options }, got undefined.`);
    await bad({ ...ok, source: null }, `${owner}: source must be an image { width, height, data }, got null.`);
    await bad(
      { ...ok, target: { width: 1.5, height: 2, data: new Uint8Array(12) } },
      /target\.width must be an integer >= 1/,
    );
    await bad({ ...ok, patchSize: 21 }, `${owner}: patchSize 21 is larger than the source (20x16).`);
    for (const alpha of [-0.1, 1.1, Number.NaN, '0.5', null]) {
      await bad({ ...ok, alpha }, new RegExp(`^${owner}: alpha must be a finite number in \\[0, 1\\], got`));
    }
    await bad({ ...ok, kappa: -2 }, `${owner}: kappa must be a finite number in [0, 1000], got -2.`);
    await bad({ ...ok, levels: 1.5 }, /levels must be an integer >= 1/);
    await bad({ ...ok, emIterations: 101 }, /emIterations must be at most 100/);
    await bad({ ...ok, nnfIterations: 0 }, /nnfIterations must be an integer >= 1/);
    await bad({ ...ok, seed: 2 ** 32 }, /seed must be an integer from 0 to 2\^32 - 1/);
    await bad({ ...ok, remapLuminance: 'yes' }, `${owner}: remapLuminance must be a boolean or undefined, got "yes".`);
    await bad(
      { ...ok, sourceMask: { width: 2, height: 2, data: new Uint8Array(4) } },
      `${owner}: sourceMask is 2x2 but the image is 20x16.`,
    );
    await bad(
      { ...ok, sourceMask: { width: 20, height: 16, data: new Uint8Array(320).fill(1) } },
      `${owner}: every 7x7 source patch touches a masked pixel of sourceMask; nothing can be matched.`,
    );
    await bad({ ...ok, onProgress: {} }, /onProgress must be a function or undefined/);
    await bad({ ...ok, signal: 'stop' }, /signal must be an AbortSignal or undefined/);
  });
});

describe('PatchMatch.transferTexture memory limit', () => {
  it('fails before allocating when the images need more than maxMemoryBytes', async () => {
    const pm = await createPatchMatch({ maxMemoryBytes: 2 ** 20 });
    const big = { width: 1500, height: 1000, data: new Uint8Array(1500 * 1000 * 4) };
    await expect(pm.transferTexture({ source: big, target: big })).rejects.toThrow(
      /^PatchMatch\.transferTexture: source \(1500x1000\) and target \(1500x1000\) need about \d+ MiB of working memory, more than the configured limit of 1 MiB/,
    );
  });
});
