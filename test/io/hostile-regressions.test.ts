/**
 * One regression test per reader defect found by hostile-input testing (numbered as in the
 * report that found them), each built from a small file generated here, plus the limits and
 * strictness rules that fixed them. None asserts on time: the cases that used to run for a
 * minute now end in a clear Error, which is what is checked; bench/hostile-io.bench.ts measures.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { describeValue, quote } from '../../src/io/internal/describe';
import { MAX_LONG_BYTES, unpickle } from '../../src/io/internal/pickle';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import { readTorchCheckpoint } from '../../src/io/read-torch-checkpoint';
import { describeBackends } from '../harness/backends';
import { fixtureBytes } from './fixtures';
import {
  f32Bytes,
  makePth,
  sharedDictUnderManyKeys,
  makeSafetensors,
  makeSafetensorsRaw,
  PickleWriter,
  stateDictPickle,
  writeTensor,
  type TensorSpec,
} from './hostile-builders';
import { expectClearError } from './hostile-checks';

const PTH = 'readTorchCheckpoint';
const ST = 'readSafetensors';

/** A .pth holding `{ name: <value written by body> }` (an OrderedDict with one entry). */
function pthWithValue(body: (w: PickleWriter) => void, name = 'w'): Uint8Array {
  const w = new PickleWriter().proto(2).orderedDict().str(name);
  body(w);
  return makePth(w.setitem().stop().bytes());
}

/** Memo "billion laughs": level i is (level i-1, level i-1), level 0 a 1000-character str; leaves the top level on the stack. */
function billionLaughs(w: PickleWriter, levels: number): PickleWriter {
  w.str('x'.repeat(1000)).put(0).pop();
  for (let i = 1; i <= levels; i++)
    w.get(i - 1)
      .get(i - 1)
      .tuple2()
      .put(i)
      .pop();
  return w.get(levels);
}

/** A tuple nested `depth` levels deep: ((((),),),). */
function deepTuple(w: PickleWriter, depth: number): PickleWriter {
  w.emptyTuple();
  for (let i = 0; i < depth; i++) w.tuple1();
  return w;
}

describe('defect 1: LONG4 integers decode in linear time, up to a cap', () => {
  it('refuses a 256 KiB LONG4 with a clear Error', () => {
    const pkl = new PickleWriter()
      .proto(2)
      .long4(new Uint8Array(256 * 1024).fill(0x41))
      .stop()
      .bytes();
    expectClearError(
      () => readTorchCheckpoint(makePth(pkl)),
      PTH,
      /LONG4 integer of 262144 bytes exceeds the 2048-byte limit/,
    );
  });

  it('decodes the largest allowed LONG4 exactly, positive and negative, and LONG1 at every width', () => {
    const max = new Uint8Array(MAX_LONG_BYTES).fill(0xff);
    max[MAX_LONG_BYTES - 1] = 0x7f;
    expect(unpickle(new PickleWriter().proto(2).long4(max).stop().bytes(), 't')).toBe(
      (1n << BigInt(8 * MAX_LONG_BYTES - 1)) - 1n,
    );
    const min = new Uint8Array(MAX_LONG_BYTES);
    min[MAX_LONG_BYTES - 1] = 0x80;
    expect(unpickle(new PickleWriter().proto(2).long4(min).stop().bytes(), 't')).toBe(
      -(1n << BigInt(8 * MAX_LONG_BYTES - 1)),
    );
    for (const v of [
      0n,
      1n,
      -1n,
      255n,
      -129n,
      2n ** 40n,
      -(2n ** 47n),
      2n ** 53n - 1n,
      2n ** 53n,
      -(2n ** 63n),
      2n ** 100n + 7n,
    ]) {
      const got = unpickle(new PickleWriter().proto(2).int(v).stop().bytes(), 't');
      expect(BigInt(got as number | bigint), String(v)).toBe(v);
      // Safe integers are numbers, the rest bigints.
      expect(typeof got).toBe(v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n ? 'number' : 'bigint');
    }
    expect(() =>
      unpickle(
        new PickleWriter()
          .proto(2)
          .long4(new Uint8Array(MAX_LONG_BYTES + 1))
          .stop()
          .bytes(),
        'readX',
      ),
    ).toThrow(/^readX: pickle LONG4 integer of 2049 bytes exceeds the 2048-byte limit/);
  });
});

