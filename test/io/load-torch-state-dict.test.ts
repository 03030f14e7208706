import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { exportTorchStateDict } from '../../src/io/export-torch-state-dict';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import { readTorchCheckpoint } from '../../src/io/read-torch-checkpoint';
import type { StateDict, StateDictTensor } from '../../src/io/state-dict';
import { batchNormalizationTorch } from '../../src/layers/batch-normalization-torch';
import { instanceNormalization } from '../../src/layers/instance-normalization';
import { spectralNormalization } from '../../src/layers/spectral-normalization';
import { describeBackends } from '../harness/backends';
import { fixtureBytes, fixtureJson } from './fixtures';

interface TinyNetFixture {
  keys: Record<string, number[]>;
  input_nhwc: { shape: number[]; data: number[] };
  features_nhwc: { shape: number[]; data: number[] };
  output: { shape: number[]; data: number[] };
}

const fixture = fixtureJson<TinyNetFixture>('tiny_net.json');

/**
 * The fixture script's TinyNet in tfjs, each weighted layer named by its torch state-dict prefix.
 * Padding: k3 s1 p1 and k4 s2 p1 (even input) are TF 'same'; ConvTranspose k4 s2 p1 is TF 'same'.
 */
function tinyNet(norm: 'tfjs' | 'torch' = 'tfjs'): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3] });
  let x = tfl.layers
    .conv2d({ name: 'body.0', filters: 4, kernelSize: 3, padding: 'same' })
    .apply(input) as tfl.SymbolicTensor;
  const bn =
    norm === 'tfjs'
      ? tfl.layers.batchNormalization({ name: 'body.1', epsilon: 1e-5 })
      : batchNormalizationTorch({ name: 'body.1' });
  x = bn.apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU().apply(x) as tfl.SymbolicTensor;
  const down = tfl.layers.conv2d({ filters: 6, kernelSize: 4, strides: 2, padding: 'same' });
  x = spectralNormalization({ name: 'body.3', layer: down }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(x) as tfl.SymbolicTensor;
  const features = tfl.layers
    .conv2dTranspose({ name: 'body.5', filters: 5, kernelSize: 4, strides: 2, padding: 'same' })
    .apply(x) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(features) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ name: 'head', units: 2 }).apply(pooled) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: [features, out], name: 'tiny_net' });
}

/** All weights of a model as plain arrays, by variable order. */
function weightValues(model: tfl.LayersModel): number[][] {
  return model.weights.map((w) => Array.from(w.read().dataSync()));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function predict(model: tfl.LayersModel): { features: Float32Array; out: Float32Array } {
  const x = tf.tensor(fixture.input_nhwc.data, fixture.input_nhwc.shape);
  const [f, o] = model.predict(x) as tf.Tensor[];
  const result = { features: f!.dataSync() as Float32Array, out: o!.dataSync() as Float32Array };
  tf.dispose([x, f!, o!]);
  return result;
}

/** A copy of a state dict with selected keys renamed, dropped or replaced. */
function edit(sd: StateDict, fn: (k: string) => string | null): StateDict {
  const out: StateDict = new Map();
  for (const [k, v] of sd) {
    const nk = fn(k);
    if (nk !== null) out.set(nk, v);
  }
  return out;
}

const spectralFixture = fixtureJson<TinyNetFixture>('spectral_net.json');

/** The fixture script's SpectralNet: spectral norm around a transposed convolution and a dense layer. */
function spectralNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [4, 4, 3] });
  const up = tfl.layers.conv2dTranspose({ filters: 4, kernelSize: 4, strides: 2, padding: 'same' });
  let x = spectralNormalization({ name: 'up', layer: up }).apply(input) as tfl.SymbolicTensor;
  const features = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(features) as tfl.SymbolicTensor;
  const out = spectralNormalization({ name: 'fc', layer: tfl.layers.dense({ units: 3 }) }).apply(
    x,
  ) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: [features, out], name: 'spectral_net' });
}

