// The SPADE (GauGAN) networks: reference parameter counts, size errors, save/load, and parity
// with NVlabs/SPADE's own SPADEGenerator, MultiscaleDiscriminator and ConvEncoder
// (test/fixtures/models/spade/generate_spade.py): eval and training outputs, spectral-norm state
// after a training call, and training-mode weight gradients, all loaded strictly through
// io.loadTorchStateDict by the state-dict key names.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { planModelWeights } from '../../src/io/internal/model-weights';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import type { StateDict } from '../../src/io/state-dict';
import { spadeEncoder } from '../../src/models/spade-encoder';
import { spadeGenerator } from '../../src/models/spade-generator';
import { groupMultiscaleOutputs } from '../../src/models/group-multiscale-outputs';
import { spadeMultiscaleDiscriminator } from '../../src/models/spade-multiscale-discriminator';
import { vgg19Features } from '../../src/models/vgg19-features';
import { registerLayers } from '../../src/register';
import { describeBackends } from '../harness/backends';
import { saveAndLoad } from '../harness/layer-conformance';
import { count, maxAbsDiff, tensorOf } from './helpers';
import { formulaStateDict } from './spade-helpers';

const FIXTURES = new URL('../fixtures/models/spade/', import.meta.url);
interface Case {
  args: Record<string, unknown>;
  params: number;
  keys: number;
  gradCheck: string[];
  formulaWeights?: [string, number[]][];
}
const META = JSON.parse(readFileSync(new URL('spade.json', FIXTURES), 'utf8')) as {
  cases: Record<string, Case>;
  reference: Record<string, { params: number; keys: number; semanticChannels?: number; inputChannels?: number }>;
};

function readFixture(name: string): StateDict {
  return readSafetensors(new Uint8Array(readFileSync(new URL(name, FIXTURES))));
}

/** Loads a case's weights strictly (every key, no extra). */
function load(model: tfl.LayersModel, name: string): void {
  const c = META.cases[name]!;
  const sd = c.formulaWeights ? formulaStateDict(c.formulaWeights) : readFixture(`${name}.weights.safetensors`);
  const report = loadTorchStateDict(model, sd);
  expect(report.missing).toEqual([]);
  expect(report.unexpected).toEqual([]);
}

/** The model variable of a torch key. */
function variableOf(model: tfl.LayersModel, key: string): tf.Variable {
  const w = planModelWeights(model).expected.get(key);
  if (!w) throw new Error(`no model weight for ${key}`);
  return w.variable.read() as tf.Variable;
}

/** Checks training-mode gradients of `loss` against the fixture's `grad:<key>` (relative 1e-4). */
async function expectGradients(model: tfl.LayersModel, io: StateDict, keys: string[], loss: () => tf.Scalar) {
  const vars = keys.map((k) => variableOf(model, k));
  const { value, grads } = tf.variableGrads(loss, vars);
  for (const [i, key] of keys.entries()) {
    const g = grads[vars[i]!.name]!;
    const torchLayout = g.rank === 4 ? tf.transpose(g, [3, 2, 0, 1]) : g.rank === 2 ? tf.transpose(g) : tf.clone(g);
    const expected = io.get(`grad:${key}`)!;
    const scale = (expected.data as Float32Array).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    expect((await maxAbsDiff(torchLayout, expected)) / scale, key).toBeLessThanOrEqual(1e-4);
    torchLayout.dispose();
  }
  tf.dispose([value, ...Object.values(grads)]);
}