describe('defect 2: file values never size an Error message', () => {
  it('describes a memo "billion laughs" value by type and length, as a value, a key, a persistent id or a listed key', () => {
    // 2^40 leaves of 1000 characters if expanded; 40 levels cost 40 opcodes.
    const asValue = pthWithValue((w) => billionLaughs(w, 40));
    expectClearError(
      () => readTorchCheckpoint(asValue),
      PTH,
      /entries 'w' \(a list or tuple of 2 items\) are not tensors/,
    );
    const asKey = new PickleWriter().proto(2).orderedDict();
    billionLaughs(asKey, 40).str('v').setitem().stop();
    expectClearError(
      () => readTorchCheckpoint(makePth(asKey.bytes())),
      PTH,
      /key that is not a str: a list or tuple of 2 items/,
    );
    expectClearError(
      () => readTorchCheckpoint(makePth(billionLaughs(new PickleWriter().proto(2), 40).binpersid().stop().bytes())),
      PTH,
      /unsupported persistent id \(a list or tuple of 2 items\)/,
    );
    expectClearError(
      () => readTorchCheckpoint(makePth(asKey.bytes()), { stateDictKey: 'model' }),
      PTH,
      /top-level keys are: a list or tuple of 2 items/,
    );
  });

  it('describes a dict shared under many keys (scanned once for the nested-state-dict hint)', () => {
    // One dict of 2,000 tensors and a trailing int under 2,000 keys; bench/hostile-io.bench.ts
    // times the same file at 1 MB, where a rescan per key would cost 10^10 checks.
    const file = sharedDictUnderManyKeys(2000);
    expectClearError(
      () => readTorchCheckpoint(file),
      PTH,
      /entries 'k0' \(a dict of 2002 entries\), .* and 1990 more are not tensors\.$/,
    );
  });

  it('cuts long names, keys and globals, and lists at most 10 entries', () => {
    const long = 'k'.repeat(1_000_000);
    const w = new PickleWriter().proto(2).orderedDict().mark();
    for (let i = 0; i < 1000; i++) w.str(`${long.slice(0, 100)}${i}`).int(i);
    const many = makePth(w.setitems().stop().bytes());
    const msg = expectClearError(() => readTorchCheckpoint(many), PTH, /and 990 more are not tensors/);
    expect(msg).toContain(`'${'k'.repeat(64)}…' (101 characters) (an int (0))`);
    const opaque = pthWithValue((x) => x.global('m'.repeat(1000), 'n').emptyTuple().reduce());
    expectClearError(() => readTorchCheckpoint(opaque), PTH, /a pickled 'm{64}…' \(1002 characters\) object/);
    // Longer global names are refused where they are read, by GLOBAL or STACK_GLOBAL.
    const longGlobal = pthWithValue((x) => x.global('m'.repeat(100_000), 'n').emptyTuple().reduce());
    expectClearError(
      () => readTorchCheckpoint(longGlobal),
      PTH,
      /global name of 100002 characters exceeds the 1024-character limit/,
    );
    const stackGlobal = pthWithValue((x) => x.str('m'.repeat(2000)).str('n').op(0x93));
    expectClearError(
      () => readTorchCheckpoint(stackGlobal),
      PTH,
      /global name of 2002 characters exceeds the 1024-character limit/,
    );
    const storageKey = makePth(stateDictPickle([{ name: 'w', key: long, numel: 1, size: [1], stride: [1] }]));
    expectClearError(
      () => readTorchCheckpoint(storageKey),
      PTH,
      /archive has no entry 'archive\/data\/k{51}…' \(1000013 characters\)/,
    );
    expect(quote('a\nb\u0000')).toBe("'a\\u000ab\\u0000'");
    expect(describeValue(2n ** 1000n)).toBe('an int of 1004 bits');
  });
});

