import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readImage, resizeImage, type RgbaImage } from '../../src/node/index';

// Golden values from Pillow 9.4: see test/fixtures/node/generate_resize.py.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'node');
interface Golden {
  bilinear_22: number[];
  bicubic_22: number[];
  noisy: { width: number; height: number; filter: 'bicubic' | 'bilinear'; data: number[] }[];
}
let golden: Golden;
let smooth: RgbaImage<Uint8Array>;
let noisy: RgbaImage<Uint8Array>;

beforeAll(async () => {
  golden = JSON.parse(await readFile(join(fixtures, 'resize.json'), 'utf8')) as Golden;
  smooth = await readImage(join(fixtures, 'smooth.png'));
  noisy = await readImage(join(fixtures, 'noisy.png'));
});

const rgb = (image: RgbaImage<Uint8Array>): number[] => Array.from(image.data).filter((_, i) => i % 4 !== 3);
function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe('resizeImage', () => {
  it('reproduces Pillow bicubic and bilinear enlarging (16x16 -> 22x22) exactly', () => {
    expect(maxAbsDiff(rgb(resizeImage(smooth, 22, 22)), golden.bicubic_22)).toBe(0);
    expect(maxAbsDiff(rgb(resizeImage(smooth, 22, 22, { filter: 'bilinear' })), golden.bilinear_22)).toBe(0);
  });

  it('reproduces Pillow on noise: antialiased shrinking, enlarging, one axis', () => {
    for (const c of golden.noisy) {
      const out = resizeImage(noisy, c.width, c.height, { filter: c.filter });
      expect([out.width, out.height, out.data.length]).toEqual([c.width, c.height, c.width * c.height * 4]);
      expect(maxAbsDiff(rgb(out), c.data), `${c.width}x${c.height} ${c.filter}`).toBe(0);
    }
  });

  it('keeps alpha as a channel and copies same-size images', () => {
    const out = resizeImage(noisy, 17, 13);
    expect(out.data.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    const same = resizeImage(noisy, 40, 30);
    expect(same.data).not.toBe(noisy.data);
    expect(Array.from(same.data)).toEqual(Array.from(noisy.data));
  });

  it('rejects bad sizes and filters', () => {
    expect(() => resizeImage(noisy, 0, 5)).toThrow(/resizeImage: width must be a positive integer, got 0/);
    expect(() => resizeImage(noisy, 5, 2.5)).toThrow(/resizeImage: height must be a positive integer, got 2.5/);
    expect(() => resizeImage(noisy, 5, 5, { filter: 'lanczos' as 'bicubic' })).toThrow(
      /resizeImage: filter must be 'bicubic' or 'bilinear', got "lanczos"/,
    );
  });
});
