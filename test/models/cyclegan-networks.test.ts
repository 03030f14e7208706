// The pix2pix / CycleGAN networks: parameter counts, shapes, size errors, save/load, and parity
// with the PyTorch reference (test/fixtures/models/generate_models.py: state dicts, inputs and
// outputs as safetensors, loaded through io.loadTorchStateDict by the naming contract).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import type { StateDict } from '../../src/io/state-dict';
import { patchGANDiscriminator } from '../../src/models/patchgan-discriminator';
import { pixelDiscriminator } from '../../src/models/pixel-discriminator';
import { resnetGenerator } from '../../src/models/resnet-generator';
import { unetGenerator } from '../../src/models/unet-generator';
import { registerLayers } from '../../src/register';
import { describeBackends } from '../harness/backends';
import { saveAndLoad } from '../harness/layer-conformance';
import { count, maxAbsDiff, tensorOf } from './helpers';

const FIXTURES = new URL('../fixtures/models/', import.meta.url);
const BUILDERS = { unetGenerator, resnetGenerator, patchGANDiscriminator, pixelDiscriminator } as const;
type BuilderName = keyof typeof BUILDERS;
interface Case {
  builder: BuilderName;
  args: Record<string, unknown>;
  trainCheck: string | null;
  gradCheck: string[];
  params: number;
  keys: number;
}
const CASES = JSON.parse(readFileSync(new URL('cases.json', FIXTURES), 'utf8')) as Record<string, Case>;

function readFixture(name: string): StateDict {
  return readSafetensors(new Uint8Array(readFileSync(new URL(name, FIXTURES))));
}

function build(c: Case): tfl.LayersModel {
  return (BUILDERS[c.builder] as (a: Record<string, unknown>) => tfl.LayersModel)(c.args);
}

describeBackends('pix2pix/CycleGAN networks: structure', () => {
  it.each([
    ['unet_256 batch', () => unetGenerator({ norm: 'batch' }), 54_413_955, 9_856],
    ['unet_256 instance', () => unetGenerator({ norm: 'instance' }), 54_409_603, 0],
    ['unet_128 batch', () => unetGenerator({ numDowns: 7 }), 41_828_995, 7_808],
    ['resnet_9blocks instance', () => resnetGenerator({ nBlocks: 9 }), 11_378_179, 0],
    ['resnet_6blocks instance', () => resnetGenerator({ nBlocks: 6 }), 7_837_699, 0],
    ['resnet_9blocks batch', () => resnetGenerator({ norm: 'batch' }), 11_383_427, 10_496],
    ['basic D 3 ch instance', () => patchGANDiscriminator({ norm: 'instance' }), 2_764_737, 0],
    ['basic D 6 ch batch', () => patchGANDiscriminator({ inputChannels: 6, norm: 'batch' }), 2_768_705, 1_792],
    ['pixel D 3 ch batch', () => pixelDiscriminator({ norm: 'batch' }), 8_832, 256],
    ['pixel D 3 ch instance', () => pixelDiscriminator({ norm: 'instance' }), 8_705, 0],
  ] as const)('%s has the reference parameter count', (_name, make, trainable, runningStats) => {
    const model = make();
    // PyTorch's parameters() are our trainable weights; BatchNorm's running_mean/running_var
    // buffers are the non-trainable ones (num_batches_tracked is not kept).
    expect(count(model.trainableWeights)).toBe(trainable);
    expect(count(model.nonTrainableWeights)).toBe(runningStats);
    model.dispose();
  });

  it('names weight layers by state-dict prefix (unet_256 batch: 82 keys minus 13 num_batches_tracked)', () => {
    const model = unetGenerator({ numDowns: 8, ngf: 1 });
    const names = model.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
    expect(names).toContain('model.model.0');
    expect(names).toContain('model.model.3');
    expect(names).toContain('model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.3');
    expect(model.weights.length).toBe(82 - 13);
    model.dispose();
  });

  it('puts Dropout(0.5) where upstream has it (numDowns - 5 U-Net levels, every residual block)', () => {
    const u = unetGenerator({ numDowns: 8, ngf: 1, dropout: true });
    const drops = u.layers.filter((l) => l.getClassName() === 'Dropout');
    expect(drops.map((l) => l.name).sort()).toEqual(
      [3, 4, 5].map((depth) => `model.model.1${'.model.3'.repeat(depth)}.model.7_dropout`).sort(),
    );
    expect(drops.every((l) => (l.getConfig() as { rate: number }).rate === 0.5)).toBe(true);
    const r = resnetGenerator({ ngf: 1, nBlocks: 2, dropout: true });
    expect(r.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => l.name)).toEqual([
      'model.10.conv_block.4_dropout',
      'model.11.conv_block.4_dropout',
    ]);
    expect(r.getLayer('model.11.conv_block.6').getClassName()).toBe('Conv2D');
    expect(unetGenerator({ ngf: 1 }).layers.some((l) => l.getClassName() === 'Dropout')).toBe(false);
    u.dispose();
    r.dispose();
  });

  it('gives the reference output shapes (PatchGAN 256 -> 30x30x1, generators keep the size)', () => {
    const d = patchGANDiscriminator({ ndf: 2, inputShape: [256, 256] });
    expect(d.outputs[0]!.shape).toEqual([null, 30, 30, 1]);
    const d5 = patchGANDiscriminator({ ndf: 2, nLayers: 5, inputShape: [256, 256] });
    expect(d5.outputs[0]!.shape).toEqual([null, 6, 6, 1]);
    const u = unetGenerator({ ngf: 2, outputChannels: 1, inputShape: [256, 512] });
    expect(u.outputs[0]!.shape).toEqual([null, 256, 512, 1]);
    const r = resnetGenerator({ ngf: 2, nBlocks: 1, inputShape: [36, 20] });
    expect(r.outputs[0]!.shape).toEqual([null, 36, 20, 3]);
    const p = pixelDiscriminator({ ndf: 2 });
    expect(p.outputs[0]!.shape).toEqual([null, null, null, 1]);
    [d, d5, u, r, p].forEach((m) => m.dispose());
  });

  it('rejects bad arguments with the builder, argument and value in the message', () => {
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => unetGenerator({ norm: 'group' })).toThrow(
      /unetGenerator: norm must be one of 'batch', 'instance', 'none', got "group"/,
    );
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => pixelDiscriminator({ norm: 'layer' })).toThrow(/pixelDiscriminator: norm must be one of/);
    expect(() => unetGenerator({ numDowns: 4 })).toThrow(/unetGenerator: numDowns must be an integer >= 5, got 4/);
    expect(() => resnetGenerator({ ngf: 1.5 })).toThrow(/resnetGenerator: ngf must be an integer >= 1, got 1.5/);
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => patchGANDiscriminator({ inputShape: [64] })).toThrow(
      /patchGANDiscriminator: inputShape must be \[height, width\]/,
    );
    expect(() => unetGenerator({ ngf: 1, inputShape: [256, 200] })).toThrow(
      /unetGenerator: input height and width must be multiples of 256 \(2\^numDowns\), got 256x200/,
    );
    expect(() => resnetGenerator({ ngf: 1, inputShape: [30, 32] })).toThrow(
      /resnetGenerator: input height and width must be multiples of 4 and at least 8, got 30x32/,
    );
    expect(() => patchGANDiscriminator({ ndf: 1, inputShape: [23, 64] })).toThrow(
      /patchGANDiscriminator: input height and width must be at least 24 \(3 \* 2\^nLayers\), got 23x64/,
    );
  });
}, ['cpu']);

