// SPADE and SPADEResnetBlock: layer conformance, and parity with NVlabs/SPADE's own modules
// (test/fixtures/models/spade/generate_spade.py): eval and train outputs, running statistics,
// spectral-norm u after a training call, and training-mode weight gradients.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { exportTorchStateDict } from '../../src/io/export-torch-state-dict';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import type { StateDict } from '../../src/io/state-dict';
import { SPADE, spade } from '../../src/layers/spade';
import { SPADEResnetBlock, spadeResnetBlock } from '../../src/layers/spade-resnet-block';
import { describeBackends } from '../harness/backends';
import { runLayerConformance } from '../harness/layer-conformance';
import { maxAbsDiff, tensorOf } from '../models/helpers';

const FIXTURES = new URL('../fixtures/models/spade/', import.meta.url);
const META = JSON.parse(readFileSync(new URL('spade.json', FIXTURES), 'utf8')) as {
  cases: Record<string, { args: Record<string, unknown>; params: number; keys: number; gradCheck?: string[] }>;
};

function readFixture(name: string): StateDict {
  return readSafetensors(new Uint8Array(readFileSync(new URL(name, FIXTURES))));
}

/** The layer inside a model, named 'm' so that torch key k is 'm.' + k. */
function wrap(layer: tfl.layers.Layer, xShape: number[], segShape: number[]): tfl.LayersModel {
  const x = tfl.input({ shape: xShape.slice(1) });
  const seg = tfl.input({ shape: segShape.slice(1) });
  return tfl.model({ inputs: [x, seg], outputs: layer.apply([x, seg]) as tfl.SymbolicTensor });
}

const prefix = (key: string) => `m.${key}`;

/** The layer's variable holding torch parameter `path`. */
function variable(layer: tfl.layers.Layer, path: string): tf.Variable {
  const w = layer.weights.find((v) => v.originalName.endsWith(`/${path}`))!;
  return w.read() as tf.Variable;
}

async function expectParity(
  name: string,
  make: () => tfl.layers.Layer,
  extra: (layer: tfl.layers.Layer, io: StateDict) => Promise<void>,
): Promise<void> {
  const c = META.cases[name]!;
  const io = readFixture(`${name}.io.safetensors`);
  const x = tensorOf(io, 'x');
  const seg = tensorOf(io, 'segmap');
  const layer = make();
  const model = wrap(layer, x.shape, seg.shape);
  const report = loadTorchStateDict(model, readFixture(`${name}.weights.safetensors`), { keyMap: prefix });
  expect(report.missing).toEqual([]);
  expect(report.unexpected).toEqual([]);
  expect(layer.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0)).toBe(
    c.params,
  );
  const before = tf.memory().numTensors;
  const y = layer.apply([x, seg]) as tf.Tensor;
  expect(await maxAbsDiff(y, io.get('output')!)).toBeLessThanOrEqual(1e-4);
  y.dispose();
  // Training mode: the gradient of sum(y * r) for the listed parameters.
  const r = tensorOf(io, 'grad_weight');
  const keys = [...io.keys()].filter((k) => k.startsWith('grad:')).map((k) => k.slice(5));
  const vars = keys.map((k) => variable(layer, k));
  let yTrain!: tf.Tensor;
  const { value, grads } = tf.variableGrads(() => {
    yTrain = tf.keep(layer.apply([x, seg], { training: true }) as tf.Tensor);
    return tf.sum(tf.mul(yTrain, r)) as tf.Scalar;
  }, vars);
  expect(await maxAbsDiff(yTrain, io.get('output_train')!)).toBeLessThanOrEqual(1e-4);
  yTrain.dispose();
  for (const [i, key] of keys.entries()) {
    const g = grads[vars[i]!.name]!;
    const torchLayout = g.rank === 4 ? tf.transpose(g, [3, 2, 0, 1]) : tf.clone(g);
    const expected = io.get(`grad:${key}`)!;
    const scale = (expected.data as Float32Array).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    expect((await maxAbsDiff(torchLayout, expected)) / scale, key).toBeLessThanOrEqual(1e-4);
    torchLayout.dispose();
  }
  tf.dispose([value, ...Object.values(grads)]);
  await extra(layer, io);
  tf.dispose([x, seg, r]);
  expect(tf.memory().numTensors).toBe(before - 2);
  model.dispose();
}

