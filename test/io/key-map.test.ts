// loadTorchStateDict's keyMap option: functions and presets rename keys before matching, null
// skips a key, bad options and bad function results are Errors naming keyMap, and a failed load
// writes nothing. The DeepFill v2 preset against the port's checkpoints is in
// test/models/deepfillv2-pytorch.test.ts.
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import type { StateDict } from '../../src/io/state-dict';
import { resolveTorchKeyMap, TORCH_KEY_MAP_PRESETS } from '../../src/io/torch-key-maps';
import { describeBackends } from '../harness/backends';

/** Two convolutions named as torch prefixes 'enc' and 'dec'. */
function twoConvs(): tfl.LayersModel {
  const input = tfl.input({ shape: [4, 4, 2] });
  const a = tfl.layers.conv2d({ name: 'enc', filters: 3, kernelSize: 1 }).apply(input) as tfl.SymbolicTensor;
  const b = tfl.layers.conv2d({ name: 'dec', filters: 2, kernelSize: 1 }).apply(a) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: b });
}

const entry = (shape: number[], start: number) => ({
  dtype: 'float32' as const,
  shape,
  data: Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, (_, i) => start + i),
});

/** The state dict of twoConvs under a wrapper: 'net.enc.inner.weight', ... */
function wrappedDict(): StateDict {
  return new Map([
    ['net.enc.inner.weight', entry([3, 2, 1, 1], 1)],
    ['net.enc.inner.bias', entry([3], 10)],
    ['net.dec.inner.weight', entry([2, 3, 1, 1], 20)],
    ['net.dec.inner.bias', entry([2], 30)],
    ['head.weight', entry([1], 40)],
  ]);
}

const unwrap = (k: string): string | null => (k.startsWith('head.') ? null : k.replace(/^net\.(\w+)\.inner\./, '$1.'));

describeBackends('loadTorchStateDict keyMap', () => {
  it('renames keys with a function before matching; null skips a key', () => {
    const model = twoConvs();
    const report = loadTorchStateDict(model, wrappedDict(), { keyMap: unwrap });
    expect(report).toEqual({
      loaded: ['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias'],
      missing: [],
      unexpected: [],
    });
    expect(Array.from(model.getLayer('dec').getWeights()[1]!.dataSync())).toEqual([30, 31]);
    // torch (out, in, 1, 1) -> tfjs (1, 1, in, out)
    expect(Array.from(model.getLayer('enc').getWeights()[0]!.dataSync())).toEqual([1, 3, 5, 2, 4, 6]);
    model.dispose();
  });

  it('applies after module. stripping and reports unmapped keys as the state dict has them', () => {
    const model = twoConvs();
    const dict: StateDict = new Map([...wrappedDict()].map(([k, v]) => [`module.${k}`, v]));
    const seen: string[] = [];
    const report = loadTorchStateDict(model, dict, {
      strict: false,
      keyMap: (k) => {
        seen.push(k);
        return k.startsWith('net.dec') ? k : unwrap(k);
      },
    });
    expect(seen[0]).toBe('net.enc.inner.weight');
    expect(report.loaded).toEqual(['enc.weight', 'enc.bias']);
    expect(report.missing).toEqual(['dec.weight', 'dec.bias']);
    expect(report.unexpected).toEqual(['net.dec.inner.weight', 'net.dec.inner.bias']);
    model.dispose();
  });

  it('two keys mapped to one weight: the second is unexpected, and a strict load writes nothing', () => {
    const model = twoConvs();
    const before = model.weights.map((w) => Array.from(w.read().dataSync()));
    const dict = wrappedDict();
    dict.set('copy.enc.bias', entry([3], 50));
    const keyMap = (k: string) => (k === 'copy.enc.bias' ? 'enc.bias' : unwrap(k));
    expect(() => loadTorchStateDict(model, dict, { keyMap })).toThrow(/unexpected keys:\n {2}copy\.enc\.bias/);
    expect(model.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(before);
    model.dispose();
  });

  it('rejects bad keyMap options and results with Errors naming keyMap, before writing anything', () => {
    const model = twoConvs();
    const before = model.weights.map((w) => Array.from(w.read().dataSync()));
    const dict = wrappedDict();
    const load = (keyMap: unknown) => () => loadTorchStateDict(model, dict, { keyMap } as never);
    expect(load('deepfill')).toThrow(
      /loadTorchStateDict: keyMap must be a function or one of 'deepfillv2-pytorch-tf', got "deepfill"/,
    );
    expect(load('x'.repeat(10_000))).toThrow(/got "x{80}\.\.\."\.$/);
    expect(load(null)).toThrow(/loadTorchStateDict: keyMap must be a function or a preset name, got null/);
    expect(load(5)).toThrow(/keyMap must be a function or a preset name, got number/);
    expect(load({})).toThrow(/keyMap must be a function or a preset name, got object/);
    expect(load(() => 5)).toThrow(
      /loadTorchStateDict: keyMap must return a string or null, got number for key "net\.enc\.inner\.weight"/,
    );
    expect(load(() => undefined)).toThrow(/keyMap must return a string or null, got undefined/);
    expect(
      load(() => {
        throw new Error('mapper failed');
      }),
    ).toThrow(/mapper failed/);
    expect(model.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(before);
    // The option is checked before the bytes are read: a bad map with bad bytes names the map.
    expect(() => loadTorchStateDict(model, new Uint8Array([1, 2, 3]), { keyMap: 7 as never })).toThrow(/keyMap/);
    model.dispose();
  });
});

it("preset 'deepfillv2-pytorch-tf' drops the port's extra .conv / .conv.conv before weight and bias, nothing else", () => {
  expect(TORCH_KEY_MAP_PRESETS).toEqual(['deepfillv2-pytorch-tf']);
  const map = resolveTorchKeyMap('test', 'deepfillv2-pytorch-tf');
  expect(map('conv1.conv.weight')).toBe('conv1.weight');
  expect(map('xconv7_atrous.conv.bias')).toBe('xconv7_atrous.bias');
  expect(map('allconv13_upsample.conv.conv.weight')).toBe('allconv13_upsample.weight');
  // Anything else passes unchanged, so a strict load reports it.
  for (const k of [
    'conv1.weight',
    'conv1.conv.conv.conv.weight',
    'a.b.conv.weight',
    'conv1.conv.weight_u',
    'conv1.conv_sn.weight',
  ]) {
    expect(map(k)).toBe(k);
  }
});