describeBackends('pix2pix/CycleGAN networks: size checks and save/load', () => {
  it('throws a clear Error for input sizes the architecture cannot take', () => {
    const u = unetGenerator({ numDowns: 5, ngf: 2 });
    const r = resnetGenerator({ ngf: 2, nBlocks: 1 });
    const d = patchGANDiscriminator({ ndf: 2 });
    const before = tf.memory().numTensors;
    const x = tf.zeros([1, 48, 40, 3]);
    expect(() => u.predict(x)).toThrow(
      /unetGenerator: input height and width must be multiples of 32 \(2\^numDowns\), got 48x40/,
    );
    const x2 = tf.zeros([1, 16, 18, 3]);
    expect(() => r.predict(x2)).toThrow(/resnetGenerator: .*multiples of 4.*got 16x18/);
    const x3 = tf.zeros([1, 16, 30, 3]);
    expect(() => d.predict(x3)).toThrow(/patchGANDiscriminator: .*at least 24.*got 16x30/);
    tf.dispose([x, x2, x3]);
    expect(tf.memory().numTensors).toBe(before);
    // The same models accept allowed sizes.
    const ok = tf.zeros([1, 64, 96, 3]);
    const outs = [u.predict(ok), r.predict(ok), d.predict(ok)] as tf.Tensor[];
    expect(outs.map((t) => t.shape)).toEqual([
      [1, 64, 96, 3],
      [1, 64, 96, 3],
      [1, 6, 10, 1],
    ]);
    tf.dispose([ok, ...outs]);
    expect(tf.memory().numTensors).toBe(before);
    [u, r, d].forEach((m) => m.dispose());
  });

  it('round-trips through save/load with identical outputs (U-Net batch with dropout, ResNet instance)', async () => {
    registerLayers();
    for (const make of [
      () => unetGenerator({ numDowns: 5, ngf: 2, dropout: true }),
      () => resnetGenerator({ ngf: 2, nBlocks: 2, dropout: true, norm: 'batch' }),
    ]) {
      const model = make();
      const loaded = await saveAndLoad(model);
      expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
      const x = tf.randomUniform([1, 32, 64, 3], -1, 1, 'float32', 7);
      const a = model.predict(x) as tf.Tensor;
      const b = loaded.predict(x) as tf.Tensor;
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      const bad = tf.zeros([1, 30, 64, 3]);
      expect(() => loaded.predict(bad)).toThrow(/multiples of/);
      tf.dispose([x, a, b, bad]);
      model.dispose();
      loaded.dispose();
    }
  });
});

