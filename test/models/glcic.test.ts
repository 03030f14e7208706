// GLCIC's networks against the PyTorch port otenim/GLCIC-PyTorch (models.py): state-dict layout
// and parameter counts at the port's default sizes, and parity of the completion network (eval
// and train mode, weight gradients) and the discriminators with the port's own forward pass.
// The weights are recomputed here from the integer hash of
// test/fixtures/models/glcic/generate_glcic.py (the networks are too wide to store).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import type { StateDict } from '../../src/io/state-dict';
import {
  glcicCompletionNetwork,
  glcicContextDiscriminator,
  glcicGlobalDiscriminator,
  glcicLocalDiscriminator,
} from '../../src/models/glcic';
import { describeBackends } from '../harness/backends';
import { withZeroWeights } from '../harness/zero-weights';
import { count, maxAbsDiff, tensorOf, torchLayoutOf } from './helpers';

const FIXTURES = new URL('../fixtures/models/glcic/', import.meta.url);
const io = readSafetensors(new Uint8Array(readFileSync(new URL('glcic.io.safetensors', FIXTURES))));
interface KeyInfo {
  keys: Record<string, number[]>;
  parameters: number;
}
const KEYS = JSON.parse(readFileSync(new URL('glcic_keys.json', FIXTURES), 'utf8')) as Record<
  'completion' | 'local' | 'global_celeba' | 'global_places2' | 'context',
  KeyInfo
>;

/** MurmurHash3's finaliser, the twin of the script's numpy fmix32. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hashed state dicts, computed once per file for both backends (the loader only reads them). */
const HASHED = new Map<string, StateDict>();

/**
 * The script's `fill`: each state-dict tensor from the hash of its position. `linearIn` gives the
 * input width of the linear layers at the fixture's (smaller) sizes.
 */
function hashedStateDict(info: KeyInfo, linearIn: Record<string, number> = {}): StateDict {
  const memoKey = `${Object.keys(info.keys)[0]} ${info.parameters} ${JSON.stringify(linearIn)}`;
  const memo = HASHED.get(memoKey);
  if (memo) return memo;
  const dict: StateDict = new Map();
  Object.entries(info.keys).forEach(([key, fullShape], i) => {
    if (key.endsWith('num_batches_tracked')) return;
    const shape = Object.hasOwn(linearIn, key) ? [fullShape[0]!, linearIn[key]!] : fullShape;
    const n = shape.reduce((a, b) => a * b, 1);
    const leaf = key.slice(key.lastIndexOf('.') + 1);
    const mod = key.slice(0, key.lastIndexOf('.')).split('.').pop()!;
    let value: (u: number) => number;
    if (mod.startsWith('bn')) {
      value = {
        weight: (u: number) => 0.5 + u,
        bias: (u: number) => 0.2 * (2 * u - 1),
        running_mean: (u: number) => 0.2 * (2 * u - 1),
        running_var: (u: number) => 0.5 + u,
      }[leaf]!;
    } else if (leaf === 'weight') {
      const fanIn = mod.startsWith('deconv') ? shape[1]! * shape[2]! * shape[3]! : n / shape[0]!;
      const bound = Math.sqrt(6 / fanIn);
      value = (u) => bound * (2 * u - 1);
    } else {
      value = (u) => 0.1 * (2 * u - 1);
    }
    const data = new Float32Array(n);
    const salt = Math.imul(i, 0x85ebca77);
    for (let j = 0; j < n; j++) data[j] = value(fmix32((Math.imul(j + 1, 0x9e3779b1) + salt) >>> 0) / 4294967296);
    dict.set(key, { dtype: 'float32', shape, data });
  });
  HASHED.set(memoKey, dict);
  return dict;
}

function loadStrict(model: tfl.LayersModel, dict: StateDict): void {
  const report = loadTorchStateDict(model, dict);
  expect(report.unexpected).toEqual([]);
  expect(report.missing).toEqual([]);
}

