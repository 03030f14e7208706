import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/io/read-safetensors';
import { writeSafetensors } from '../../src/io/write-safetensors';
import type { StateDict } from '../../src/io/state-dict';
import { fixtureBytes } from './fixtures';

describe('writeSafetensors', () => {
  it('round-trips every array type, keeps key order and aligns the data to 8 bytes', () => {
    const sd: StateDict = new Map([
      ['w', { dtype: 'float32', shape: [2, 3], data: new Float32Array([1, -2.5, 3e-8, 4, 5, Infinity]) }],
      ['n', { dtype: 'int64', shape: [], data: new BigInt64Array([-(2n ** 60n)]) }],
      ['i', { dtype: 'int32', shape: [3], data: new Int32Array([-1, 0, 2 ** 31 - 1]) }],
      ['b', { dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) }],
      ['u', { dtype: 'uint8', shape: [1], data: new Uint8Array([255]) }],
      ['e', { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) }],
    ]);
    const bytes = writeSafetensors(sd, { format: 'pt' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
    expect(header['__metadata__']).toEqual({ format: 'pt' });
    expect(header['n']).toEqual({ dtype: 'I64', shape: [], data_offsets: [24, 32] });
    expect(Object.keys(header).slice(1)).toEqual(['w', 'n', 'i', 'b', 'u', 'e']);
    expect(readSafetensors(bytes)).toEqual(sd);
  });

  it('reproduces the tensors of a file written by the PyTorch fixture script', () => {
    const original = readSafetensors(fixtureBytes('tiny_net.safetensors'));
    expect(readSafetensors(writeSafetensors(original))).toEqual(original);
  });

  it('writes float16/float64 sources as F32', () => {
    const bytes = writeSafetensors(new Map([['h', { dtype: 'float16', shape: [1], data: new Float32Array([0.5]) }]]));
    expect(readSafetensors(bytes).get('h')).toEqual({ dtype: 'float32', shape: [1], data: new Float32Array([0.5]) });
  });

  it('rejects inconsistent shapes, the reserved name and non-string metadata', () => {
    expect(() =>
      writeSafetensors(new Map([['x', { dtype: 'float32', shape: [3], data: new Float32Array(2) }]])),
    ).toThrow(/writeSafetensors: tensor 'x' has shape \[3\] but 2 elements/);
    expect(() =>
      writeSafetensors(new Map([['__metadata__', { dtype: 'float32', shape: [1], data: new Float32Array(1) }]])),
    ).toThrow(/reserved/);
    expect(() => writeSafetensors(new Map(), { a: 1 as unknown as string })).toThrow(/metadata 'a' must be a string/);
  });
});
