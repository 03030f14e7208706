import * as tf from '@tensorflow/tfjs-core';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { alignedDataset, unalignedDataset, writePng, type RgbaImage } from '../../src/node/index';
import { describeBackends } from '../harness/backends';
import { testImage } from './make-png';

let root: string;

/** A pix2pix pair file: `left` and `right` side by side. */
function sideBySide(left: RgbaImage<Uint8Array>, right: RgbaImage<Uint8Array>): RgbaImage<Uint8Array> {
  const width = left.width + right.width;
  const data = new Uint8Array(width * left.height * 4);
  for (let y = 0; y < left.height; y++) {
    data.set(left.data.subarray(y * left.width * 4, (y + 1) * left.width * 4), y * width * 4);
    data.set(right.data.subarray(y * right.width * 4, (y + 1) * right.width * 4), (y * width + left.width) * 4);
  }
  return { width, height: left.height, data };
}

function solid(width: number, height: number, rgb: [number, number, number]): RgbaImage<Uint8Array> {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  return { width, height, data };
}

const HALF = 16;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tfjs-synth-datasets-'));
  // pix2pix: identical halves (alignment check) with different content per file.
  for (let i = 0; i < 4; i++) {
    const half = testImage(HALF, HALF, 100 + i);
    await writePng(join(root, 'same', 'train', `${i}.png`), sideBySide(half, half));
    await writePng(join(root, 'same', 'test', `${i}.png`), sideBySide(half, half));
  }
  await writePng(
    join(root, 'colors', 'train', 'rb.png'),
    sideBySide(solid(HALF, HALF, [255, 0, 0]), solid(HALF, HALF, [0, 0, 255])),
  );
  await writePng(join(root, 'odd', 'train', 'odd.png'), testImage(HALF * 2 + 1, HALF, 3));
  const jpegPair = sideBySide(solid(HALF, HALF, [200, 40, 40]), solid(HALF, HALF, [40, 40, 200]));
  await mkdir(join(root, 'jpeg', 'train', 'nested'), { recursive: true });
  await writeFile(join(root, 'jpeg', 'train', 'nested', 'pair.JPG'), jpeg.encode({ ...jpegPair }, 95).data);
  await mkdir(join(root, 'empty', 'train'), { recursive: true });
  await writeFile(join(root, 'empty', 'train', 'README.txt'), 'not an image');
  await writePng(join(root, 'bmp', 'train', 'a.png'), testImage(32, 16, 1));
  await writeFile(join(root, 'bmp', 'train', 'b.bmp'), 'BM');
  // CycleGAN: 3 A images, 5 B images; and a folder with the same single image in A and B.
  for (let i = 0; i < 3; i++) await writePng(join(root, 'cycle', 'trainA', `a${i}.png`), testImage(20, 20, 200 + i));
  for (let i = 0; i < 5; i++) await writePng(join(root, 'cycle', 'trainB', `b${i}.png`), testImage(24, 18, 300 + i));
  const one = testImage(HALF, HALF, 77);
  await writePng(join(root, 'twin', 'trainA', 'x.png'), one);
  await writePng(join(root, 'twin', 'trainB', 'x.png'), one);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Every (x, y, flip) whose window of `full` ([1, H, W, C]) equals `crop` ([1, c, c, C]). */
function findWindow(full: tf.Tensor4D, crop: tf.Tensor4D): { x: number; y: number; flip: boolean }[] {
  const [, H, W, C] = full.shape;
  const c = crop.shape[1];
  const f = full.arraySync()[0]!;
  const k = crop.arraySync()[0]!;
  const hits = [];
  for (const flip of [false, true]) {
    for (let y = 0; y + c <= H; y++) {
      for (let x = 0; x + c <= W; x++) {
        let same = true;
        for (let i = 0; i < c && same; i++) {
          for (let j = 0; j < c && same; j++) {
            const src = f[y + i]![x + (flip ? c - 1 - j : j)]!;
            for (let ch = 0; ch < C; ch++) if (Math.abs(src[ch]! - k[i]![j]![ch]!) > 1e-6) same = false;
          }
        }
        if (same) hits.push({ x, y, flip });
      }
    }
  }
  return hits;
}