// Counts and layouts depend on shapes only: the networks (110M parameters in all) are built with
// zero weights on cpu, and their state-dict layout is read from the model's key plan (what
// io.loadTorchStateDict matches a file against) without loading data; the parity tests below
// load every key strictly with data, at sizes where only the linear layers' widths differ.
describeBackends("GLCIC networks at the port's default sizes", () => {
  it.each([
    ['completion', () => glcicCompletionNetwork()],
    ['local', () => glcicLocalDiscriminator()],
    ['global_celeba', () => glcicGlobalDiscriminator()],
    ['global_places2', () => glcicGlobalDiscriminator({ arc: 'places2', inputShape: [256, 256] })],
    ['context', () => glcicContextDiscriminator()],
  ] as const)("%s: the port's parameter count and state-dict layout", (name, build) => {
    const model = withZeroWeights(build);
    const info = KEYS[name];
    expect(count(model.trainableWeights)).toBe(info.parameters);
    // Running statistics: the port's running_mean and running_var.
    const running = Object.entries(info.keys)
      .filter(([k]) => k.endsWith('running_mean') || k.endsWith('running_var'))
      .reduce((a, [, shape]) => a + shape.reduce((x, y) => x * y, 1), 0);
    expect(count(model.nonTrainableWeights)).toBe(running);
    // Every key of the port with its shape, no other (num_batches_tracked accepted and dropped).
    const layout = torchLayoutOf(model);
    const portKeys = Object.entries(info.keys).filter(([k]) => !layout.ignored.has(k));
    const dropped = Object.keys(info.keys).filter((k) => layout.ignored.has(k));
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((k) => k.endsWith('.num_batches_tracked'))).toBe(true);
    expect(Object.fromEntries(layout.keys)).toEqual(Object.fromEntries(portKeys));
    console.log(`${name}: ${info.parameters} parameters (+${running} running)`);
    model.dispose();
  });

  it("the completion network has upstream's 6,072,131 parameters", () => {
    expect(KEYS.completion.parameters).toBe(6_072_131);
  });
}, ['cpu']);

describeBackends('GLCIC networks against GLCIC-PyTorch models.py', (backend) => {
  it('completion network: the eval-mode output matches the port', async () => {
    const cn = withZeroWeights(() => glcicCompletionNetwork());
    loadStrict(cn, hashedStateDict(KEYS.completion));
    const x = tensorOf(io, 'cn_input') as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const evalOut = cn.predict(x) as tf.Tensor;
    const dEval = await maxAbsDiff(evalOut, io.get('cn_eval')!);
    console.log(`[${backend}] completion network eval: max abs diff ${dEval.toExponential(2)}`);
    expect(dEval).toBeLessThan(1e-4);
    evalOut.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    cn.dispose();
  });

  it('context discriminator (celeba) and global discriminator (places2) match the port', async () => {
    const cd = withZeroWeights(() => glcicContextDiscriminator({ localShape: [32, 32], globalShape: [64, 64] }));
    loadStrict(cd, hashedStateDict(KEYS.context, { 'model_ld.linear6.weight': 512, 'model_gd.linear6.weight': 2048 }));
    const local = tensorOf(io, 'cd_local');
    const global = tensorOf(io, 'cd_global');
    const evalOut = cd.predict([local, global]) as tf.Tensor;
    const trainOut = cd.apply([local, global], { training: true }) as tf.Tensor;
    const dEval = await maxAbsDiff(evalOut, io.get('cd_eval')!);
    const dTrain = await maxAbsDiff(trainOut, io.get('cd_train')!);
    const gd = withZeroWeights(() => glcicGlobalDiscriminator({ arc: 'places2', inputShape: [64, 64] }));
    loadStrict(gd, hashedStateDict(KEYS.global_places2, { 'linear7.weight': 512 }));
    const gdOut = gd.predict(global) as tf.Tensor;
    const want = io.get('gd_places2_eval')!;
    const scale = Math.max(...Array.from(want.data as Float32Array, Math.abs));
    const dGd = (await maxAbsDiff(gdOut, want)) / scale;
    console.log(
      `[${backend}] context D eval ${dEval.toExponential(2)}, train ${dTrain.toExponential(2)}; ` +
        `places2 global D (relative) ${dGd.toExponential(2)}`,
    );
    expect(dEval).toBeLessThan(1e-5);
    expect(dTrain).toBeLessThan(1e-5);
    expect(dGd).toBeLessThan(1e-4);
    tf.dispose([local, global, evalOut, trainOut, gdOut]);
    cd.dispose();
    gd.dispose();
  });
});