describeBackends('SPADE networks: structure', () => {
  it('have the upstream parameter and key counts of the small fixture configurations', () => {
    for (const [name, make] of [
      ['generator', () => spadeGenerator(META.cases['generator']!.args)],
      ['generator_vae', () => spadeGenerator(META.cases['generator_vae']!.args)],
      ['encoder', () => spadeEncoder({ ngf: 1 })],
      ['discriminator', () => spadeMultiscaleDiscriminator({ inputChannels: 6, ndf: 4 })],
    ] as const) {
      const model = make();
      expect(count(model.trainableWeights), name).toBe(META.cases[name]!.params);
      const plan = planModelWeights(model);
      // torch keys: ours plus one num_batches_tracked per batch norm.
      expect(plan.expected.size + plan.counters.length, name).toBe(META.cases[name]!.keys);
      model.dispose();
    }
  });

  it('gives the upstream sizes and explains the sizes that work', () => {
    const g = spadeGenerator({
      semanticChannels: 2,
      ngf: 2,
      hiddenChannels: 2,
      numUpsamplingLayers: 'most',
      inputShape: [128, 256],
    });
    expect(g.outputs[0]!.shape).toEqual([null, 128, 256, 3]);
    expect(g.layers.some((l) => l.name === 'up_4')).toBe(true);
    g.dispose();
    expect(() => spadeGenerator({ ngf: 1, inputShape: [250, 256] })).toThrow(
      /spadeGenerator: inputShape must be multiples of 32 \(2\^5 upsamplings with numUpsamplingLayers 'normal'\), got 250x256; sizes that work: 32, 64, 96, \.\.\. \(nearest: 256x256\)/,
    );
    expect(() => spadeGenerator({ numUpsamplingLayers: 'more', inputShape: [32, 64] })).toThrow(/multiples of 64/);
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => spadeGenerator({ numUpsamplingLayers: 'many' })).toThrow(
      /spadeGenerator: numUpsamplingLayers must be one of 'normal', 'more', 'most', got "many"/,
    );
    expect(() => spadeGenerator({ semanticChannels: 0 })).toThrow(
      /spadeGenerator: semanticChannels must be an integer/,
    );
    expect(() => spadeMultiscaleDiscriminator({ numD: 0 })).toThrow(
      /spadeMultiscaleDiscriminator: numD must be an integer in \[1, 8\]/,
    );
    expect(() => spadeEncoder({ zDim: -1 })).toThrow(/spadeEncoder: zDim must be an integer/);
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => vgg19Features({ filters: [1, 2] })).toThrow(
      /vgg19Features: filters must be an array of 5 positive integers/,
    );
    const outputs = [tf.zeros([1]), tf.zeros([1]), tf.zeros([1])];
    expect(() => groupMultiscaleOutputs(outputs, 2)).toThrow(
      /the number of outputs \(3\) must be a positive multiple of numD \(2\)/,
    );
    tf.dispose(outputs);
  });
}, ['cpu']);

