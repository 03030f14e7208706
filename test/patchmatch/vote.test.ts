import { expect, it } from 'vitest';
import type { Nnf } from '../../src/patchmatch/index.js';
import { crop, describePatchMatch, randomImage } from './helpers.js';

function field(w: number, h: number, p: number, at: (x: number, y: number) => [number, number]): Nnf {
  const x = new Int32Array(w * h);
  const y = new Int32Array(w * h);
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) [x[j * w + i], y[j * w + i]] = at(i, j);
  return { width: w, height: h, patchSize: p, x, y, distance: new Uint32Array(w * h) };
}

describePatchMatch('PatchMatch.vote', (pm) => {
  it('rebuilds a shifted crop exactly from a shifted identity field', () => {
    const source = randomImage(30, 25, 4);
    const nnf = field(16, 12, 5, (x, y) => [x + 7, y + 3]);
    const out = pm().vote(nnf, source);
    const expected = crop(source, 7, 3, 20, 16);
    expect(out.width).toBe(20);
    expect(out.height).toBe(16);
    for (let i = 0; i < 20 * 16; i++) {
      expect([out.data[4 * i], out.data[4 * i + 1], out.data[4 * i + 2], out.data[4 * i + 3]]).toEqual([
        expected.data[4 * i],
        expected.data[4 * i + 1],
        expected.data[4 * i + 2],
        255,
      ]);
    }
  });

  it('averages overlapping patches with their weights', () => {
    // Source: left half 0, right half 200. Target 3x3 patches at x = 0 and x = 1 in a 4x3 target.
    const source = { width: 6, height: 3, data: new Uint8Array(6 * 3 * 4) };
    for (let y = 0; y < 3; y++) for (let x = 3; x < 6; x++) source.data.fill(200, 4 * (y * 6 + x), 4 * (y * 6 + x) + 3);
    const nnf = field(2, 1, 3, (x) => (x === 0 ? [0, 0] : [3, 0]));
    // Column 1 and 2 are covered by both patches: (1 * 0 + 3 * 200) / 4 = 150.
    const out = pm().vote(nnf, source, { weights: [1, 3] });
    const row = Array.from({ length: 4 }, (_, x) => out.data[4 * x]);
    expect(row).toEqual([0, 150, 150, 200]);
    // Unsearched entries (x = -1) are skipped: only the second patch votes.
    nnf.x[0] = -1;
    const out2 = pm().vote(nnf, source);
    expect(Array.from({ length: 4 }, (_, x) => out2.data[4 * x])).toEqual([0, 200, 200, 200]);
  });
});