describe('defect 3: no stack overflow from deep nesting or huge APPENDS', () => {
  it('gives clear Errors for 100k nested tuples as a dict key, a size or a persistent id', () => {
    const asKey = new PickleWriter().proto(2).orderedDict();
    deepTuple(asKey, 100_000).str('v').setitem().stop();
    expectClearError(
      () => readTorchCheckpoint(makePth(asKey.bytes())),
      PTH,
      /key that is not a str: a list or tuple of 1 item/,
    );
    const asSize = pthWithValue((w) => {
      w.global('torch._utils', '_rebuild_tensor_v2').mark();
      w.mark().str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(1).tuple().binpersid();
      w.int(0);
      deepTuple(w, 100_000);
      w.ints([1]).newFalse().orderedDict().tuple().reduce();
    });
    expectClearError(
      () => readTorchCheckpoint(asSize),
      PTH,
      /expected an integer for size, got a list or tuple of 1 item/,
    );
    const asPid = deepTuple(new PickleWriter().proto(2), 100_000).binpersid().stop().bytes();
    expectClearError(
      () => readTorchCheckpoint(makePth(asPid)),
      PTH,
      /unsupported persistent id \(a list or tuple of 1 item\)/,
    );
  });

  it('APPENDS a million items', () => {
    const w = new PickleWriter().proto(2).emptyList().mark();
    for (let i = 0; i < 1_000_000; i++) w.int(i & 0xff);
    const list = unpickle(w.appends().stop().bytes(), 't') as number[];
    expect(list.length).toBe(1_000_000);
    expect(list[999_999]).toBe(999_999 & 0xff);
  });
});

describe('defect 4: every zip offset is checked against the file', () => {
  /** Offset of the first central-directory entry of an archive made by makePth. */
  function centralEntry(bytes: Uint8Array): number {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return v.getUint32(bytes.length - 22 + 16, true);
  }

  it('refuses a central-directory extra-field length past the end, and an extra block past its field', () => {
    const good = makePth(stateDictPickle([]));
    const pastEnd = good.slice();
    new DataView(pastEnd.buffer).setUint16(centralEntry(pastEnd) + 30, 0xffff, true);
    expectClearError(
      () => readTorchCheckpoint(pastEnd),
      PTH,
      /extra field and comment of central directory entry 0 .* outside .*corrupt archive/,
    );
    // The name's last 4 bytes ('.pkl') re-read as an extra block: id '.p', length 'kl' = 27755.
    const pastField = good.slice();
    const view = new DataView(pastField.buffer);
    const p = centralEntry(pastField);
    view.setUint16(p + 28, view.getUint16(p + 28, true) - 4, true);
    view.setUint16(p + 30, 4, true);
    expectClearError(
      () => readTorchCheckpoint(pastField),
      PTH,
      /extra field of entry 'archive\/data' claims 27755 bytes, past the end of the field/,
    );
  });

  it('refuses single-byte flips of every byte of a real file with clear Errors or a correct result', () => {
    const good = fixtureBytes('tiny_net.pth');
    const want = readTorchCheckpoint(good);
    // Every 7th byte, each to 0xff (a saturated length or count where it lands in one).
    for (let i = 0; i < good.length; i += 7) {
      const bad = good.slice();
      bad[i] = 0xff;
      let result: ReturnType<typeof readTorchCheckpoint> | undefined;
      try {
        result = readTorchCheckpoint(bad);
      } catch (e) {
        expect((e as Error).constructor, `byte ${i}: ${(e as Error).message}`).toBe(Error);
        expect((e as Error).message.startsWith(`${PTH}: `)).toBe(true);
        continue;
      }
      // A flip in tensor data changes values, one in a key renames it: whatever reads is consistent.
      expect(result.size, `byte ${i}`).toBeLessThanOrEqual(want.size);
      for (const t of result.values()) expect(t.data.length, `byte ${i}`).toBe(t.shape.reduce((a, d) => a * d, 1));
    }
  });
});

