// scripts/check-demo-pictures.mjs: its pixel comparison, and that it covers every demo picture the
// README and the guides show (the check itself runs after a full `npm run demo`, see the README).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script without type declarations
import { comparePictures, FILES, PICTURES } from '../../scripts/check-demo-pictures.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const picture = (width: number, height: number, fill: number) => ({
  width,
  height,
  data: new Uint8Array(width * height * 4).fill(fill),
});

describe('check-demo-pictures', () => {
  it('counts differing pixels and the largest and mean channel difference', () => {
    const a = picture(4, 2, 100);
    const b = picture(4, 2, 100);
    expect(comparePictures(a, b)).toEqual({ sameSize: true, pixels: 8, differing: 0, maxDiff: 0, meanDiff: 0 });
    b.data[5] = 110; // pixel 1, green
    b.data[30] = 97; // pixel 7, blue
    const r = comparePictures(a, b);
    expect(r).toMatchObject({ sameSize: true, differing: 2, maxDiff: 10 });
    expect(r.meanDiff).toBeCloseTo(13 / 32, 12);
    expect(comparePictures(a, picture(2, 4, 100)).sameSize).toBe(false);
  });

  it('covers every demo-*.png that README.md and docs/ show, and the committed files exist', () => {
    const texts = [
      readFileSync(join(ROOT, 'README.md'), 'utf8'),
      ...readdirSync(join(ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => readFileSync(join(ROOT, 'docs', f), 'utf8')),
    ];
    const shown = new Set(texts.flatMap((t) => [...t.matchAll(/images\/(demo-[\w-]+\.png)/g)].map((m) => m[1]!)));
    expect(shown.size).toBeGreaterThanOrEqual(3);
    for (const name of shown) expect(Object.keys(PICTURES), name).toContain(name);
    for (const name of Object.keys(PICTURES)) expect(existsSync(join(ROOT, 'docs/images', name)), name).toBe(true);
    for (const path of Object.keys(FILES)) expect(existsSync(join(ROOT, path)), path).toBe(true);
  });
});