describeBackends('loadTorchStateDict', () => {
  it('loads torch.save .pth weights: forward pass matches PyTorch (<= 1e-4)', () => {
    const model = tinyNet();
    const before = tf.memory().numTensors;
    const report = loadTorchStateDict(model, fixtureBytes('tiny_net.pth'));
    expect(tf.memory().numTensors).toBe(before);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.loaded.sort()).toEqual(
      Object.keys(fixture.keys)
        .filter((k) => !k.endsWith('num_batches_tracked'))
        .sort(),
    );
    const { features, out } = predict(model);
    const diffFeatures = maxAbsDiff(features, fixture.features_nhwc.data);
    const diffOut = maxAbsDiff(out, fixture.output.data);
    console.log(`[${tf.getBackend()}] tiny net: max |tfjs - torch| features ${diffFeatures}, output ${diffOut}`);
    expect(diffFeatures).toBeLessThanOrEqual(1e-4);
    expect(diffOut).toBeLessThanOrEqual(1e-4);
    // Guard against a vacuous comparison: outputs are not near zero.
    expect(Math.max(...Array.from(features, Math.abs))).toBeGreaterThan(0.1);
    model.dispose();
  });

  it('loads into BatchNormalizationTorch the same way (forward pass matches PyTorch)', () => {
    const model = tinyNet('torch');
    expect(model.getLayer('body.1').getClassName()).toBe('BatchNormalizationTorch');
    loadTorchStateDict(model, fixtureBytes('tiny_net.safetensors'));
    const { features, out } = predict(model);
    expect(maxAbsDiff(features, fixture.features_nhwc.data)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(out, fixture.output.data)).toBeLessThanOrEqual(1e-4);
    model.dispose();
  });

  it("spectral norm on ConvTranspose2d (torch's dim 1) and Linear: u, v load as is and the output matches", () => {
    const model = spectralNet();
    const report = loadTorchStateDict(model, fixtureBytes('spectral_net.pth'));
    expect(report.loaded.sort()).toEqual(Object.keys(spectralFixture.keys).sort());
    const x = tf.tensor(spectralFixture.input_nhwc.data, spectralFixture.input_nhwc.shape);
    const [f, o] = model.predict(x) as tf.Tensor[];
    expect(maxAbsDiff(f!.dataSync(), spectralFixture.features_nhwc.data)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(o!.dataSync(), spectralFixture.output.data)).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, f!, o!]);
    // And back: the export equals the torch state dict.
    const exported = readSafetensors(exportTorchStateDict(model));
    for (const [k, t] of readTorchCheckpoint(fixtureBytes('spectral_net.pth'))) expect(exported.get(k), k).toEqual(t);
    model.dispose();
  });

  it('accepts the key names of torch.nn.utils.parametrizations.spectral_norm', () => {
    const pfix = fixtureJson<TinyNetFixture>('parametrized_spectral_net.json');
    const model = spectralNet();
    const report = loadTorchStateDict(model, fixtureBytes('parametrized_spectral_net.pth'));
    expect(report.loaded.sort()).toEqual(Object.keys(pfix.keys).sort());
    const x = tf.tensor(pfix.input_nhwc.data, pfix.input_nhwc.shape);
    const [f, o] = model.predict(x) as tf.Tensor[];
    expect(maxAbsDiff(f!.dataSync(), pfix.features_nhwc.data)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(o!.dataSync(), pfix.output.data)).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, f!, o!]);
    // Both spellings of one weight: the second is unexpected.
    const both = readTorchCheckpoint(fixtureBytes('parametrized_spectral_net.pth'));
    both.set('fc.weight_u', both.get('fc.parametrizations.weight.0._u')!);
    expect(() => loadTorchStateDict(model, both)).toThrow(/unexpected keys:\n {2}fc\.weight_u/);
    model.dispose();
  });

  it('loads the safetensors file to identical weights', () => {
    const a = tinyNet();
    const b = tinyNet();
    loadTorchStateDict(a, fixtureBytes('tiny_net.pth'));
    loadTorchStateDict(b, fixtureBytes('tiny_net.safetensors'));
    expect(weightValues(b)).toEqual(weightValues(a));
    // Explicit formats behave as detection does; a wrong one fails in that reader.
    const c = tinyNet();
    loadTorchStateDict(c, fixtureBytes('tiny_net.pth'), { format: 'pth' });
    expect(weightValues(c)).toEqual(weightValues(a));
    expect(() => loadTorchStateDict(c, fixtureBytes('tiny_net.pth'), { format: 'safetensors' })).toThrow(
      /readSafetensors/,
    );
    expect(() => loadTorchStateDict(c, new Uint8Array(8), { format: 'onnx' as 'pth' })).toThrow(/format must be/);
    for (const m of [a, b, c]) m.dispose();
  });

  it('exports the same state dict it loaded, and export -> load round-trips exactly', () => {
    const a = tinyNet();
    loadTorchStateDict(a, fixtureBytes('tiny_net.pth'));
    const before = tf.memory().numTensors;
    const bytes = exportTorchStateDict(a);
    expect(tf.memory().numTensors).toBe(before);
    const exported = readSafetensors(bytes);
    const original = readTorchCheckpoint(fixtureBytes('tiny_net.pth'));
    expect([...exported.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [k, t] of original) {
      if (k.endsWith('num_batches_tracked')) {
        expect(exported.get(k)).toEqual({ dtype: 'int64', shape: [], data: new BigInt64Array([0n]) });
      } else {
        expect(exported.get(k), k).toEqual(t);
      }
    }
    const b = tinyNet();
    loadTorchStateDict(b, bytes);
    expect(weightValues(b)).toEqual(weightValues(a));
    a.dispose();
    b.dispose();
  });

  it("strips DataParallel's 'module.' prefix and reads a nested checkpoint via stateDictKey", () => {
    const ref = tinyNet();
    loadTorchStateDict(ref, fixtureBytes('tiny_net.pth'));
    const sd = readTorchCheckpoint(fixtureBytes('tiny_net.pth'));
    const m = tinyNet();
    const report = loadTorchStateDict(
      m,
      edit(sd, (k) => `module.${k}`),
    );
    expect(report.loaded).toContain('head.weight');
    expect(weightValues(m)).toEqual(weightValues(ref));
    const n = tinyNet();
    loadTorchStateDict(n, fixtureBytes('tiny_net_nested.pth'), { stateDictKey: 'state_dict' });
    expect(weightValues(n)).toEqual(weightValues(ref));
    for (const x of [ref, m, n]) x.dispose();
  });

  it('strict: one Error lists missing, unexpected and mis-shaped keys, and nothing is written', () => {
    const sd = readTorchCheckpoint(fixtureBytes('tiny_net.pth'));
    const bad = edit(sd, (k) => (k === 'body.5.bias' ? null : k === 'head.bias' ? 'head.bias_extra' : k));
    const w = sd.get('body.0.weight')!;
    bad.set('body.0.weight', { ...w, shape: [4, 3, 9], data: w.data });
    const m = tinyNet();
    const before = weightValues(m);
    let message = '';
    try {
      loadTorchStateDict(m, bad);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^loadTorchStateDict: the state dict does not fit model 'tiny_net'; nothing was loaded/);
    expect(message).toContain('body.0.weight: expected [4,3,3,3], got [4,3,9]');
    expect(message).toMatch(/missing keys:\n {2}body\.5\.bias\n {2}head\.bias\n/);
    expect(message).toMatch(/unexpected keys:\n {2}head\.bias_extra/);
    expect(weightValues(m)).toEqual(before);
    m.dispose();
  });

  it('strict: false loads what matches and reports the rest; shape mismatches still throw', () => {
    const sd = readTorchCheckpoint(fixtureBytes('tiny_net.pth'));
    const partial = edit(sd, (k) => (k.startsWith('head.') ? null : k));
    partial.set('extra.weight', sd.get('head.weight')!);
    const m = tinyNet();
    const report = loadTorchStateDict(m, partial, { strict: false });
    expect(report.missing).toEqual(['head.weight', 'head.bias']);
    expect(report.unexpected).toEqual(['extra.weight']);
    expect(report.loaded).toContain('body.3.weight_v');
    const ref = tinyNet();
    loadTorchStateDict(ref, sd);
    const body5 = (model: tfl.LayersModel) => Array.from(model.getLayer('body.5').getWeights()[0]!.dataSync());
    expect(body5(m)).toEqual(body5(ref));
    const w = sd.get('head.bias')!;
    const misShaped = edit(sd, (k) => k);
    misShaped.set('head.bias', { ...w, shape: [1, 2] });
    expect(() => loadTorchStateDict(m, misShaped, { strict: false })).toThrow(
      /head\.bias: expected \[2\], got \[1,2\]/,
    );
    m.dispose();
    ref.dispose();
  });

  it('InstanceNormalization takes weight/bias and drops stale running stats', () => {
    const input = tfl.input({ shape: [4, 4, 3] });
    const y = instanceNormalization({ name: 'norm', center: true, scale: true }).apply(input) as tfl.SymbolicTensor;
    const plain = instanceNormalization({ name: 'plain' }).apply(y) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: input, outputs: plain });
    const f = (v: number[]): StateDictTensor => ({ dtype: 'float32', shape: [v.length], data: new Float32Array(v) });
    const sd: StateDict = new Map<string, StateDictTensor>([
      ['norm.weight', f([1, 2, 3])],
      ['norm.bias', f([-1, 0, 1])],
      ['norm.running_mean', f([0, 0, 0])],
      ['norm.running_var', f([1, 1, 1])],
      ['norm.num_batches_tracked', { dtype: 'int64', shape: [], data: new BigInt64Array([7n]) }],
      ['plain.running_mean', f([0, 0, 0])],
      ['plain.running_var', f([1, 1, 1])],
    ]);
    const report = loadTorchStateDict(m, sd);
    expect(report).toEqual({ loaded: ['norm.weight', 'norm.bias'], missing: [], unexpected: [] });
    expect(Array.from(m.getLayer('norm').getWeights()[0]!.dataSync())).toEqual([1, 2, 3]);
    m.dispose();
  });

  it('reports layers with weights but no converter, in loading and in export', () => {
    const input = tfl.input({ shape: [5, 2] });
    const out = tfl.layers.conv1d({ name: 'c', filters: 2, kernelSize: 3 }).apply(input) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: input, outputs: out });
    expect(() => loadTorchStateDict(m, new Map())).toThrow(
      /layer 'c' \(Conv1D\) has weights \[.*\] but no PyTorch converter/,
    );
    expect(loadTorchStateDict(m, new Map(), { strict: false }).missing[0]).toMatch(/^model: layer 'c' \(Conv1D\)/);
    expect(() => exportTorchStateDict(m)).toThrow(/exportTorchStateDict: model '.*' cannot be exported/);
    m.dispose();
  });
});