describe('defect 5: a null safetensors entry', () => {
  it('is a clear Error', () => {
    expectClearError(
      () => readSafetensors(makeSafetensors({ a: null })),
      ST,
      /tensor 'a': header entry must be an object with dtype, shape and data_offsets, got null/,
    );
    expectClearError(() => readSafetensors(makeSafetensors({ a: 5 })), ST, /got an integer \(5\)/);
    expectClearError(
      () => readSafetensors(makeSafetensors({ a: { dtype: 'F32', shape: [1] } })),
      ST,
      /invalid data_offsets \(missing\)/,
    );
  });
});

describe('defect 6: views cannot amplify the file (materialisation cap)', () => {
  const broadcast = (n: number): Uint8Array =>
    makePth(stateDictPickle([{ name: 'w', key: '0', numel: 1, size: [n, n], stride: [0, 0] }]), {
      '0': f32Bytes([2.5]),
    });

  it('refuses a stride-0 view of one float as 32768 x 32768 before allocating', () => {
    const file = broadcast(32768);
    expect(file.length).toBeLessThan(1000);
    expectClearError(
      () => readTorchCheckpoint(file),
      PTH,
      /would hold 1073741824 elements, more than 16 times the 1 elements .*'w'.* maxExpansion/,
    );
    // Sizes past 2^53 are counted without losing precision into a small number.
    const huge = makePth(
      stateDictPickle([{ name: 'w', key: '0', numel: 1, size: [2 ** 40, 2 ** 40], stride: [0, 0] }]),
      { '0': f32Bytes([1]) },
    );
    expectClearError(() => readTorchCheckpoint(huge), PTH, /more than 16 times/);
  });

  it('materialises a broadcast view when the caller raises the cap, and small ones within the allowance', () => {
    const sd = readTorchCheckpoint(broadcast(2048), { maxExpansion: Infinity });
    const t = sd.get('w')!;
    expect(t.shape).toEqual([2048, 2048]);
    expect(t.data.length).toBe(2048 * 2048);
    expect((t.data as Float32Array).every((v) => v === 2.5)).toBe(true);
    expectClearError(() => readTorchCheckpoint(broadcast(2048)), PTH, /more than 16 times/);
    // 1024 x 1024 = 2^20 elements: inside the allowance that keeps small broadcast buffers readable.
    expect(readTorchCheckpoint(broadcast(1024)).get('w')!.data.length).toBe(2 ** 20);
  });

  it('counts every view of a shared storage', () => {
    const n = 2 ** 16;
    const views = (count: number): Uint8Array =>
      makePth(
        stateDictPickle(
          Array.from({ length: count }, (_, i) => ({ name: `t${i}`, key: '0', numel: n, size: [n], stride: [1] })),
        ),
        { '0': new Uint8Array(4 * n) },
      );
    expect(readTorchCheckpoint(views(16)).size).toBe(16);
    expectClearError(
      () => readTorchCheckpoint(views(17)),
      PTH,
      /would hold 1114112 elements, more than 16 times the 65536/,
    );
    expect(readTorchCheckpoint(views(17), { maxExpansion: 17 }).size).toBe(17);
  });

  it('refuses overlapping archive entries that would decode the same bytes as many storages', () => {
    // The pickle names 64 storages; every central-directory entry for them points at the same data.
    const specs: TensorSpec[] = Array.from({ length: 64 }, (_, i) => ({
      name: `t${i}`,
      key: String(i),
      numel: 1024,
      size: [1024],
      stride: [1],
    }));
    const entries: [string, Uint8Array][] = [['archive/data.pkl', stateDictPickle(specs)]];
    for (let i = 0; i < 64; i++) entries.push([`archive/data/${i}`, new Uint8Array(0)]);
    const file = makeAliasedZip(entries, 4096);
    expectClearError(
      () => readTorchCheckpoint(file),
      PTH,
      /storages claim more bytes than the \d+-byte file holds \(archive entries overlap\)/,
    );
  });
});

