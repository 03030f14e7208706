import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/io/read-safetensors';
import { readTorchCheckpoint } from '../../src/io/read-torch-checkpoint';
import type { StateDict } from '../../src/io/state-dict';
import { ZipArchive } from '../../src/io/internal/zip';
import { fixtureBuffer, fixtureBytes, fixtureJson, parsePyFloat, type ExtrasFixture } from './fixtures';
import { makeZip, pickleBytes as pickle } from './hostile-builders';

const extras = fixtureJson<ExtrasFixture>('extras.json');

/** Checks a state dict against extras.json (dtypes, shapes and exact values). */
function expectMatchesExtras(sd: StateDict): void {
  expect([...sd.keys()].sort()).toEqual(Object.keys(extras).sort());
  for (const [name, want] of Object.entries(extras)) {
    const got = sd.get(name)!;
    expect(got.dtype, name).toBe(want.dtype);
    expect(got.shape, name).toEqual(want.shape);
    if (got.data instanceof BigInt64Array) {
      expect(Array.from(got.data, String), name).toEqual(want.values);
    } else if (got.data instanceof Float32Array) {
      expect(got.data, name).toBeInstanceOf(Float32Array);
      // Every fixture value is exactly representable in float32 (float64 ones after rounding).
      expect(Array.from(got.data), name).toEqual(want.values.map((v) => Math.fround(parsePyFloat(v))));
    } else {
      expect(Array.from(got.data as Int32Array | Uint8Array, String), name).toEqual(want.values);
    }
  }
}

