import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  imageGrid,
  imageToTensor,
  readImage,
  readImageTensor,
  tensorToImage,
  writeImageTensor,
  writePng,
} from '../../src/node/index';
import { describeBackends } from '../harness/backends';
import { testImage } from './make-png';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfjs-synth-tensor-image-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// One pixel per interesting byte value: 0, 51, 255 and 128 with alpha 77.
const pixels = {
  width: 2,
  height: 2,
  data: new Uint8Array([0, 51, 255, 10, 128, 128, 128, 77, 255, 0, 0, 255, 3, 200, 90, 0]),
};

describeBackends('image tensors', () => {
  it('maps bytes to [-1, 1] by default, dropping alpha', () => {
    const t = imageToTensor(pixels);
    expect(t.shape).toEqual([1, 2, 2, 3]);
    expect(t.dtype).toBe('float32');
    const v = t.dataSync();
    expect(v[0]).toBeCloseTo(-1, 6);
    expect(v[1]).toBeCloseTo(-1 + (2 * 51) / 255, 6);
    expect(v[2]).toBeCloseTo(1, 6);
    expect(v[3]).toBeCloseTo(128 / 127.5 - 1, 6);
    t.dispose();
  });

  it('maps bytes to [0, 1] and keeps alpha with channels 4', () => {
    const t = imageToTensor(pixels, { range: [0, 1], channels: 4 });
    expect(t.shape).toEqual([1, 2, 2, 4]);
    const v = Array.from(t.dataSync());
    pixels.data.forEach((b, i) => expect(v[i]).toBeCloseTo(b / 255, 6));
    t.dispose();
  });

  it('computes ITU-R 601-2 luma with channels 1', () => {
    const t = imageToTensor(pixels, { range: [0, 1], channels: 1 });
    expect(t.shape).toEqual([1, 2, 2, 1]);
    const v = t.dataSync();
    const d = pixels.data;
    for (let p = 0; p < 4; p++) {
      const luma = (0.299 * d[p * 4]! + 0.587 * d[p * 4 + 1]! + 0.114 * d[p * 4 + 2]!) / 255;
      expect(v[p]).toBeCloseTo(luma, 5);
    }
    t.dispose();
  });

  it('round-trips image -> tensor -> image exactly (RGB, alpha 255)', () => {
    const image = testImage(7, 5, 9);
    const before = tf.memory().numTensors;
    for (const range of [
      [-1, 1],
      [0, 1],
    ] as const) {
      const t = imageToTensor(image, { range });
      const back = tensorToImage(t, { range });
      t.dispose();
      for (let i = 0; i < image.data.length; i++) {
        expect(back.data[i]).toBe(i % 4 === 3 ? 255 : image.data[i]);
      }
    }
    const t4 = imageToTensor(image, { channels: 4 });
    expect(Array.from(tensorToImage(t4).data)).toEqual(Array.from(image.data));
    t4.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('accepts [H, W, C], clamps out-of-range values and expands gray', () => {
    const t = tf.tensor3d([-3, 0, 0.5, 7], [2, 2, 1]);
    const image = tensorToImage(t);
    // (x + 1) * 127.5 rounded: -3 -> 0 (clamped), 0 -> 128 (127.5 rounds half to even in tf.round), 0.5 -> 191, 7 -> 255
    const gray = [0, image.data[4]!, 191, 255];
    expect(image.data[4] === 127 || image.data[4] === 128).toBe(true);
    expect(Array.from(image.data)).toEqual(gray.flatMap((g) => [g, g, g, 255]));
    t.dispose();
  });

  it('rejects bad shapes and ranges, naming them', () => {
    const t = tf.zeros([2, 4, 4, 3]);
    expect(() => tensorToImage(t)).toThrow(
      /tensorToImage: tensor must have shape \[H, W, C\] or \[1, H, W, C\] .* got \[2, 4, 4, 3\]/,
    );
    const t2 = tf.zeros([4, 4, 2]);
    expect(() => tensorToImage(t2)).toThrow(/got \[4, 4, 2\]/);
    expect(() => imageToTensor(pixels, { range: [0, 255] as unknown as [0, 1] })).toThrow(
      /imageToTensor: range must be \[-1, 1\] or \[0, 1\], got \[0,255\]/,
    );
    expect(() => imageToTensor(pixels, { channels: 2 as 3 })).toThrow(
      /imageToTensor: channels must be 1, 3 or 4, got 2/,
    );
    tf.dispose([t, t2]);
  });

  it('reads and writes image tensors through files', async () => {
    const image = testImage(6, 4, 5);
    const path = join(dir, 'in.png');
    await writePng(path, image);
    const x = await readImageTensor(path, { channels: 4 });
    expect(x.shape).toEqual([1, 4, 6, 4]);
    const out = join(dir, 'out', 'x.png');
    await writeImageTensor(out, x);
    expect(Array.from((await readImage(out)).data)).toEqual(Array.from(image.data));
    await expect(writeImageTensor(join(dir, 'x.jpg'), x)).rejects.toThrow(
      /writeImageTensor: only PNG files are written/,
    );
    x.dispose();
  });

  it('tiles images and tensors into a grid', () => {
    const red = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 255, 0, 0, 255]) };
    const blue = tf.tensor4d([-1, -1, 1], [1, 1, 1, 3]); // one blue pixel
    const grid = imageGrid([[red, blue], [blue]], { padding: 1, background: [0, 0, 0, 0] });
    // cells 2x1, 2 columns, 2 rows, padding 1: width 1 + 2 * 3 = 7, height 1 + 2 * 2 = 5
    expect([grid.width, grid.height]).toEqual([7, 5]);
    const px = (x: number, y: number): number[] => Array.from(grid.data.subarray((y * 7 + x) * 4, (y * 7 + x) * 4 + 4));
    expect(px(1, 1)).toEqual([255, 0, 0, 255]);
    expect(px(2, 1)).toEqual([255, 0, 0, 255]);
    expect(px(4, 1)).toEqual([0, 0, 255, 255]);
    expect(px(5, 1)).toEqual([0, 0, 0, 0]); // smaller image: rest of the cell is background
    expect(px(1, 3)).toEqual([0, 0, 255, 255]);
    expect(px(0, 0)).toEqual([0, 0, 0, 0]);
    const clamped = imageGrid([[{ width: 1, height: 1, data: new Uint8ClampedArray([1, 2, 3, 4]) }]], { padding: 0 });
    expect(Array.from(clamped.data)).toEqual([1, 2, 3, 4]);
    const t = imageToTensor({ width: 1, height: 1, data: new Uint8ClampedArray([0, 255, 0, 255]) });
    expect(Array.from(t.dataSync())).toEqual([-1, 1, -1]);
    t.dispose();
    expect(() => imageGrid([])).toThrow(/imageGrid: rows must be a non-empty array/);
    expect(() => imageGrid([[red]], { padding: -1 })).toThrow(
      /imageGrid: padding must be a non-negative integer, got -1/,
    );
    blue.dispose();
  });
});
