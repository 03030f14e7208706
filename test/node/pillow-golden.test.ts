import * as tf from '@tensorflow/tfjs-core';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { imageToTensor, readImage, unalignedDataset } from '../../src/node/index';
import { describeBackends } from '../harness/backends';

// Golden values from Pillow: see test/fixtures/node/generate_resize.py.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'node');
interface Golden {
  size: [number, number];
  resized: [number, number];
  jpeg_decoded: number[];
  bilinear_22: number[];
  bicubic_22: number[];
  noisy_gray: number[];
  noisy_gray_22: number[];
}
let golden: Golden;
let root: string;

beforeAll(async () => {
  golden = JSON.parse(await readFile(join(fixtures, 'resize.json'), 'utf8')) as Golden;
  root = await mkdtemp(join(tmpdir(), 'tfjs-synth-pillow-'));
  for (const sub of ['testA', 'testB']) {
    await mkdir(join(root, 'smooth', sub), { recursive: true });
    await copyFile(join(fixtures, 'smooth.png'), join(root, 'smooth', sub, 'smooth.png'));
    await mkdir(join(root, 'noisy', sub), { recursive: true });
    await copyFile(join(fixtures, 'noisy.png'), join(root, 'noisy', sub, 'noisy.png'));
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

/** torchvision ToTensor + Normalize(0.5, 0.5) of uint8 values, in float32. */
const normalize = (v: number[]): number[] => v.map((x) => Math.fround((Math.fround(x / 255) - 0.5) / 0.5));

describeBackends('dataset transforms vs Pillow', () => {
  it('reproduce the reference Resize(BICUBIC) -> ToTensor -> Normalize exactly', async () => {
    // phase 'test': loadSize = cropSize and no flip, so the sample is the whole resized image.
    const data = await unalignedDataset(join(root, 'smooth'), { phase: 'test', cropSize: 22 });
    const { a, b } = await data.get(0);
    expect(a.shape).toEqual([1, 22, 22, 3]);
    expect(maxAbsDiff(a.dataSync(), normalize(golden.bicubic_22))).toBe(0);
    tf.dispose([a, b]);
  });

  it('match Pillow bilinear with resize: bilinear', async () => {
    const data = await unalignedDataset(join(root, 'smooth'), { phase: 'test', cropSize: 22, resize: 'bilinear' });
    const { a, b } = await data.get(0);
    expect(maxAbsDiff(a.dataSync(), normalize(golden.bilinear_22))).toBe(0);
    tf.dispose([a, b]);
  });

  it('convert to gray before resizing with channels 1, as transforms.Grayscale does', async () => {
    const data = await unalignedDataset(join(root, 'noisy'), { phase: 'test', cropSize: 22, channels: 1 });
    const { a, b } = await data.get(0);
    expect(a.shape).toEqual([1, 22, 22, 1]);
    expect(maxAbsDiff(a.dataSync(), normalize(golden.noisy_gray_22))).toBe(0);
    tf.dispose([a, b]);
  });

  it('imageToTensor luma is within half a level of Pillow convert(L)', async () => {
    const t = imageToTensor(await readImage(join(fixtures, 'noisy.png')), { range: [0, 1], channels: 1 });
    const ours = Array.from(t.dataSync(), (v) => v * 255);
    // Pillow rounds to an integer; ours is the exact weighted sum.
    expect(maxAbsDiff(ours, golden.noisy_gray)).toBeLessThanOrEqual(0.5 + 1e-3);
    t.dispose();
  });
});
