import { describe, expect, it } from 'vitest';
import { PickledTensor, PyOpaque, unpickle } from '../../../src/io/internal/pickle';

/** Pickle bytes from opcodes given as a latin-1 string. */
function bytes(src: string): Uint8Array {
  return Uint8Array.from(src, (c) => c.charCodeAt(0));
}

describe('unpickle (restricted)', () => {
  it('decodes scalars: ints of every width, LONG1 (incl. beyond 2^53), BINFLOAT, None, bools, strings', () => {
    // (BININT -2, BININT1 255, BININT2 65535, LONG1 2^63-1, LONG1 -1, BINFLOAT 1.5, None, True, False, 'é', b'\x00\x01')
    const src =
      '\x80\x02(J\xfe\xff\xff\xffK\xffM\xff\xff\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f\x8a\x01\xff' +
      'G\x3f\xf8\x00\x00\x00\x00\x00\x00N\x88\x89X\x02\x00\x00\x00\xc3\xa9C\x02\x00\x01t.';
    expect(unpickle(bytes(src), 't')).toEqual([
      -2,
      255,
      65535,
      2n ** 63n - 1n,
      -1,
      1.5,
      null,
      true,
      false,
      'é',
      new Uint8Array([0, 1]),
    ]);
  });

  it('builds lists, tuples and dicts with APPEND(S), SETITEM(S) and the memo', () => {
    // d = {}; d['a'] = [1, 2, 3]; d['b'] = (d['a'],) via BINGET
    const src = '\x80\x02}q\x00(X\x01\x00\x00\x00a]q\x01K\x01a(K\x02K\x03\x86eX\x01\x00\x00\x00bh\x01\x85u.';
    const d = unpickle(bytes(src), 't') as Map<string, unknown>;
    expect(d.get('a')).toEqual([1, [2, 3]]);
    expect((d.get('b') as unknown[])[0]).toBe(d.get('a'));
  });

  it('rebuilds a tensor from a persistent storage id', () => {
    // _rebuild_tensor_v2(('storage', torch.FloatStorage, '0', 'cpu', 6), 1, (2, 2), (3, 1), False, OrderedDict())
    const src =
      '\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(' +
      '(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x06tQ' +
      'K\x01K\x02K\x02\x86K\x03K\x01\x86\x89ccollections\nOrderedDict\n)RtR.';
    const t = unpickle(bytes(src), 't') as PickledTensor;
    expect(t).toBeInstanceOf(PickledTensor);
    expect(t.storage).toEqual({ kind: 'storage', storageType: 'FloatStorage', key: '0', location: 'cpu', numel: 6 });
    expect([t.offset, t.size, t.stride]).toEqual([1, [2, 2], [3, 1]]);
  });

  it('names the owner, the problem and the byte position in Errors', () => {
    // A call of a non-allow-listed global is a placeholder, never a call.
    expect(unpickle(bytes('\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R.'), 'readX')).toEqual(
      new PyOpaque('builtins.eval'),
    );
    expect(() => unpickle(bytes('\x80\x02K\x01K\x02\x85R.'), 'readX')).toThrow(
      /^readX: pickle REDUCE on a non-callable: an int \(1\)/,
    );
    expect(() => unpickle(bytes('\x80\x02\xff'), 'readX')).toThrow(/opcode 0xff is not supported \(at byte 2\)/);
    expect(() => unpickle(bytes('\x80\x02h\x05'), 'readX')).toThrow(/memo has no entry 5/);
    expect(() => unpickle(bytes('\x80\x02X\x10\x00\x00\x00ab'), 'readX')).toThrow(/ends early/);
    expect(() => unpickle(bytes('\x80\x02K\x01K\x02.'), 'readX')).toThrow(/STOP with 2 values/);
    expect(() => unpickle(bytes('\x80\x02K\x01K\x02s.'), 'readX')).toThrow(
      /stack underflow|SETITEM\(S\) on a non-dict/,
    );
  });
});
