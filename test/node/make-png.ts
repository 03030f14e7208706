import { deflateSync } from 'node:zlib';

/**
 * A minimal PNG writer for tests, independent of pngjs, so decoder tests do not check
 * pngjs against itself. Supports any colour type and bit depth PNG allows, no interlace.
 * `samples` are the raw sample values row by row (for palette images: indices).
 */
export function makePng(options: {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 8 | 16;
  samples: ArrayLike<number>;
  palette?: ArrayLike<number>; // RGB triples
  transparency?: ArrayLike<number>; // tRNS alpha per palette entry
}): Uint8Array {
  const { width, height, colorType, bitDepth, samples } = options;
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  const bytesPerSample = bitDepth / 8;
  const rowBytes = width * channels * bytesPerSample;
  const raw = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (rowBytes + 1)] = 0; // filter type None
    for (let i = 0; i < width * channels; i++) {
      const v = samples[y * width * channels + i]!;
      const o = y * (rowBytes + 1) + 1 + i * bytesPerSample;
      if (bitDepth === 16) {
        raw[o] = v >> 8;
        raw[o + 1] = v & 0xff;
      } else raw[o] = v;
    }
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([bitDepth, colorType, 0, 0, 0], 8);
  const chunks = [chunk('IHDR', ihdr)];
  if (options.palette) chunks.push(chunk('PLTE', Uint8Array.from(options.palette)));
  if (options.transparency) chunks.push(chunk('tRNS', Uint8Array.from(options.transparency)));
  chunks.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const total = 8 + chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  out.set(signature, 0);
  let o = 8;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  const typeAndData = new Uint8Array(4 + data.length);
  typeAndData.set(
    Array.from(type, (ch) => ch.charCodeAt(0)),
    0,
  );
  typeAndData.set(data, 4);
  out.set(typeAndData, 4);
  dv.setUint32(8 + data.length, crc32(typeAndData));
  return out;
}

/** A deterministic RGBA test image with varied colours and alpha. */
export function testImage(
  width: number,
  height: number,
  seed = 1,
): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(width * height * 4);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, data };
}