/**
 * A stored zip whose entries named `archive/data/*` all point at one shared local entry of
 * `shared` zero bytes (a zip "bomb" by overlap).
 */
function makeAliasedZip(entries: [string, Uint8Array][], shared: number): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const local = (name: Uint8Array, size: number): Uint8Array => {
    const h = new Uint8Array(30 + name.length);
    const v = new DataView(h.buffer);
    v.setUint32(0, 0x04034b50, true);
    v.setUint32(18, size, true);
    v.setUint32(22, size, true);
    v.setUint16(26, name.length, true);
    h.set(name, 30);
    return h;
  };
  const centralEntry = (name: Uint8Array, size: number, at: number): Uint8Array => {
    const c = new Uint8Array(46 + name.length);
    const v = new DataView(c.buffer);
    v.setUint32(0, 0x02014b50, true);
    v.setUint32(20, size, true);
    v.setUint32(24, size, true);
    v.setUint16(28, name.length, true);
    v.setUint32(42, at, true);
    c.set(name, 46);
    return c;
  };
  const sharedName = enc.encode('archive/shared');
  const sharedAt = offset;
  parts.push(local(sharedName, shared), new Uint8Array(shared));
  offset += 30 + sharedName.length + shared;
  for (const [name, data] of entries) {
    const n = enc.encode(name);
    if (name.startsWith('archive/data/')) {
      central.push(centralEntry(n, shared, sharedAt));
    } else {
      central.push(centralEntry(n, data.length, offset));
      parts.push(local(n, data.length), data);
      offset += 30 + n.length + data.length;
    }
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, central.length, true);
  ev.setUint16(10, central.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
  let p = 0;
  for (const c of all) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

describe('defect 7: a negative storage numel', () => {
  it('is refused for every storage class', () => {
    for (const storageType of ['FloatStorage', 'HalfStorage', 'LongStorage']) {
      const file = makePth(stateDictPickle([{ name: 'w', storageType, key: '0', numel: -1, size: [1], stride: [1] }]), {
        '0': new Uint8Array(8),
      });
      expectClearError(() => readTorchCheckpoint(file), PTH, /storage numel must not be negative, got -1/);
    }
  });
});

describe('defect 8: one storage key, two storage classes', () => {
  it('is refused, as is one key with two sizes', () => {
    const file = makePth(
      stateDictPickle([
        { name: 'a', storageType: 'FloatStorage', key: '0', numel: 2, size: [2], stride: [1] },
        { name: 'b', storageType: 'LongStorage', key: '0', numel: 2, size: [2], stride: [1] },
      ]),
      { '0': new Uint8Array(16) },
    );
    expectClearError(
      () => readTorchCheckpoint(file),
      PTH,
      /tensor 'b' names storage '0' as 'torch.LongStorage' of 2 elements, but tensor 'a' named it 'torch.FloatStorage' of 2/,
    );
    const sizes = makePth(
      stateDictPickle([
        { name: 'a', key: '0', numel: 2, size: [2], stride: [1] },
        { name: 'b', key: '0', numel: 4, size: [4], stride: [1] },
      ]),
      { '0': new Uint8Array(16) },
    );
    expectClearError(() => readTorchCheckpoint(sizes), PTH, /a storage has one type and size/);
  });
});

describe('defect 9: the safetensors header is capped before it is parsed', () => {
  it('refuses a header longer than maxHeaderBytes (default 16 MiB) from its length alone', () => {
    const declared = new Uint8Array(64);
    new DataView(declared.buffer).setBigUint64(0, BigInt(16 * 1024 * 1024 + 1), true);
    expectClearError(
      () => readSafetensors(declared),
      ST,
      /header length 16777217 exceeds the limit of 16777216 bytes .*maxHeaderBytes/,
    );
    // Raised, the same file fails on the next check: it is too short.
    expectClearError(
      () => readSafetensors(declared, { maxHeaderBytes: 32 * 1024 * 1024 }),
      ST,
      /does not fit in a file of 64 bytes/,
    );
    expectClearError(
      () => readSafetensors(declared, { maxHeaderBytes: 200_000_000 }),
      ST,
      /maxHeaderBytes must be an integer from 2 to 100000000, got 200000000/,
    );
  });

  it('reads a header of 16 MiB + 8 only when the cap is raised', () => {
    const text = `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`;
    const file = makeSafetensorsRaw(text.padEnd(16 * 1024 * 1024 + 8, ' '), f32Bytes([3]));
    expectClearError(() => readSafetensors(file), ST, /exceeds the limit/);
    expect(readSafetensors(file, { maxHeaderBytes: 17 * 1024 * 1024 }).get('a')!.data).toEqual(new Float32Array([3]));
  });

  it('refuses nested arrays in __metadata__ and nesting deeper than 128 levels', () => {
    expectClearError(
      () => readSafetensors(makeSafetensors({ __metadata__: { a: [[[1]]] } })),
      ST,
      /__metadata__ must map strings to strings; 'a' holds an array of 1 item/,
    );
    expectClearError(
      () => readSafetensors(makeSafetensorsRaw(`{"__metadata__":{"a":${'['.repeat(500_000)}`)),
      ST,
      /nesting deeper than 128 levels at character \d+/,
    );
  });
});

describeBackends('defect 10: loadTorchStateDict recognises a legacy .pth', () => {
  it('gives the legacy-format message for protocol 2 and 4 legacy files, from every entry point', () => {
    const input = tfl.input({ shape: [3] });
    const dense = tfl.layers.dense({ name: '0', units: 2 });
    const model = tfl.model({ inputs: input, outputs: dense.apply(input) as tfl.SymbolicTensor });
    const before = model.getWeights().map((w) => w.arraySync());
    for (const name of ['legacy.pth', 'legacy_proto4.pth']) {
      const file = fixtureBytes(name);
      expectClearError(() => readTorchCheckpoint(file), PTH, /legacy \(torch < 1\.6, non-zip\) torch\.save file/);
      expectClearError(() => loadTorchStateDict(model, file), PTH, /legacy \(torch < 1\.6, non-zip\) torch\.save file/);
      expectClearError(
        () => readSafetensors(file),
        ST,
        /torch\.save \(\.pth\) file, not safetensors; read it with readTorchCheckpoint/,
      );
    }
    expect(model.getWeights().map((w) => w.arraySync())).toEqual(before);
    tf.dispose(model.getWeights());
  });
});

describe('defect 11: non-str state-dict keys', () => {
  it('are refused: int 1 beside str "1", None, a placeholder', () => {
    const tensor: TensorSpec = { name: '', key: '0', numel: 1, size: [1], stride: [1] };
    const withKey = (key: (w: PickleWriter) => void): Uint8Array => {
      const w = new PickleWriter().proto(2).orderedDict().str('1');
      writeTensor(w, tensor).setitem();
      key(w);
      writeTensor(w, tensor).setitem();
      return makePth(w.stop().bytes(), { '0': f32Bytes([1]) });
    };
    expectClearError(
      () => readTorchCheckpoint(withKey((w) => w.int(1))),
      PTH,
      /the state dict has a key that is not a str: an int \(1\)/,
    );
    expectClearError(() => readTorchCheckpoint(withKey((w) => w.none())), PTH, /key that is not a str: None/);
    expectClearError(
      () => readTorchCheckpoint(withKey((w) => w.global('posix', 'system').mark().str('id').tuple().reduce())),
      PTH,
      /key that is not a str: a pickled 'posix.system' object/,
    );
    // The str key alone reads.
    expect([...readTorchCheckpoint(withKey((w) => w.str('2'))).keys()]).toEqual(['1', '2']);
  });
});

describe('defect 12: safetensors as strict as the reference implementation', () => {
  const f32 = (begin: number, end: number, shape = [(end - begin) / 4]) => ({
    dtype: 'F32',
    shape,
    data_offsets: [begin, end],
  });

  it('refuses overlapping, aliased and reversed data_offsets, gaps and trailing bytes', () => {
    const data = new Uint8Array(16);
    expectClearError(
      () => readSafetensors(makeSafetensors({ a: f32(0, 8), b: f32(4, 12), c: f32(12, 16) }, data)),
      ST,
      /tensor 'b' data_offsets \[4, 12\] overlap tensor 'a', which ends at 8/,
    );
    expectClearError(
      () => readSafetensors(makeSafetensors({ a: f32(0, 16), b: f32(0, 16) }, data)),
      ST,
      /tensor '[ab]' data_offsets \[0, 16\] overlap tensor '[ab]'/,
    );
    expectClearError(
      () => readSafetensors(makeSafetensors({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, data)),
      ST,
      /data_offsets \[8, 4\] that end before they begin/,
    );
    expectClearError(
      () => readSafetensors(makeSafetensors({ a: f32(0, 4), b: f32(8, 16) }, data)),
      ST,
      /data bytes \[4, 8\) belong to no tensor \(a gap before tensor 'b'\)/,
    );
    expectClearError(
      () => readSafetensors(makeSafetensors({ a: f32(4, 16) }, data)),
      ST,
      /data bytes \[0, 4\) belong to no tensor/,
    );
    expectClearError(
      () => readSafetensors(makeSafetensors({ a: f32(0, 12) }, data)),
      ST,
      /4 trailing bytes after the last tensor's data/,
    );
    expectClearError(() => readSafetensors(makeSafetensors({}, data)), ST, /16 trailing bytes/);
  });

  it('refuses duplicate keys, a BOM, non-string metadata and non-integer numbers', () => {
    const one = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    expectClearError(
      () => readSafetensors(makeSafetensorsRaw(`{"a":${one},"a":${one}}`, new Uint8Array(4))),
      ST,
      /duplicate key 'a' at character 54/,
    );
    expectClearError(
      () =>
        readSafetensors(
          makeSafetensorsRaw(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, new Uint8Array(4)),
        ),
      ST,
      /duplicate key 'dtype'/,
    );
    expectClearError(
      () => readSafetensors(makeSafetensorsRaw(`\ufeff{"a":${one}}`, new Uint8Array(4))),
      ST,
      /byte-order mark/,
    );
    expectClearError(
      () => readSafetensors(makeSafetensors({ __metadata__: { format: 1 } })),
      ST,
      /'format' holds an integer \(1\)/,
    );
    expectClearError(
      () => readSafetensors(makeSafetensors({ __metadata__: ['pt'] })),
      ST,
      /__metadata__ must be an object of strings, got an array of 1 item/,
    );
    expectClearError(
      () =>
        readSafetensors(
          makeSafetensorsRaw(`{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}`, new Uint8Array(4)),
        ),
      ST,
      /invalid shape \[a number \(1\.0\)\]/,
    );
    expectClearError(
      () =>
        readSafetensors(
          makeSafetensorsRaw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4e0]}}`, new Uint8Array(4)),
        ),
      ST,
      /invalid data_offsets/,
    );
    expectClearError(
      () => readSafetensors(makeSafetensorsRaw(`{"a":1}  x`)),
      ST,
      /trailing characters after the JSON value/,
    );
  });

  it('accepts, like the reference, tensors listed out of offset order, null __metadata__ and unknown entry fields', () => {
    const header = `{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8],"extra":{"x":[1.5,null]}},"__metadata__":null,"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`;
    const sd = readSafetensors(makeSafetensorsRaw(header, f32Bytes([1, 2])));
    expect([...sd.keys()]).toEqual(['b', 'a']);
    expect(sd.get('a')!.data).toEqual(new Float32Array([1]));
    expect(sd.get('b')!.data).toEqual(new Float32Array([2]));
    // Zero-byte tensors may share an offset, as in the reference.
    const empty = readSafetensors(
      makeSafetensors({
        e: { dtype: 'F32', shape: [0, 3], data_offsets: [0, 0] },
        f: { dtype: 'I64', shape: [0], data_offsets: [0, 0] },
      }),
    );
    expect(empty.get('e')!.shape).toEqual([0, 3]);
  });

  it('refuses ranks above 64 and keeps shape products exact', () => {
    expectClearError(
      () =>
        readSafetensors(
          makeSafetensors(
            { a: { dtype: 'U8', shape: new Array(65).fill(1), data_offsets: [0, 1] } },
            new Uint8Array(1),
          ),
        ),
      ST,
      /invalid shape an array of 65 items/,
    );
    expectClearError(
      () =>
        readSafetensors(
          makeSafetensors(
            { a: { dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 4] } },
            new Uint8Array(4),
          ),
        ),
      ST,
      /needs more than the 4 data bytes/,
    );
  });
});

