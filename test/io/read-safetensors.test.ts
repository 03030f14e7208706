import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/io/read-safetensors';
import { readTorchCheckpoint } from '../../src/io/read-torch-checkpoint';
import { fixtureBuffer, fixtureBytes, fixtureJson, parsePyFloat, type ExtrasFixture } from './fixtures';
import { makeSafetensors } from './hostile-builders';

describe('readSafetensors', () => {
  it('reads F32, F16, BF16, F64, I64, I32, U8 and BOOL written by the fixture script', () => {
    const extras = fixtureJson<ExtrasFixture>('extras.json');
    const sd = readSafetensors(fixtureBytes('extras.safetensors'));
    expect([...sd.keys()]).toEqual(Object.keys(extras));
    for (const [name, want] of Object.entries(extras)) {
      const got = sd.get(name)!;
      expect(got.dtype, name).toBe(want.dtype);
      expect(got.shape, name).toEqual(want.shape);
      const values =
        got.data instanceof Float32Array
          ? Array.from(got.data, (v) => v)
          : Array.from(got.data as Int32Array | Uint8Array | BigInt64Array, String);
      const expected =
        got.data instanceof Float32Array ? want.values.map((v) => Math.fround(parsePyFloat(v))) : want.values;
      expect(values, name).toEqual(expected);
    }
  });

  it('agrees with the .pth reader on the same tensors', () => {
    const st = readSafetensors(fixtureBytes('extras.safetensors'));
    const pth = readTorchCheckpoint(fixtureBytes('extras.pth'));
    for (const [name, t] of pth) expect(st.get(name), name).toEqual(t);
  });

  it('reads a Node Buffer that is a view into a larger pool, without aliasing it', () => {
    const buf = fixtureBuffer('extras.safetensors');
    const sd = readSafetensors(buf);
    expect(sd).toEqual(readSafetensors(fixtureBytes('extras.safetensors')));
    for (const t of sd.values()) expect(t.data.buffer).not.toBe(buf.buffer);
  });

  it('handles an unaligned input buffer view', () => {
    const file = fixtureBytes('tiny_net.safetensors');
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    expect(readSafetensors(shifted.subarray(3))).toEqual(readSafetensors(file));
  });

  it('gives clear Errors for truncated and corrupt files', () => {
    const file = fixtureBytes('tiny_net.safetensors');
    expect(() => readSafetensors(file.subarray(0, 5))).toThrow(/readSafetensors: file is 5 bytes, too short/);
    expect(() => readSafetensors(file.subarray(0, 100))).toThrow(
      /header length \d+ does not fit in a file of 100 bytes/,
    );
    expect(() => readSafetensors(file.subarray(0, file.length - 1))).toThrow(
      /tensor 'head.bias' has data_offsets \[\d+,\d+\] outside the \d+ data bytes/,
    );
    const notJson = makeSafetensors({});
    notJson[8] = 0x7b;
    notJson[9] = 0x78;
    expect(() => readSafetensors(notJson)).toThrow(/header is not valid UTF-8 JSON/);
    expect(() => readSafetensors(makeSafetensors([1, 2]))).toThrow(/header must be a JSON object/);
    expect(() =>
      readSafetensors(makeSafetensors({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8))),
    ).toThrow(/tensor 'a' has unsupported dtype 'C64'/);
    expect(() =>
      readSafetensors(makeSafetensors({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8))),
    ).toThrow(/tensor 'a' \(F32 \[3\]\) needs 12 bytes, data_offsets span 8/);
    expect(() =>
      readSafetensors(makeSafetensors({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4))),
    ).toThrow(/tensor 'a' has invalid shape \[an integer \(-1\)\]/);
  });

  it('skips __metadata__ and reads an empty file', () => {
    expect(readSafetensors(makeSafetensors({ __metadata__: { format: 'pt' } })).size).toBe(0);
  });
});
