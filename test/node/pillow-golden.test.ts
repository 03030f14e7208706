import * as tf from '@tensorflow/tfjs-core';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readImage, unalignedDataset } from '../../src/node/index';
import { describeBackends } from '../harness/backends';

// Golden values from Pillow: see test/fixtures/node/generate_resize.py.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'node');
interface Golden {
  size: [number, number];
  resized: [number, number];
  jpeg_decoded: number[];
  bilinear_22: number[];
  bicubic_22: number[];
}
let golden: Golden;
let root: string;

beforeAll(async () => {
  golden = JSON.parse(await readFile(join(fixtures, 'resize.json'), 'utf8')) as Golden;
  root = await mkdtemp(join(tmpdir(), 'tfjs-synth-pillow-'));
  for (const sub of ['testA', 'testB']) {
    await mkdir(join(root, sub));
    await copyFile(join(fixtures, 'smooth.png'), join(root, sub, 'smooth.png'));
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

it('decodes a Pillow-encoded JPEG within 3 levels of Pillow (libjpeg) decoding', async () => {
  const image = await readImage(join(fixtures, 'smooth.jpg'));
  expect([image.width, image.height]).toEqual(golden.size);
  const rgb = Array.from(image.data).filter((_, i) => i % 4 !== 3);
  // jpeg-js and libjpeg use different IDCT rounding; measured max difference: see report.
  expect(maxAbsDiff(rgb, golden.jpeg_decoded)).toBeLessThanOrEqual(3);
});

describeBackends('dataset resize vs Pillow', () => {
  it('matches Pillow bilinear when enlarging and stays close to the reference bicubic', async () => {
    // phase 'test': loadSize = cropSize and no flip, so the sample is the whole resized image.
    const data = await unalignedDataset(root, { phase: 'test', cropSize: 22 });
    const { a, b } = await data.get(0);
    expect(a.shape).toEqual([1, 22, 22, 3]);
    const ours = a.dataSync();
    const toUnit = (v: number[]): number[] => v.map((x) => x / 127.5 - 1);
    const dBilinear = maxAbsDiff(ours, toUnit(golden.bilinear_22));
    const dBicubic = maxAbsDiff(ours, toUnit(golden.bicubic_22));
    // Pillow resizes in two passes and rounds to uint8 after each, so it can be off by up
    // to one level (1 / 127.5 = 0.0078 in [-1, 1]) from exact bilinear.
    expect(dBilinear).toBeLessThanOrEqual(1 / 127.5);
    // Porting note in the docs: bilinear instead of bicubic; on this smooth image they stay close.
    expect(dBicubic).toBeLessThan(0.05); // measured 0.025
    tf.dispose([a, b]);
  });
});