describe('options and inputs are validated before reading', () => {
  it('names the function and the argument', () => {
    const good = fixtureBytes('tiny_net.pth');
    expectClearError(() => readTorchCheckpoint(good, null as never), PTH, /options must be an object, got null/);
    expectClearError(
      () => readTorchCheckpoint(good, { maxExpansion: 0 }),
      PTH,
      /maxExpansion must be a number from 1 to Infinity, got 0/,
    );
    expectClearError(() => readTorchCheckpoint(good, { maxExpansion: Number.NaN }), PTH, /maxExpansion must be/);
    expectClearError(
      () => readTorchCheckpoint(good, { stateDictKey: 5 as never }),
      PTH,
      /stateDictKey must be a string, got an integer \(5\)/,
    );
    expectClearError(
      () => readTorchCheckpoint('x'.repeat(10_000) as never),
      PTH,
      /expected a Uint8Array \(or Buffer\), got a string 'x{64}…' \(10000 characters\)/,
    );
    expectClearError(
      () => readSafetensors(fixtureBytes('tiny_net.safetensors'), { maxHeaderBytes: '1' as never }),
      ST,
      /maxHeaderBytes must be an integer/,
    );
    expectClearError(
      () => readSafetensors(fixtureBytes('tiny_net.safetensors'), [] as never),
      ST,
      /options must be an object, got an array of 0 items/,
    );
  });
});