describeBackends('alignedDataset', () => {
  it('gives A and B the same crop and flip (identical halves stay identical)', async () => {
    for (const loadSize of [HALF, 22]) {
      const data = await alignedDataset(join(root, 'same'), { loadSize, cropSize: 8, seed: 3 });
      expect(data.length).toBe(4);
      for (let epoch = 0; epoch < 3; epoch++) {
        for (let i = 0; i < data.length; i++) {
          const { a, b, aPath, bPath, index } = await data.get(i, epoch);
          expect(a.shape).toEqual([1, 8, 8, 3]);
          expect(b.shape).toEqual([1, 8, 8, 3]);
          expect(aPath).toBe(bPath);
          expect(index).toBe(i);
          expect(values(b)).toEqual(values(a));
          const range = [tf.min(a).dataSync()[0]!, tf.max(a).dataSync()[0]!];
          expect(range[0]).toBeGreaterThanOrEqual(-1);
          expect(range[1]).toBeLessThanOrEqual(1);
          tf.dispose([a, b]);
        }
      }
    }
  });

  it('crops real windows of the image and flips about half of them', async () => {
    const data = await alignedDataset(join(root, 'same'), { loadSize: HALF, cropSize: 8, seed: 11, phase: 'train' });
    const test = await alignedDataset(join(root, 'same'), { cropSize: HALF, phase: 'test' });
    let flips = 0;
    const positions = new Set<string>();
    for (let epoch = 0; epoch < 6; epoch++) {
      for (let i = 0; i < data.length; i++) {
        const { a, b } = await data.get(i, epoch);
        // test phase: loadSize = cropSize and no flip, so the sample is the whole half.
        const whole = await test.get(i);
        const hits = findWindow(whole.a, a);
        expect(hits.length).toBeGreaterThan(0);
        if (hits.every((h) => h.flip)) flips++;
        positions.add(`${hits[0]!.x},${hits[0]!.y}`);
        tf.dispose([a, b, whole.a, whole.b]);
      }
    }
    expect(flips).toBeGreaterThan(3);
    expect(flips).toBeLessThan(21);
    expect(positions.size).toBeGreaterThan(5);
  });

  it('is deterministic for a seed, and varies with seed and epoch', async () => {
    const d1 = await alignedDataset(join(root, 'same'), { loadSize: 20, cropSize: 8, seed: 5 });
    const d2 = await alignedDataset(join(root, 'same'), { loadSize: 20, cropSize: 8, seed: 5 });
    const d3 = await alignedDataset(join(root, 'same'), { loadSize: 20, cropSize: 8, seed: 6 });
    expect(d1.seed).toBe(5);
    const all = async (d: typeof d1, epoch: number): Promise<number[][]> => {
      const out: number[][] = [];
      for await (const s of d.iterate(epoch)) {
        out.push([s.index, ...values(s.a)]);
        tf.dispose([s.a, s.b]);
      }
      return out;
    };
    const e0 = await all(d1, 0);
    expect(await all(d2, 0)).toEqual(e0);
    expect(await all(d3, 0)).not.toEqual(e0);
    expect(await all(d1, 1)).not.toEqual(e0);
    // get(i, epoch) does not depend on reading order.
    const s = await d2.get(e0[2]![0]!, 0);
    expect(values(s.a)).toEqual(e0[2]!.slice(1));
    tf.dispose([s.a, s.b]);
    // Shuffled order is a permutation; for-await advances epochs.
    expect(e0.map((r) => r[0]).sort()).toEqual([0, 1, 2, 3]);
    const epochs: number[][][] = [];
    for (let k = 0; k < 2; k++) {
      const rows: number[][] = [];
      for await (const t of d2) {
        rows.push([t.index, ...values(t.a)]);
        tf.dispose([t.a, t.b]);
      }
      epochs.push(rows);
    }
    expect(epochs[0]).toEqual(e0);
    expect(epochs[1]).toEqual(await all(d1, 1));
  });

  it('swaps halves with BtoA and keeps file order without shuffle', async () => {
    const ab = await alignedDataset(join(root, 'colors'), { loadSize: HALF, cropSize: 4, seed: 1 });
    const ba = await alignedDataset(join(root, 'colors'), { loadSize: HALF, cropSize: 4, seed: 1, direction: 'BtoA' });
    const s1 = await ab.get(0);
    const s2 = await ba.get(0);
    expect(values(s1.a).slice(0, 3)).toEqual([1, -1, -1]); // red
    expect(values(s1.b).slice(0, 3)).toEqual([-1, -1, 1]); // blue
    expect(values(s2.a)).toEqual(values(s1.b));
    expect(values(s2.b)).toEqual(values(s1.a));
    tf.dispose([s1.a, s1.b, s2.a, s2.b]);
    const ordered = await alignedDataset(join(root, 'same'), { loadSize: HALF, cropSize: 8, shuffle: false, seed: 2 });
    const order: number[] = [];
    for await (const s of ordered) {
      order.push(s.index);
      expect(s.aPath.endsWith(`${s.index}.png`)).toBe(true);
      tf.dispose([s.a, s.b]);
    }
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('reads JPEG pairs from nested folders', async () => {
    const data = await alignedDataset(join(root, 'jpeg'), { loadSize: 20, cropSize: 16, seed: 1 });
    expect(data.length).toBe(1);
    const { a, b, aPath } = await data.get(0);
    expect(aPath).toMatch(/nested[\\/]pair\.JPG$/);
    expect(a.shape).toEqual([1, 16, 16, 3]);
    // mostly red vs mostly blue, within JPEG error
    const ma = tf.mean(a, [0, 1, 2]);
    const mb = tf.mean(b, [0, 1, 2]);
    const [ra, , ba] = Array.from(ma.dataSync());
    const [rb, , bb] = Array.from(mb.dataSync());
    expect(ra!).toBeCloseTo(200 / 127.5 - 1, 1);
    expect(ba!).toBeCloseTo(40 / 127.5 - 1, 1);
    expect(rb!).toBeCloseTo(40 / 127.5 - 1, 1);
    expect(bb!).toBeCloseTo(200 / 127.5 - 1, 1);
    tf.dispose([a, b, ma, mb]);
  });

  it('gives one-channel tensors with channels 1', async () => {
    const data = await alignedDataset(join(root, 'colors'), { loadSize: HALF, cropSize: 4, seed: 1, channels: 1 });
    const { a, b } = await data.get(0);
    expect(a.shape).toEqual([1, 4, 4, 1]);
    // Pillow's integer luma of pure red: (255 * 19595 + 0x8000) >> 16 = 76.
    expect(values(a)[0]).toBeCloseTo(76 / 127.5 - 1, 6);
    tf.dispose([a, b]);
  });

  it('does not leak tensors', async () => {
    const data = await alignedDataset(join(root, 'same'), { loadSize: 20, cropSize: 8, seed: 1 });
    const before = tf.memory().numTensors;
    for await (const { a, b } of data) tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('throws clear errors', async () => {
    await expect(alignedDataset(join(root, 'nowhere'))).rejects.toThrow(
      /alignedDataset: folder ".*nowhere[\\/]train" does not exist/,
    );
    await expect(alignedDataset(join(root, 'empty'))).rejects.toThrow(
      /alignedDataset: folder ".*empty[\\/]train" contains no PNG or JPEG images/,
    );
    await expect(alignedDataset(join(root, 'bmp'))).rejects.toThrow(
      /alignedDataset: unsupported file type \.bmp \(".*b\.bmp"\)/,
    );
    await expect(alignedDataset(join(root, 'same'), { cropSize: 300, loadSize: 286 })).rejects.toThrow(
      /alignedDataset: cropSize \(300\) must not exceed loadSize \(286\)/,
    );
    await expect(alignedDataset(join(root, 'same'), { direction: 'AB' as 'AtoB' })).rejects.toThrow(
      /direction must be 'AtoB' or 'BtoA', got "AB"/,
    );
    await expect(alignedDataset(join(root, 'same'), { phase: 'val' as 'test' })).rejects.toThrow(
      /phase must be 'train' or 'test', got "val"/,
    );
    const odd = await alignedDataset(join(root, 'odd'), { loadSize: 16, cropSize: 8 });
    const before = tf.memory().numTensors;
    await expect(odd.get(0)).rejects.toThrow(
      /alignedDataset: ".*odd\.png" is 33x16; a pix2pix pair needs an even width/,
    );
    expect(tf.memory().numTensors).toBe(before);
    const data = await alignedDataset(join(root, 'same'), { loadSize: 16, cropSize: 8 });
    await expect(data.get(4)).rejects.toThrow(/alignedDataset: index must be an integer in \[0, 3\], got 4/);
  });
});

describeBackends('unalignedDataset', () => {
  it('pairs A[i % nA] with a seeded random B, length = max(nA, nB)', async () => {
    const data = await unalignedDataset(join(root, 'cycle'), { loadSize: 16, cropSize: 8, seed: 9 });
    const again = await unalignedDataset(join(root, 'cycle'), { loadSize: 16, cropSize: 8, seed: 9 });
    expect(data.length).toBe(5);
    const bPicks = new Set<string>();
    for (let epoch = 0; epoch < 4; epoch++) {
      for (let i = 0; i < 5; i++) {
        const s = await data.get(i, epoch);
        const t = await again.get(i, epoch);
        expect(s.aPath.endsWith(`a${i % 3}.png`)).toBe(true);
        expect(s.bPath).toMatch(/b[0-4]\.png$/);
        expect(t.bPath).toBe(s.bPath);
        expect(values(t.a)).toEqual(values(s.a));
        expect(values(t.b)).toEqual(values(s.b));
        expect(s.a.shape).toEqual([1, 8, 8, 3]);
        expect(s.b.shape).toEqual([1, 8, 8, 3]);
        bPicks.add(s.bPath);
        tf.dispose([s.a, s.b, t.a, t.b]);
      }
    }
    expect(bPicks.size).toBeGreaterThan(2);
    const serial = await unalignedDataset(join(root, 'cycle'), { loadSize: 16, cropSize: 8, seed: 9, serialB: true });
    for (let i = 0; i < 5; i++) {
      const s = await serial.get(i, 1);
      expect(s.bPath.endsWith(`b${i}.png`)).toBe(true);
      tf.dispose([s.a, s.b]);
    }
  });

  it('crops A and B independently', async () => {
    const data = await unalignedDataset(join(root, 'twin'), { loadSize: HALF, cropSize: 8, seed: 4 });
    let differ = 0;
    for (let epoch = 0; epoch < 8; epoch++) {
      const { a, b } = await data.get(0, epoch);
      if (values(a).some((v, i) => v !== values(b)[i])) differ++;
      tf.dispose([a, b]);
    }
    expect(differ).toBeGreaterThan(4);
  });

  it('errors on a missing B folder and leaks nothing', async () => {
    await mkdir(join(root, 'halfcycle', 'trainA'), { recursive: true });
    await writePng(join(root, 'halfcycle', 'trainA', 'a.png'), testImage(8, 8, 1));
    await expect(unalignedDataset(join(root, 'halfcycle'))).rejects.toThrow(
      /unalignedDataset: folder ".*halfcycle[\\/]trainB" does not exist/,
    );
    const data = await unalignedDataset(join(root, 'cycle'), { loadSize: 16, cropSize: 8, seed: 1 });
    const before = tf.memory().numTensors;
    for await (const { a, b } of data) tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