describeBackends('SPADE networks: parity with NVlabs/SPADE', () => {
  for (const name of ['generator', 'generator_vae']) {
    it(`${name} matches SPADEGenerator in eval and training mode (outputs, u, gradients; <= 1e-4)`, async () => {
      const c = META.cases[name]!;
      const model = spadeGenerator(c.args);
      load(model, name);
      const io = readFixture(`${name}.io.safetensors`);
      const before = tf.memory().numTensors;
      const inputs = c.args['useVAE'] ? [tensorOf(io, 'segmap'), tensorOf(io, 'z')] : [tensorOf(io, 'segmap')];
      const y = model.predict(inputs) as tf.Tensor;
      expect(await maxAbsDiff(y, io.get('output')!)).toBeLessThanOrEqual(1e-4);
      const r = tensorOf(io, 'grad_weight');
      let yTrain!: tf.Tensor;
      await expectGradients(model, io, c.gradCheck, () => {
        yTrain = tf.keep(model.apply(inputs, { training: true }) as tf.Tensor);
        return tf.sum(tf.mul(yTrain, r)) as tf.Scalar;
      });
      expect(await maxAbsDiff(yTrain, io.get('output_train')!)).toBeLessThanOrEqual(1e-4);
      expect(
        await maxAbsDiff(variableOf(model, 'head_0.conv_0.weight_u'), io.get('head_0.conv_0.weight_u_after')!),
      ).toBeLessThanOrEqual(1e-5);
      tf.dispose([...inputs, y, r, yTrain]);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  }

  it('encoder matches ConvEncoder (mu, logvar in eval and training mode, gradients; <= 1e-4)', async () => {
    const c = META.cases['encoder']!;
    const model = spadeEncoder({ ngf: 1 });
    load(model, 'encoder');
    const io = readFixture('encoder.io.safetensors');
    const before = tf.memory().numTensors;
    const image = tensorOf(io, 'image');
    const [mu, logvar] = model.predict(image) as tf.Tensor[];
    expect(await maxAbsDiff(mu!, io.get('mu')!)).toBeLessThanOrEqual(1e-4);
    expect(await maxAbsDiff(logvar!, io.get('logvar')!)).toBeLessThanOrEqual(1e-4);
    const r = tensorOf(io, 'grad_weight');
    const kept: tf.Tensor[] = [];
    await expectGradients(model, io, c.gradCheck, () => {
      const [m, l] = model.apply(image, { training: true }) as tf.Tensor[];
      kept.push(tf.keep(m!), tf.keep(l!));
      return tf.sum(tf.mul(tf.add(m!, tf.mul(l!, 0.5)), r)) as tf.Scalar;
    });
    expect(await maxAbsDiff(kept[0]!, io.get('mu_train')!)).toBeLessThanOrEqual(1e-4);
    expect(await maxAbsDiff(kept[1]!, io.get('logvar_train')!)).toBeLessThanOrEqual(1e-4);
    tf.dispose([image, mu!, logvar!, r, ...kept]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('multi-scale discriminator matches MultiscaleDiscriminator (all 10 outputs, eval and training, gradients; <= 1e-4)', async () => {
    const c = META.cases['discriminator']!;
    const model = spadeMultiscaleDiscriminator({ inputChannels: 6, ndf: 4 });
    load(model, 'discriminator');
    const io = readFixture('discriminator.io.safetensors');
    const before = tf.memory().numTensors;
    const x = tensorOf(io, 'input');
    const outs = model.predict(x) as tf.Tensor[];
    expect(outs.length).toBe(10);
    for (const [k, t] of outs.entries())
      expect(await maxAbsDiff(t, io.get(`output:${k}`)!), `output ${k}`).toBeLessThanOrEqual(1e-4);
    const rs = outs.map((_, k) => tensorOf(io, `grad_weight:${k}`));
    const kept: tf.Tensor[] = [];
    await expectGradients(model, io, c.gradCheck, () => {
      const ts = model.apply(x, { training: true }) as tf.Tensor[];
      kept.push(...ts.map((t) => tf.keep(t)));
      return tf.addN(ts.map((t, k) => tf.sum(tf.mul(t, rs[k]!)))) as tf.Scalar;
    });
    for (const [k, t] of kept.entries()) {
      expect(await maxAbsDiff(t, io.get(`output_train:${k}`)!), `training output ${k}`).toBeLessThanOrEqual(1e-4);
    }
    const grouped = groupMultiscaleOutputs(outs, 2);
    expect(grouped.map((g) => g.map((t) => t.shape))).toEqual([
      [
        [2, 13, 11, 4],
        [2, 7, 6, 8],
        [2, 4, 4, 16],
        [2, 5, 5, 32],
        [2, 6, 6, 1],
      ],
      [
        [2, 7, 6, 4],
        [2, 4, 4, 8],
        [2, 3, 3, 16],
        [2, 4, 4, 32],
        [2, 5, 5, 1],
      ],
    ]);
    tf.dispose([x, ...outs, ...rs, ...kept]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('round-trips a generator and a discriminator through save/load with identical outputs', async () => {
    registerLayers();
    const g = spadeGenerator({ semanticChannels: 3, ngf: 1, hiddenChannels: 2, inputShape: [32, 32], seed: 3 });
    const loaded = await saveAndLoad(g);
    const seg = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 4);
    const a = g.predict(seg) as tf.Tensor;
    const b = loaded.predict(seg) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    const d = spadeMultiscaleDiscriminator({ inputChannels: 3, ndf: 2, nLayers: 2 });
    const dl = await saveAndLoad(d);
    const da = d.predict(seg) as tf.Tensor[];
    const db = dl.predict(seg) as tf.Tensor[];
    expect(Array.from(await db[2]!.data())).toEqual(Array.from(await da[2]!.data()));
    tf.dispose([seg, a, b, ...da, ...db]);
    [g, loaded, d, dl].forEach((m) => m.dispose());
  });
});
