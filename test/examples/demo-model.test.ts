// The browser demo's network code without its DOM (examples/web/src/demo-model.ts): the guide
// strokes' rasteriser, the guide-strokes session and the committed guided model's scores.
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGenerator, encodeGeneratorWeights } from '../../examples/demo/inpainting-model';
import { QUICK_SETTINGS } from '../../examples/demo/settings';
import { GuideFill, drawGuideLine, runDemoModel } from '../../examples/web/src/demo-model';
import { readImage, type RgbaImage } from '../../src/node/index';
import { describeBackends } from '../harness/backends';

const assets = new URL('../../examples/assets/', import.meta.url);
const model = new URL('../../examples/web/model/', import.meta.url);

const toArrayBuffer = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** The committed weights of the page's guided generator (what `npm run demo` writes). */
async function committedModel(): Promise<{ header: string; data: ArrayBuffer }> {
  const [header, bin] = await Promise.all([
    readFile(new URL('inpainting-generator.json', model), 'utf8'),
    readFile(new URL('inpainting-generator.bin', model)),
  ]);
  return { header, data: toArrayBuffer(bin) };
}

let textures: RgbaImage<Uint8Array>[];
beforeAll(async () => {
  textures = await Promise.all(['brick.png', 'gravel.png'].map((f) => readImage(new URL(f, assets).pathname)));
});