describeBackends('SPADE', () => {
  runLayerConformance({
    make: () => spade({ norm: 'batch', hiddenChannels: 4, seed: 1 }),
    inputShape: [
      [2, 4, 4, 3],
      [2, 8, 8, 2],
    ],
    expectedOutputShape: [2, 4, 4, 3],
    trainableWeights: 6,
    nonTrainableWeights: 2,
    trainingInGradientCheck: true,
  });
  runLayerConformance({
    make: () => new SPADE({ norm: 'instance', kernelSize: 5, hiddenChannels: 3 }),
    inputShape: [
      [1, 5, 3, 2],
      [1, 5, 3, 4],
    ],
    expectedOutputShape: [1, 5, 3, 2],
    trainableWeights: 6,
  });

  for (const name of ['spade_batch', 'spade_instance']) {
    it(`${name} matches NVlabs/SPADE's SPADE (eval output, training gradients; <= 1e-4)`, async () => {
      const args = META.cases[name]!.args as { norm: 'batch' | 'instance'; kernelSize: number };
      await expectParity(
        name,
        () => spade({ ...args, name: 'm' }),
        async (layer, io) => {
          if (args.norm !== 'batch') return;
          // One training call happened (the gradient pass): running statistics as torch's after one.
          expect(
            await maxAbsDiff(variable(layer, 'param_free_norm.running_mean'), io.get('running_mean')!),
          ).toBeLessThanOrEqual(1e-5);
          expect(
            await maxAbsDiff(variable(layer, 'param_free_norm.running_var'), io.get('running_var')!),
          ).toBeLessThanOrEqual(1e-5);
        },
      );
    });
  }

  it('names its weights by the PyTorch parameter paths and round-trips a state dict', async () => {
    const layer = spade({ hiddenChannels: 4, name: 'norm_0' });
    const model = wrap(layer, [1, 4, 4, 3], [1, 4, 4, 2]);
    const sd = readSafetensors(exportTorchStateDict(model));
    expect([...sd.keys()].sort()).toEqual(
      [
        'mlp_beta.bias',
        'mlp_beta.weight',
        'mlp_gamma.bias',
        'mlp_gamma.weight',
        'mlp_shared.0.bias',
        'mlp_shared.0.weight',
        'param_free_norm.num_batches_tracked',
        'param_free_norm.running_mean',
        'param_free_norm.running_var',
      ].map((k) => `norm_0.${k}`),
    );
    expect(sd.get('norm_0.mlp_gamma.weight')!.shape).toEqual([3, 4, 3, 3]);
    expect(loadTorchStateDict(model, sd).missing).toEqual([]);
    model.dispose();
  });

  it('rejects bad arguments and inputs with the class and argument named', () => {
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => spade({ norm: 'group' })).toThrow(/SPADE: norm must be one of 'instance', 'batch', got "group"/);
    expect(() => spade({ kernelSize: 4 })).toThrow(/SPADE: kernelSize must be an odd integer, got 4/);
    expect(() => spade({ hiddenChannels: 0 })).toThrow(/SPADE: hiddenChannels must be an integer in \[1, 65536\]/);
    expect(() => spade().apply(tf.zeros([1, 4, 4, 3]))).toThrow(/SPADE: expected two inputs \[x, segmap\]/);
    const before = tf.memory().numTensors;
    const layer = spade({ hiddenChannels: 2 });
    const [a, b] = [tf.zeros([1, 4, 4, 3]), tf.zeros([2, 4, 4, 2])];
    expect(() => layer.apply([a, b])).toThrow(/SPADE: x and segmap must have the same batch size, got 1 and 2/);
    tf.dispose([a, b]);
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describeBackends('SPADEResnetBlock', () => {
  runLayerConformance({
    make: () => spadeResnetBlock({ filters: 2, hiddenChannels: 3, seed: 5 }),
    inputShape: [
      [2, 4, 4, 3],
      [2, 8, 8, 2],
    ],
    expectedOutputShape: [2, 4, 4, 2],
    // conv_0 (kernel, bias), conv_1 (kernel, bias), conv_s (kernel), 3 x SPADE (6 each).
    trainableWeights: 23,
    // u and v of 3 convolutions, running mean and variance of 3 SPADEs.
    nonTrainableWeights: 12,
    trainingInGradientCheck: true,
  });
  runLayerConformance({
    make: () => new SPADEResnetBlock({ filters: 3, spectralNorm: false, norm: 'instance', hiddenChannels: 2 }),
    inputShape: [
      [1, 4, 3, 3],
      [1, 4, 3, 2],
    ],
    expectedOutputShape: [1, 4, 3, 3],
    trainableWeights: 16,
  });

  for (const name of ['block_learned', 'block_identity']) {
    it(`${name} matches NVlabs/SPADE's SPADEResnetBlock (eval output, training gradients; <= 1e-4)`, async () => {
      const args = META.cases[name]!.args as { filters: number; spectralNorm: boolean; norm: 'batch' | 'instance' };
      await expectParity(
        name,
        () => spadeResnetBlock({ ...args, name: 'm' }),
        async (layer, io) => {
          if (!args.spectralNorm) return;
          expect(
            await maxAbsDiff(variable(layer, 'conv_0.weight_u'), io.get('conv_0.weight_u_after')!),
          ).toBeLessThanOrEqual(1e-5);
          expect(
            await maxAbsDiff(
              variable(layer, 'norm_0.param_free_norm.running_var'),
              io.get('norm_0.running_var_after')!,
            ),
          ).toBeLessThanOrEqual(1e-5);
        },
      );
    });
  }

  it('has the learned shortcut only when the channel count changes', () => {
    const block = spadeResnetBlock({ filters: 4, hiddenChannels: 2 });
    wrap(block, [1, 4, 4, 4], [1, 4, 4, 2]).dispose();
    expect(block.weights.some((w) => w.originalName.includes('conv_s'))).toBe(false);
    expect(block.hasLearnedShortcut(8)).toBe(true);
    expect(() => spadeResnetBlock({ filters: 0 })).toThrow(
      /SPADEResnetBlock: filters must be a positive integer, got 0/,
    );
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => spadeResnetBlock(null)).toThrow(/SPADEResnetBlock: args must be an object/);
  });
});
