import jpeg from 'jpeg-js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, encodePng, readImage, writePng } from '../../src/node/index';
import { makePng, testImage } from './make-png';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfjs-synth-image-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PNG', () => {
  it('round-trips RGBA bytes exactly through writePng/readImage', async () => {
    const image = testImage(13, 7);
    const path = join(dir, 'sub', 'round.png');
    await writePng(path, image);
    const back = await readImage(path);
    expect(back.width).toBe(13);
    expect(back.height).toBe(7);
    expect(back.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back.data).equals(Buffer.from(image.data))).toBe(true);
  });

  it('encodePng output decodes to the same bytes', () => {
    const image = testImage(5, 9, 3);
    const back = decodeImage(encodePng(image));
    expect(Array.from(back.data)).toEqual(Array.from(image.data));
  });

  it('accepts Uint8ClampedArray data (browser ImageData, PatchMatch images)', () => {
    const image = testImage(4, 3, 8);
    const clamped = { width: 4, height: 3, data: new Uint8ClampedArray(image.data) };
    expect(Array.from(decodeImage(encodePng(clamped)).data)).toEqual(Array.from(image.data));
  });

  it('expands 8-bit gray to RGBA with alpha 255', () => {
    const samples = [0, 17, 128, 255, 1, 254];
    const image = decodeImage(makePng({ width: 3, height: 2, colorType: 0, bitDepth: 8, samples }));
    expect(image.data.length).toBe(3 * 2 * 4);
    const expected = samples.flatMap((v) => [v, v, v, 255]);
    expect(Array.from(image.data)).toEqual(expected);
  });

  it('expands gray+alpha to RGBA', () => {
    const samples = [10, 0, 200, 128, 255, 255];
    const image = decodeImage(makePng({ width: 3, height: 1, colorType: 4, bitDepth: 8, samples }));
    expect(Array.from(image.data)).toEqual([10, 10, 10, 0, 200, 200, 200, 128, 255, 255, 255, 255]);
  });

  it('scales 16-bit gray and RGB to 8 bits', () => {
    const gray = [0, 257 * 100, 65535, 30000];
    const g = decodeImage(makePng({ width: 4, height: 1, colorType: 0, bitDepth: 16, samples: gray }));
    const gExpected = gray.map((v) => Math.round((v * 255) / 65535));
    for (let i = 0; i < 4; i++) {
      expect(Math.abs(g.data[i * 4]! - gExpected[i]!)).toBeLessThanOrEqual(1);
      expect(g.data[i * 4 + 1]).toBe(g.data[i * 4]);
      expect(g.data[i * 4 + 3]).toBe(255);
    }
    // exact multiples of 257 map exactly
    expect([g.data[0], g.data[4], g.data[8]]).toEqual([0, 100, 255]);
    const rgb = [65535, 0, 257 * 7, 257 * 200, 257 * 50, 0];
    const c = decodeImage(makePng({ width: 2, height: 1, colorType: 2, bitDepth: 16, samples: rgb }));
    expect(Array.from(c.data)).toEqual([255, 0, 7, 255, 200, 50, 0, 255]);
  });

  it('resolves palette images (with tRNS alpha)', () => {
    const image = decodeImage(
      makePng({
        width: 3,
        height: 1,
        colorType: 3,
        bitDepth: 8,
        samples: [1, 0, 1],
        palette: [255, 0, 0, 0, 0, 255],
        transparency: [255, 64],
      }),
    );
    expect(Array.from(image.data)).toEqual([0, 0, 255, 64, 255, 0, 0, 255, 0, 0, 255, 64]);
  });
});

describe('JPEG', () => {
  it('decodes to the right size with small error', async () => {
    const width = 33;
    const height = 17;
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 4;
        data.set([Math.round((x / (width - 1)) * 255), Math.round((y / (height - 1)) * 255), 128, 255], o);
      }
    }
    const encoded = jpeg.encode({ width, height, data }, 95).data;
    const path = join(dir, 'gradient.JPG');
    await writeFile(path, encoded);
    const image = await readImage(path);
    expect([image.width, image.height, image.data.length]).toEqual([width, height, width * height * 4]);
    let sum = 0;
    let max = 0;
    for (let i = 0; i < data.length; i++) {
      if (i % 4 === 3) {
        expect(image.data[i]).toBe(255);
        continue;
      }
      const d = Math.abs(image.data[i]! - data[i]!);
      sum += d;
      max = Math.max(max, d);
    }
    expect(sum / (width * height * 3)).toBeLessThan(2);
    expect(max).toBeLessThan(16);
  });
});

describe('errors', () => {
  it('rejects unsupported formats with the first bytes', () => {
    expect(() => decodeImage(new Uint8Array([0x42, 0x4d, 0, 0, 0]))).toThrow(
      /decodeImage: unsupported image format \(first bytes 42 4d 00 00\)/,
    );
    expect(() => decodeImage(new Uint8Array(0))).toThrow(/unsupported image format/);
  });

  it('reports truncated PNG data', () => {
    const png = encodePng(testImage(8, 8));
    expect(() => decodeImage(png.subarray(0, 40))).toThrow(/decodeImage: could not decode the png data/);
  });

  it('names the path of a missing file', async () => {
    await expect(readImage(join(dir, 'nope.png'))).rejects.toThrow(/readImage: cannot read ".*nope\.png"/);
  });

  it('names the path of a file that is not an image', async () => {
    const path = join(dir, 'notes.png');
    await writeFile(path, 'hello');
    await expect(readImage(path)).rejects.toThrow(/readImage: ".*notes\.png": decodeImage: unsupported image format/);
  });

  it('rejects malformed images in encodePng', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(15) })).toThrow(
      /encodePng: image\.data has 15 bytes; a 2x2 RGBA image needs 16/,
    );
    expect(() => encodePng({ width: 0, height: 2, data: new Uint8Array(0) })).toThrow(
      /positive integer width and height, got 0x2/,
    );
  });
});
