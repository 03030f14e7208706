import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends } from '../harness/backends';
import { maskToTensor, randomBoxMask, randomBrushStrokeMask, type BinaryMask } from '../../src/training';

/** Bounding box of the hole pixels, or null when there are none. */
function bbox(m: BinaryMask): { top: number; bottom: number; left: number; right: number } | null {
  let top = Infinity;
  let bottom = -1;
  let left = Infinity;
  let right = -1;
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      if (m.data[y * m.width + x]) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  return bottom < 0 ? null : { top, bottom, left, right };
}

/** Byte-wise equality (vitest's deep equality is slow on large typed arrays). */
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

const holeFraction = (m: BinaryMask): number => m.data.reduce((s, v) => s + v, 0) / m.data.length;

describeBackends('mask generators', () => {
  it('randomBoxMask: one filled rectangle of the shrunk size inside the margins, deterministic', () => {
    const sizes = new Set<string>();
    for (let seed = 0; seed < 100; seed++) {
      const m = randomBoxMask({ height: 256, width: 200, maxSize: [128, 100], maxDelta: 32, margin: [10, 20], seed });
      expect(m.data.length).toBe(256 * 200);
      expect(m.data.every((v) => v === 0 || v === 1)).toBe(true);
      const b = bbox(m)!;
      const h = b.bottom - b.top + 1;
      const w = b.right - b.left + 1;
      expect(h).toBeGreaterThanOrEqual(128 - 32);
      expect(h).toBeLessThanOrEqual(128);
      expect(w).toBeGreaterThanOrEqual(100 - 32);
      expect(w).toBeLessThanOrEqual(100);
      expect(Math.abs(h - 128) % 2).toBe(0); // shrunk symmetrically
      expect(b.top).toBeGreaterThanOrEqual(10);
      expect(b.bottom).toBeLessThan(256 - 10);
      expect(b.left).toBeGreaterThanOrEqual(20);
      expect(b.right).toBeLessThan(200 - 20);
      expect(m.data.reduce((acc, v) => acc + v, 0)).toBe(h * w); // solid rectangle
      sizes.add(`${h}x${w}`);
      expect(
        same(randomBoxMask({ height: 256, width: 200, maxSize: [128, 100], margin: [10, 20], seed }).data, m.data),
      ).toBe(true);
    }
    expect(sizes.size).toBeGreaterThan(20);
  });

  it('randomBrushStrokeMask: 0/1 only, deterministic per seed, plausible coverage', () => {
    const fractions: number[] = [];
    for (let seed = 0; seed < 60; seed++) {
      const m = randomBrushStrokeMask({ height: 128, width: 160, seed });
      expect(m.height).toBe(128);
      expect(m.width).toBe(160);
      expect(m.data.length).toBe(128 * 160);
      expect(m.data.every((v) => v === 0 || v === 1)).toBe(true);
      expect(same(randomBrushStrokeMask({ height: 128, width: 160, seed }).data, m.data)).toBe(true);
      fractions.push(holeFraction(m));
    }
    // Every mask has a hole (at least one stroke of width >= 12) and none covers everything.
    expect(Math.min(...fractions)).toBeGreaterThan(0.005);
    expect(Math.max(...fractions)).toBeLessThan(0.9);
    expect(new Set(fractions).size).toBeGreaterThan(50);
    const a = randomBrushStrokeMask({ height: 64, width: 64, seed: 1 });
    const b = randomBrushStrokeMask({ height: 64, width: 64, seed: 2 });
    expect(same(a.data, b.data)).toBe(false);
  });

  it('randomBrushStrokeMask: a single thin stroke of fixed width has that width', () => {
    // One stroke, brush width exactly 12 (uniform in [12, 13) truncates to 12): a disc of radius 6
    // around every vertex, so the hole is at least 13 pixels across somewhere and thin overall.
    const m = randomBrushStrokeMask({
      height: 200,
      width: 200,
      minStrokes: 1,
      maxStrokes: 1,
      minWidth: 12,
      maxWidth: 13,
      seed: 4,
    });
    let widest = 0;
    for (let y = 0; y < 200; y++) {
      let run = 0;
      for (let x = 0; x < 200; x++) {
        run = m.data[y * 200 + x] ? run + 1 : 0;
        widest = Math.max(widest, run);
      }
    }
    expect(widest).toBeGreaterThanOrEqual(13);
    expect(holeFraction(m)).toBeLessThan(0.5);
  });

  it('maskToTensor gives [1, h, w, 1] float32 with the same values', () => {
    const m = randomBoxMask({ height: 32, width: 48, seed: 9 });
    const before = tf.memory().numTensors;
    const t = maskToTensor(m);
    expect(t.shape).toEqual([1, 32, 48, 1]);
    expect(t.dtype).toBe('float32');
    const values = t.dataSync();
    expect(Float32Array.from(m.data).every((v, i) => v === values[i])).toBe(true);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad sizes and options', () => {
    expect(() => randomBoxMask({ height: 64, width: 64, maxSize: 80 })).toThrow(
      /randomBoxMask: a 80x80 box with margin \[0, 0\] does not fit in 64x64/,
    );
    expect(() => randomBoxMask({ height: 0, width: 64 })).toThrow(/height must be an integer >= 1, got 0/);
    expect(() => randomBrushStrokeMask({ height: 64, width: 64, minStrokes: 4, maxStrokes: 3 })).toThrow(
      /minStrokes \(4\) must not exceed maxStrokes \(3\)/,
    );
    expect(() => maskToTensor({ height: 2, width: 2, data: new Uint8Array(3) })).toThrow(/maskToTensor/);
  });
});