describe('readTorchCheckpoint', () => {
  it('reads non-contiguous views, storage offsets, shared storages and every supported dtype', () => {
    expectMatchesExtras(readTorchCheckpoint(fixtureBytes('extras.pth')));
  });

  it('reads a Node Buffer that is a view into a larger pool (readFileSync output)', () => {
    expectMatchesExtras(readTorchCheckpoint(fixtureBuffer('extras.pth')));
    const sd = readTorchCheckpoint(fixtureBuffer('tiny_net.pth'));
    expect(sd).toEqual(readTorchCheckpoint(fixtureBytes('tiny_net.pth')));
    // Results own their memory: they do not alias the caller's buffer.
    expect(sd.get('head.weight')!.data.buffer).not.toBe(fixtureBuffer('tiny_net.pth').buffer);
  });

  it('gives the same tensors as the hand-written safetensors of the tiny net', () => {
    const pth = readTorchCheckpoint(fixtureBytes('tiny_net.pth'));
    const st = readSafetensors(fixtureBytes('tiny_net.safetensors'));
    const keys = fixtureJson<{ keys: Record<string, number[]> }>('tiny_net.json').keys;
    expect([...pth.keys()]).toEqual(Object.keys(keys));
    expect([...st.keys()]).toEqual(Object.keys(keys));
    for (const [k, shape] of Object.entries(keys)) {
      expect(pth.get(k)!.shape, k).toEqual(shape);
      expect(pth.get(k)!.data, k).toEqual(st.get(k)!.data);
    }
    expect(pth.get('body.1.num_batches_tracked')!.data).toEqual(new BigInt64Array([3n]));
  });

  it('reads a protocol-4 pickle (FRAME, MEMOIZE, STACK_GLOBAL) to the same tensors', () => {
    expect(readTorchCheckpoint(fixtureBytes('tiny_net_proto4.pth'))).toEqual(
      readTorchCheckpoint(fixtureBytes('tiny_net.pth')),
    );
  });

  it('takes a nested state dict only through stateDictKey, with a hint otherwise', () => {
    const bytes = fixtureBytes('tiny_net_nested.pth');
    expect(() => readTorchCheckpoint(bytes)).toThrow(
      /entries 'epoch' \(an int \(3\)\), 'state_dict' \(a dict of 15 entries\) are not tensors; .*stateDictKey: 'state_dict'/,
    );
    const sd = readTorchCheckpoint(bytes, { stateDictKey: 'state_dict' });
    expect(sd.get('head.weight')!.data).toEqual(
      readTorchCheckpoint(fixtureBytes('tiny_net.pth')).get('head.weight')!.data,
    );
    expect(() => readTorchCheckpoint(bytes, { stateDictKey: 'model' })).toThrow(
      /stateDictKey 'model' not found; the checkpoint's top-level keys are: 'epoch', 'state_dict'/,
    );
  });

  it('reads the state dict of a training checkpoint holding a Namespace, a numpy scalar and optimizer state', () => {
    const bytes = fixtureBytes('training_checkpoint.pth');
    const sd = readTorchCheckpoint(bytes, { stateDictKey: 'state_dict' });
    expect([...sd.keys()]).toEqual(['weight', 'bias']);
    expect(sd.get('weight')!.shape).toEqual([2, 3]);
    expect(() => readTorchCheckpoint(bytes)).toThrow(
      /'args' \(a pickled 'argparse.Namespace' object\), 'best_score' \(a pickled 'numpy.core.multiarray.scalar' object\), 'epoch' \(an int \(7\)\), 'optimizer' \(a dict of 2 entries\), 'state_dict' \(a dict of 2 entries\) are not tensors; if the state dict is nested, pass \{ stateDictKey: 'state_dict' \}/,
    );
    expect(() => readTorchCheckpoint(bytes, { stateDictKey: 'args' })).toThrow(
      /got a pickled 'argparse.Namespace' object/,
    );
  });

  it('gives clear Errors for truncated and corrupt files', () => {
    const good = fixtureBytes('tiny_net.pth');
    expect(() => readTorchCheckpoint(good.subarray(0, good.length - 10))).toThrow(
      /readTorchCheckpoint: .*(truncated|corrupt)/,
    );
    expect(() => readTorchCheckpoint(good.subarray(0, 3000))).toThrow(/readTorchCheckpoint: .*(truncated|corrupt)/);
    expect(() => readTorchCheckpoint(new Uint8Array([1, 2, 3]))).toThrow(/not a torch.save zip archive/);
    expect(() => readTorchCheckpoint(new Uint8Array([0x80, 2, 0x8a, 0x0a]))).toThrow(/legacy .*torch < 1.6/);
    // A storage shorter than its numel says.
    const pkl = new ZipArchive(good, 'test').read('tiny_net/data.pkl').slice();
    const short = makeZip([
      ['a/data.pkl', pkl],
      ['a/data/0', new Uint8Array(4)],
    ]);
    expect(() => readTorchCheckpoint(short)).toThrow(/storage '0' of tensor 'body.0.weight' has 4 bytes, expected 432/);
    // A pickle cut short.
    const cut = makeZip([['a/data.pkl', pkl.subarray(0, 100)]]);
    expect(() => readTorchCheckpoint(cut)).toThrow(/pickle ends early/);
  });

  it('follows the ZIP64 end record torch writes when the classic one is saturated (> 4 GB archives)', () => {
    const bytes = fixtureBytes('tiny_net.pth').slice();
    const view = new DataView(bytes.buffer);
    let eocd = bytes.length - 22;
    while (view.getUint32(eocd, true) !== 0x06054b50) eocd--;
    view.setUint16(8 + eocd, 0xffff, true);
    view.setUint16(10 + eocd, 0xffff, true);
    view.setUint32(12 + eocd, 0xffffffff, true);
    view.setUint32(16 + eocd, 0xffffffff, true);
    expect(readTorchCheckpoint(bytes)).toEqual(readTorchCheckpoint(fixtureBytes('tiny_net.pth')));
    // Without the ZIP64 locator the saturated record cannot be followed.
    view.setUint32(eocd - 20, 0, true);
    expect(() => readTorchCheckpoint(bytes)).toThrow(/ZIP64 locator missing/);
  });

  it('refuses deflate-compressed entries and archives without data.pkl', () => {
    const deflated = makeZip([['a/data.pkl', pickle('\x80\x02}q\x00.')]], 8);
    expect(() => readTorchCheckpoint(deflated)).toThrow(/entry 'a\/data.pkl' is deflate-compressed/);
    expect(() => readTorchCheckpoint(makeZip([['a/constants.pkl', new Uint8Array(1)]]))).toThrow(/TorchScript/);
  });

  it('never calls unknown globals; their objects are inert and rejected where tensors are needed', () => {
    // pickle of os.system('echo hi'): GLOBAL, then REDUCE.
    const evil = makeZip([['a/data.pkl', pickle('\x80\x02cos\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85R.')]]);
    expect(() => readTorchCheckpoint(evil)).toThrow(
      /does not hold a dict of tensors \(got a pickled 'os.system' object\)/,
    );
    // {'args': argparse.Namespace(lr=0.1) via NEWOBJ + BUILD, 'sd': {}}: the state dict still reads.
    const withArgs = makeZip([
      [
        'a/data.pkl',
        pickle(
          '\x80\x02}(X\x04\x00\x00\x00argscargparse\nNamespace\n)\x81}X\x02\x00\x00\x00lrG\x3f\xb9\x99\x99\x99\x99\x99\x9asb' +
            'X\x02\x00\x00\x00sd}u.',
        ),
      ],
    ]);
    expect(readTorchCheckpoint(withArgs, { stateDictKey: 'sd' }).size).toBe(0);
    expect(() => readTorchCheckpoint(withArgs)).toThrow(/'args' \(a pickled 'argparse.Namespace' object\)/);
    // The tiny net's pickle with its storage class renamed to one we do not decode.
    const pkl = new TextDecoder('latin1').decode(
      new ZipArchive(fixtureBytes('tiny_net.pth'), 'test').read('tiny_net/data.pkl'),
    );
    const renamed = pkl.replace('torch\nFloatStorage\n', 'torch\nComplexFloatStorage\n');
    expect(renamed).not.toBe(pkl);
    expect(() => readTorchCheckpoint(makeZip([['a/data.pkl', pickle(renamed)]]))).toThrow(
      /tensor 'body.0.weight' uses unsupported storage 'torch.ComplexFloatStorage'/,
    );
  });

  it('reads an empty state dict and memoised values (MEMOIZE, LONG_BINPUT/GET)', () => {
    // {} with protocol-4 style memo opcodes.
    const sd = readTorchCheckpoint(
      makeZip([
        ['a/data.pkl', pickle('\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00}\x94r\x01\x00\x00\x00j\x01\x00\x00\x000.')],
      ]),
    );
    expect(sd.size).toBe(0);
  });
});