// Train mode (BatchNorm batch statistics) and the weight gradients: on wasm, the training
// backend, only; the cpu backend's kernels take minutes for the dilated layers' backward pass.
describeBackends(
  'GLCIC completion network in train mode against GLCIC-PyTorch',
  (backend) => {
    it('train-mode output and weight gradients match the port', async () => {
      const cn = withZeroWeights(() => glcicCompletionNetwork());
      loadStrict(cn, hashedStateDict(KEYS.completion));
      const x = tensorOf(io, 'cn_input') as tf.Tensor4D;
      const r = tensorOf(io, 'cn_weights_r');
      const before = tf.memory().numTensors;
      const pick = (layer: string, tfjsName: string) =>
        cn
          .getLayer(layer)
          .trainableWeights.find((w) => w.originalName.endsWith(tfjsName))!
          .read() as tf.Variable;
      const targets = {
        'conv1.weight': pick('conv1', 'kernel'),
        'conv10.bias': pick('conv10', 'bias'),
        'deconv13.bias': pick('deconv13', 'bias'),
        'bn5.weight': pick('bn5', 'gamma'),
        'conv17.weight': pick('conv17', 'kernel'),
      };
      let trainOut!: tf.Tensor;
      const { value, grads } = tf.variableGrads(() => {
        const y = cn.apply(x, { training: true }) as tf.Tensor;
        trainOut = tf.keep(y);
        return tf.sum(tf.mul(y, r)) as tf.Scalar;
      }, Object.values(targets));
      const dTrain = await maxAbsDiff(trainOut, io.get('cn_train')!);
      const gradDiffs: [string, number][] = [];
      for (const [key, v] of Object.entries(targets)) {
        const g = grads[v.name]!;
        // tfjs kernels are [kh, kw, in, out]; torch's weights (out, in, kh, kw).
        const torchLayout = g.rank === 4 ? tf.transpose(g, [3, 2, 0, 1]) : g;
        const want = io.get(`cn_grad_${key}`)!;
        const scale = Math.max(...Array.from(want.data as Float32Array, Math.abs));
        gradDiffs.push([key, (await maxAbsDiff(torchLayout, want)) / scale]);
        if (torchLayout !== g) torchLayout.dispose();
      }
      console.log(
        `[${backend}] completion network train: max abs diff ${dTrain.toExponential(2)}; gradients, max abs diff ` +
          `over the gradient's max: ${gradDiffs.map(([k, d]) => `${k} ${d.toExponential(2)}`).join(', ')}`,
      );
      expect(dTrain).toBeLessThan(1e-4);
      for (const [, d] of gradDiffs) expect(d).toBeLessThan(5e-3);
      tf.dispose([trainOut, value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, r]);
      cn.dispose();
    });
  },
  ['wasm'],
);

describeBackends('GLCIC builders: bad arguments', () => {
  it('names the function and argument', () => {
    expect(() => glcicCompletionNetwork({ inputShape: [30, 32] })).toThrow(
      /glcicCompletionNetwork: inputShape must be \[height, width\], positive multiples of 4/,
    );
    expect(() => glcicCompletionNetwork({ seed: Number.NaN })).toThrow(/glcicCompletionNetwork: seed/);
    expect(() => glcicCompletionNetwork(null as never)).toThrow(/glcicCompletionNetwork: args must be an object/);
    expect(() => glcicLocalDiscriminator({ inputShape: [48, 48] })).toThrow(
      /glcicLocalDiscriminator: inputShape must be .*multiples of 32/,
    );
    expect(() => glcicLocalDiscriminator({ inputChannels: 0 })).toThrow(/glcicLocalDiscriminator: inputChannels/);
    expect(() => glcicGlobalDiscriminator({ arc: 'places' as never })).toThrow(/glcicGlobalDiscriminator: arc/);
    expect(() => glcicGlobalDiscriminator({ arc: 'places2', inputShape: [96, 96] })).toThrow(
      /glcicGlobalDiscriminator: inputShape must be .*multiples of 64/,
    );
    expect(() => glcicContextDiscriminator({ localShape: [1e9, 96] })).toThrow(/glcicContextDiscriminator: localShape/);
    expect(() => glcicContextDiscriminator({ globalShape: [160] as never })).toThrow(
      /glcicContextDiscriminator: globalShape/,
    );
    // The completion network refuses a size that is not a multiple of 4 when it runs.
    const cn = withZeroWeights(() => glcicCompletionNetwork());
    expect(() => cn.predict(tf.zeros([1, 30, 32, 4]))).toThrow(/glcicCompletionNetwork/);
    cn.dispose();
  });

  it('the same seed gives the same weights', () => {
    const a = glcicLocalDiscriminator({ inputShape: [32, 32], seed: 7 });
    const b = glcicLocalDiscriminator({ inputShape: [32, 32], seed: 7 });
    const wa = a.getLayer('conv3').getWeights()[0]!.dataSync();
    const wb = b.getLayer('conv3').getWeights()[0]!.dataSync();
    expect(Array.from(wa)).toEqual(Array.from(wb));
    a.dispose();
    b.dispose();
  });
}, ['cpu']);