describe('loadTorchStateDict bounds what a file puts in its messages', () => {
  it('lists at most 20 unexpected keys, each cut, and counts the rest', () => {
    const input = tfl.input({ shape: [4] });
    const model = tfl.model({
      inputs: input,
      outputs: tfl.layers.dense({ name: 'fc', units: 2 }).apply(input) as never,
    });
    const dict = new Map<string, { dtype: 'float32'; shape: number[]; data: Float32Array }>();
    dict.set('fc.weight', { dtype: 'float32', shape: [2, 4], data: new Float32Array(8) });
    dict.set('fc.bias', { dtype: 'float32', shape: [2], data: new Float32Array(2) });
    for (let i = 0; i < 5000; i++)
      dict.set(`x${i}${'y'.repeat(i === 0 ? 100_000 : 0)}`, {
        dtype: 'float32',
        shape: [1],
        data: new Float32Array(1),
      });
    let message = '';
    try {
      loadTorchStateDict(model, dict as never);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/unexpected keys:/);
    expect(message).toMatch(/\.\.\. and 4980 more/);
    expect(message.length).toBeLessThan(3000);
    model.dispose();
  });

  it('rejects null and wrong-typed options before reading the file', () => {
    const model = {} as never;
    expect(() => loadTorchStateDict(model, new Uint8Array(8), null as never)).toThrow(
      /loadTorchStateDict: options must be an object/,
    );
    expect(() => loadTorchStateDict(model, new Uint8Array(8), { strict: 'yes' as never })).toThrow(
      /strict must be a boolean/,
    );
    expect(() => loadTorchStateDict(model, null as never)).toThrow(
      /bytes must be a Uint8Array or a StateDict \(Map\), got null\./,
    );
  });
});