describeBackends('pix2pix/CycleGAN networks: parity with PyTorch', () => {
  it.each(Object.keys(CASES))('%s matches the PyTorch reference in eval mode (max abs diff <= 1e-4)', async (name) => {
    const c = CASES[name]!;
    const model = build(c);
    expect(count(model.trainableWeights)).toBe(c.params);
    const report = loadTorchStateDict(model, readFixture(`${name}.weights.safetensors`));
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    const io = readFixture(`${name}.io.safetensors`);
    const before = tf.memory().numTensors;
    const x = tensorOf(io, 'input');
    const y = model.predict(x) as tf.Tensor;
    const diff = await maxAbsDiff(y, io.get('output')!);
    expect(diff).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it.each(Object.keys(CASES).filter((n) => CASES[n]!.trainCheck))(
    '%s matches PyTorch in training mode (batch statistics, running statistics update)',
    async (name) => {
      const c = CASES[name]!;
      const model = build(c);
      loadTorchStateDict(model, readFixture(`${name}.weights.safetensors`));
      const io = readFixture(`${name}.io.safetensors`);
      const before = tf.memory().numTensors;
      const x = tensorOf(io, 'input');
      const y = model.apply(x, { training: true }) as tf.Tensor;
      expect(await maxAbsDiff(y, io.get('output_train')!)).toBeLessThanOrEqual(1e-4);
      tf.dispose([x, y]);
      expect(tf.memory().numTensors).toBe(before);
      const bn = model.getLayer(c.trainCheck!);
      // Variable names get a uniquifying suffix when a name was used before in the process.
      const weight = (re: RegExp) => bn.weights.find((w) => re.test(w.name))!.read();
      expect(await maxAbsDiff(weight(/\/moving_mean/), io.get('running_mean')!)).toBeLessThanOrEqual(1e-5);
      expect(await maxAbsDiff(weight(/\/moving_variance/), io.get('running_var')!)).toBeLessThanOrEqual(1e-5);
      model.dispose();
    },
  );

  it.each(Object.keys(CASES).filter((n) => CASES[n]!.gradCheck.length > 0))(
    "%s gives PyTorch's training-mode weight gradients (relative max diff <= 1e-4)",
    async (name) => {
      const c = CASES[name]!;
      const model = build(c);
      loadTorchStateDict(model, readFixture(`${name}.weights.safetensors`));
      const io = readFixture(`${name}.io.safetensors`);
      // torch key 'prefix.weight' / 'prefix.bias' -> the layer's variable (kernel/gamma, bias/beta).
      const variables = c.gradCheck.map((key) => {
        const cut = key.lastIndexOf('.');
        const layer = model.getLayer(key.slice(0, cut));
        const isWeight = key.slice(cut + 1) === 'weight';
        const w = layer.weights.find((v) => (isWeight ? /\/(kernel|gamma)/ : /\/(bias|beta)/).test(v.name))!;
        return w.read() as tf.Variable;
      });
      const before = tf.memory().numTensors;
      const x = tensorOf(io, 'input');
      const r = tensorOf(io, 'grad_weight');
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, r)) as tf.Scalar,
        variables,
      );
      for (const [i, key] of c.gradCheck.entries()) {
        const g = grads[variables[i]!.name]!;
        // Kernels to PyTorch's layout: Conv2D (kh, kw, in, out) -> (out, in, kh, kw); Conv2DTranspose
        // (kh, kw, out, in) -> (in, out, kh, kw): the same permutation.
        const torchLayout = g.rank === 4 ? tf.transpose(g, [3, 2, 0, 1]) : tf.clone(g);
        const expected = io.get(`grad:${key}`)!;
        const scale = (expected.data as Float32Array).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(scale).toBeGreaterThan(0);
        expect((await maxAbsDiff(torchLayout, expected)) / scale, key).toBeLessThanOrEqual(1e-4);
        torchLayout.dispose();
      }
      tf.dispose([x, r, value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    },
  );
});