describe('drawGuideLine', () => {
  const size = 8;
  // Hole: columns 2..5 of every row.
  const mask = new Float32Array(size * size).map((_, i) => (i % size >= 2 && i % size <= 5 ? 1 : 0));
  const set = (g: Float32Array) => Array.from(g.keys()).filter((i) => g[i] === 1);

  it('draws a 1-pixel line inside the hole only and counts the new pixels', () => {
    const guide = new Float32Array(size * size);
    expect(drawGuideLine(guide, mask, size, 0, 3, 7, 3)).toBe(4);
    expect(set(guide)).toEqual([26, 27, 28, 29]);
    // Drawing it again sets nothing new.
    expect(drawGuideLine(guide, mask, size, 7, 3, 0, 3)).toBe(0);
  });

  it('draws an 8-connected diagonal, a single point, and clips points outside the map', () => {
    const full = new Float32Array(size * size).fill(1);
    const diagonal = new Float32Array(size * size);
    expect(drawGuideLine(diagonal, full, size, 0, 0, 7, 7)).toBe(8);
    expect(set(diagonal)).toEqual([0, 9, 18, 27, 36, 45, 54, 63]);
    const steep = new Float32Array(size * size);
    drawGuideLine(steep, full, size, 1, 0, 3, 7);
    const rows = set(steep).map((i) => Math.floor(i / size));
    expect(rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // one pixel per row: no gaps
    const point = new Float32Array(size * size);
    expect(drawGuideLine(point, full, size, 2.4, 5.6, 2.4, 5.6)).toBe(1);
    expect(set(point)).toEqual([6 * size + 2]);
    const clipped = new Float32Array(size * size);
    expect(drawGuideLine(clipped, full, size, -5, 1, 20, 1)).toBe(8);
  });

  it('rejects bad sizes, maps and points, naming the argument, without drawing', () => {
    const guide = new Float32Array(size * size);
    expect(() => drawGuideLine(guide, mask, 0, 0, 0, 1, 1)).toThrow('drawGuideLine: size must be');
    expect(() => drawGuideLine(new Float32Array(3), mask, size, 0, 0, 1, 1)).toThrow('drawGuideLine: guide must be');
    expect(() => drawGuideLine(guide, new Float32Array(3), size, 0, 0, 1, 1)).toThrow('drawGuideLine: mask must be');
    expect(() => drawGuideLine(guide, mask, size, Number.NaN, 0, 1, 1)).toThrow('drawGuideLine: x0 must be');
    expect(() => drawGuideLine(guide, mask, size, 0, 0, 1e9, 1)).toThrow('drawGuideLine: x1 must be');
    expect(set(guide)).toEqual([]);
  });
});

describeBackends('GuideFill (the page\'s "draw guide strokes" mode)', () => {
  it('fills with the drawn strokes as guide: only the hole changes, the empty-guide fill is the default fill', async () => {
    const { header, data } = await committedModel();
    const before = tf.memory().numTensors;
    const session = await GuideFill.load(header, data, textures);
    const held = tf.memory().numTensors; // the generator's weights
    try {
      expect([session.size, session.count]).toEqual([64, 8]);
      const n = 1;
      const { image, mask, trueGuide } = session.crop(n);
      const px = 64 * 64;
      expect(mask.some((v) => v === 1)).toBe(true);
      // The true edges lie inside the hole.
      for (let i = 0; i < px; i++) if (trueGuide[i] === 1) expect(mask[i]).toBe(1);
      const guide = new Float32Array(px);
      // A vertical and a horizontal stroke across the whole crop through the hole's first pixel:
      // only their hole pixels count.
      const first = mask.indexOf(1);
      const [hx, hy] = [first % 64, Math.floor(first / 64)];
      drawGuideLine(guide, new Float32Array(px).fill(1), 64, hx, 0, hx, 63);
      drawGuideLine(guide, new Float32Array(px).fill(1), 64, 0, hy, 63, hy);
      const r = await session.fill(n, guide);
      for (let i = 0; i < px; i++) expect(r.guide[i]).toBe(mask[i] === 1 ? guide[i] : 0);
      expect(r.guide.some((v) => v === 1)).toBe(true);
      let insideDiffers = 0;
      for (let i = 0; i < px; i++) {
        for (let c = 0; c < 3; c++) {
          const k = 3 * i + c;
          if (mask[i] === 0) {
            expect(r.completed[k]).toBe(image[k]);
            expect(r.emptyCompleted[k]).toBe(image[k]);
          } else if (Math.abs(r.completed[k]! - r.emptyCompleted[k]!) > 1e-3) insideDiffers++;
        }
      }
      expect(insideDiffers).toBeGreaterThan(0);
      // An empty guide drawn by the user gives the comparison column's fill.
      // (Computed in a batch of one instead of two: equal up to rounding.)
      const empty = await session.fill(n, new Float32Array(px));
      let d = 0;
      for (let k = 0; k < 3 * px; k++) d = Math.max(d, Math.abs(empty.completed[k]! - r.emptyCompleted[k]!));
      expect(d).toBeLessThan(1e-5);
      expect(empty.holeL1).toBeCloseTo(r.emptyHoleL1, 5);
      // The true edges as the user's guide give the true-edges column's fill.
      const edges = await session.fill(n, trueGuide);
      d = 0;
      for (let k = 0; k < 3 * px; k++) d = Math.max(d, Math.abs(edges.completed[k]! - r.edgesCompleted[k]!));
      expect(d).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(held);
    } finally {
      session.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a bad crop, a bad guide, unguided weights and use after dispose, without leaking', async () => {
    const settings = QUICK_SETTINGS.inpainting;
    const unguided = buildGenerator(settings, false);
    const plain = await encodeGeneratorWeights(unguided, settings);
    unguided.dispose();
    const before = tf.memory().numTensors;
    await expect(GuideFill.load(plain.header, toArrayBuffer(plain.data), textures)).rejects.toThrow(
      'GuideFill.load: the weights are of a generator without a guide input.',
    );
    expect(tf.memory().numTensors).toBe(before);
    const generator = buildGenerator(settings);
    const { header, data } = await encodeGeneratorWeights(generator, settings);
    generator.dispose();
    const session = await GuideFill.load(header, toArrayBuffer(data), textures);
    const px = 32 * 32;
    await expect(session.fill(8, new Float32Array(px))).rejects.toThrow(
      'GuideFill.fill: n must be an integer in [0, 7], got 8.',
    );
    await expect(session.fill(0, new Float32Array(px - 1))).rejects.toThrow('GuideFill.fill: guide must be');
    await expect(session.fill(0, new Float32Array(px).fill(Number.NaN))).rejects.toThrow(
      'guide values must be in [0, 1]',
    );
    expect(() => session.crop(-1)).toThrow('GuideFill.crop: n must be');
    session.dispose();
    await expect(session.fill(0, new Float32Array(px))).rejects.toThrow('GuideFill.fill: the session is disposed.');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describeBackends('the committed guided model (examples/web/model)', () => {
  it('fills the held-out holes better with their true edges as guide than with an empty guide, and better than mean grey', async () => {
    const { header, data } = await committedModel();
    const before = tf.memory().numTensors;
    const r = await runDemoModel(header, data, textures);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.guidedHoleL1).toBeLessThan(r.holeL1);
    expect(r.holeL1).toBeLessThan(r.baselineL1);
  });
}, ['wasm']);
