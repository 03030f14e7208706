// The pix2pixHD networks (globalGenerator, localEnhancer, instanceFeatureEncoder,
// multiscaleDiscriminator): parameter counts of upstream's default configurations, layer names,
// size and instance-map Errors, save/load, and parity with upstream's own PyTorch classes
// (test/fixtures/models/pix2pixhd/generate_pix2pixhd.py): eval- and training-mode outputs,
// running statistics and weight gradients, loaded through io.loadTorchStateDict.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import type { StateDict } from '../../src/io/state-dict';
import { globalGenerator } from '../../src/models/global-generator';
import { instanceFeatureEncoder } from '../../src/models/instance-feature-encoder';
import { localEnhancer } from '../../src/models/local-enhancer';
import { groupMultiscaleOutputs } from '../../src/models/group-multiscale-outputs';
import { multiscaleDiscriminator } from '../../src/models/multiscale-discriminator';
import { registerLayers } from '../../src/register';
import { describeBackends } from '../harness/backends';
import { saveAndLoad } from '../harness/layer-conformance';
import { count, maxAbsDiff, tensorOf } from './helpers';

const FIXTURES = new URL('../fixtures/models/pix2pixhd/', import.meta.url);
const BUILDERS = { globalGenerator, localEnhancer, instanceFeatureEncoder, multiscaleDiscriminator } as const;
type BuilderName = keyof typeof BUILDERS;
interface Case {
  builder: BuilderName;
  args: Record<string, unknown>;
  outputs: number;
  batchNorm: string | null;
  gradCheck: string[];
  params: number;
  keys: number;
}
interface DefaultCase {
  builder: BuilderName;
  args: Record<string, unknown>;
  params: number;
  buffers: number;
  keys: number;
}
const META = JSON.parse(readFileSync(new URL('cases.json', FIXTURES), 'utf8')) as {
  cases: Record<string, Case>;
  defaults: Record<string, DefaultCase>;
};

function readFixture(name: string): StateDict {
  return readSafetensors(new Uint8Array(readFileSync(new URL(name, FIXTURES))));
}

function build(c: { builder: BuilderName; args: Record<string, unknown> }): tfl.LayersModel {
  return (BUILDERS[c.builder] as (a: Record<string, unknown>) => tfl.LayersModel)(c.args);
}

function inputsOf(io: StateDict): tf.Tensor | tf.Tensor[] {
  const x = tensorOf(io, 'input');
  return io.get('instance_map') ? [x, tensorOf(io, 'instance_map')] : x;
}

function asList(y: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(y) ? y : [y];
}

describeBackends('pix2pixHD networks: structure', () => {
  // The generators' parameter counts are quadratic in ngf (each weight tensor has at most two
  // filter-count factors): three small builds give the polynomial, which is evaluated at the
  // default ngf. Building the 180M-parameter defaults directly takes ~25 s each on the cpu
  // backend (and passes as well); the discriminators and the encoder are built directly.
  it.each(Object.keys(META.defaults))('%s has the parameter count of the upstream code', (name) => {
    const c = META.defaults[name]!;
    const counts = (args: Record<string, unknown>): [number, number, number] => {
      const model = build({ builder: c.builder, args });
      const r: [number, number, number] = [
        count(model.trainableWeights),
        count(model.nonTrainableWeights),
        model.weights.length,
      ];
      model.dispose();
      return r;
    };
    if (c.builder === 'globalGenerator' || c.builder === 'localEnhancer') {
      const ngf = (c.args.ngf as number | undefined) ?? (c.builder === 'globalGenerator' ? 64 : 32);
      const [p1, b1, k] = counts({ ...c.args, ngf: 1 });
      const [p2, b2] = counts({ ...c.args, ngf: 2 });
      const [p3] = counts({ ...c.args, ngf: 3 });
      // P(n) = a n^2 + b n + d from P(1), P(2), P(3); running statistics are linear in ngf.
      const a = (p3 - 2 * p2 + p1) / 2;
      const b = p2 - p1 - 3 * a;
      const d = p1 - a - b;
      expect(a * ngf * ngf + b * ngf + d).toBe(c.params);
      expect(b1 + (b2 - b1) * (ngf - 1)).toBe(c.buffers);
      expect(k).toBe(c.keys);
    } else {
      expect(counts(c.args)).toEqual([c.params, c.buffers, c.keys]);
    }
  });

  it('names layers by upstream state-dict prefixes', () => {
    const d = multiscaleDiscriminator({ ndf: 1, numD: 2 });
    const names = d.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
    expect(names.sort()).toEqual([0, 1].flatMap((k) => [0, 1, 2, 3, 4].map((j) => `scale${k}_layer${j}.0`)));
    // Upstream runs D numD - 1 on the full-resolution input: its first block sees the input.
    expect(d.getLayer('scale1_layer0.0_zero_pad').inboundNodes[0]!.inboundLayers[0]!.name).toBe('input_size_check');
    expect(d.getLayer('scale0_layer0.0_zero_pad').inboundNodes[0]!.inboundLayers[0]!.name).toBe('downsample_1');
    const flat = multiscaleDiscriminator({ ndf: 1, numD: 1, getIntermFeat: false, norm: 'batch' });
    expect(flat.layers.filter((l) => l.weights.length > 0).map((l) => l.name)).toEqual(
      ['0', '2', '3', '5', '6', '8', '9', '11'].map((i) => `layer0.${i}`),
    );
    const g = localEnhancer({ ngf: 1, nBlocksGlobal: 1, nBlocksLocal: 1 });
    const gNames = g.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
    expect(gNames.sort()).toEqual(
      [
        'model.1',
        'model.4',
        'model.7',
        'model.10',
        'model.13',
        'model.16.conv_block.1',
        'model.16.conv_block.5',
        'model.17',
        'model.20',
        'model.23',
        'model.26',
        'model1_1.1',
        'model1_1.4',
        'model1_2.0.conv_block.1',
        'model1_2.0.conv_block.5',
        'model1_2.1',
        'model1_2.5',
      ].sort(),
    );
    [d, flat, g].forEach((m) => m.dispose());
  });

  it('rejects bad arguments with the builder, argument and value in the message', () => {
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => globalGenerator({ norm: 'none' })).toThrow(
      /globalGenerator: norm must be one of 'instance', 'batch', got "none"/,
    );
    expect(() => localEnhancer({ nLocalEnhancers: 0 })).toThrow(
      /localEnhancer: nLocalEnhancers must be an integer in \[1, 6\], got 0/,
    );
    expect(() => multiscaleDiscriminator({ numD: 1.5 })).toThrow(/multiscaleDiscriminator: numD must be an integer/);
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => multiscaleDiscriminator({ getIntermFeat: 'yes' })).toThrow(/getIntermFeat must be a boolean/);
    expect(() => instanceFeatureEncoder({ ngf: Number.NaN })).toThrow(/instanceFeatureEncoder: ngf must be an integer/);
    expect(() => globalGenerator({ ngf: 1, inputShape: [48, 40] })).toThrow(
      /globalGenerator: input height and width must be multiples of 16 \(2\^nDownsampling\) and at least 32, got 48x40/,
    );
    expect(() => groupMultiscaleOutputs([], 0)).toThrow(
      /groupMultiscaleOutputs: numD must be an integer in \[1, 1024\]/,
    );
  });
}, ['cpu']);

describeBackends('pix2pixHD networks: bad inputs and save/load', () => {
  it('says which sizes work when the downsamplings cannot produce the input size', () => {
    const g = globalGenerator({ ngf: 1, nDownsampling: 3, nBlocks: 1 });
    const l = localEnhancer({ ngf: 1, nDownsampleGlobal: 2, nBlocksGlobal: 0, nBlocksLocal: 0 });
    const e = instanceFeatureEncoder({ ngf: 1, nDownsampling: 2 });
    const before = tf.memory().numTensors;
    const x2 = tf.zeros([1, 20, 16, 3]);
    expect(() => g.predict(x2)).toThrow(/globalGenerator: .*multiples of 8.*got 20x16/);
    expect(() => l.predict(x2)).toThrow(
      /localEnhancer: input height and width must be multiples of 8 \(2\^\(nDownsampleGlobal \+ nLocalEnhancers\)\).*got 20x16/,
    );
    const x3 = tf.zeros([1, 18, 16, 3]);
    const inst = tf.zeros([1, 18, 16, 1], 'int32');
    expect(() => e.predict([x3, inst])).toThrow(
      /instanceFeatureEncoder: input height and width must be multiples of 4 \(2\^nDownsampling\).*got 18x16/,
    );
    tf.dispose([x2, x3, inst]);
    expect(tf.memory().numTensors).toBe(before);
    [g, l, e].forEach((m) => m.dispose());
  });

  it('rejects an instance map that does not match the image', () => {
    const e = instanceFeatureEncoder({ ngf: 1, nDownsampling: 2 });
    const image = tf.zeros([2, 8, 12, 3]);
    const before = tf.memory().numTensors;
    for (const shape of [
      [2, 8, 8, 1],
      [1, 8, 12, 1],
    ]) {
      const inst = tf.zeros(shape, 'int32');
      // apply, not predict: predict slices every input into batches first.
      expect(() => e.apply([image, inst])).toThrow(
        /instanceMeanPool: instanceMap must have the batch size, height and width of features \[2, 8, 12, 3\], got shape/,
      );
      inst.dispose();
    }
    const twoChannels = tf.zeros([2, 8, 12, 2]);
    expect(() => e.apply([image, twoChannels])).toThrow(/instanceMap must have 1 channel in axis 3/);
    const fractional = tf.fill([2, 8, 12, 1], 0.5);
    expect(() => e.apply([image, fractional])).toThrow(/instanceMeanPool: instanceMap must hold integer ids, got 0.5/);
    tf.dispose([twoChannels, fractional]);
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
    e.dispose();
  });

  it('round-trips through save/load with identical outputs', async () => {
    registerLayers();
    const x = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 3);
    const inst = tf.tensor4d(
      Array.from({ length: 256 }, (_, i) => (i % 16 < 8 ? 1 : 2)),
      [1, 16, 16, 1],
      'int32',
    );
    for (const [make, input] of [
      [() => localEnhancer({ ngf: 2, nDownsampleGlobal: 1, nBlocksGlobal: 1, nBlocksLocal: 1 }), x],
      [() => instanceFeatureEncoder({ ngf: 2, nDownsampling: 2 }), [x, inst]],
      [() => multiscaleDiscriminator({ ndf: 2, nLayers: 2, numD: 2, norm: 'batch' }), x],
    ] as const) {
      const model = make();
      const loaded = await saveAndLoad(model);
      const a = asList(model.predict(input as tf.Tensor) as tf.Tensor);
      const b = asList(loaded.predict(input as tf.Tensor) as tf.Tensor);
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) expect(Array.from(await b[i]!.data())).toEqual(Array.from(await a[i]!.data()));
      tf.dispose([...a, ...b]);
      model.dispose();
      loaded.dispose();
    }
    tf.dispose([x, inst]);
  });
});

describeBackends('pix2pixHD networks: parity with the upstream PyTorch code', () => {
  it.each(Object.keys(META.cases))('%s matches upstream in eval mode (max abs diff <= 1e-4)', async (name) => {
    const c = META.cases[name]!;
    const model = build(c);
    expect(count(model.trainableWeights)).toBe(c.params);
    const report = loadTorchStateDict(model, readFixture(`${name}.weights.safetensors`));
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    const io = readFixture(`${name}.io.safetensors`);
    const before = tf.memory().numTensors;
    const x = inputsOf(io);
    const ys = asList(model.predict(x) as tf.Tensor | tf.Tensor[]);
    expect(ys.length).toBe(c.outputs);
    for (const [k, y] of ys.entries()) {
      expect(await maxAbsDiff(y, io.get(`output:${k}`)!), `output ${k}`).toBeLessThanOrEqual(1e-4);
    }
    tf.dispose([...asList(x), ...ys]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it.each(Object.keys(META.cases))(
    '%s matches upstream in training mode: outputs, running statistics, weight gradients',
    async (name) => {
      const c = META.cases[name]!;
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
      const x = inputsOf(io);
      const weightsR = Array.from({ length: c.outputs }, (_, k) => tensorOf(io, `grad_weight:${k}`));
      const outs: tf.Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const ys = asList(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]);
        outs.push(...ys.map((y) => tf.keep(tf.clone(y))));
        return tf.addN(ys.map((y, k) => tf.sum(tf.mul(y, weightsR[k]!)))) as tf.Scalar;
      }, variables);
      for (const [k, y] of outs.entries()) {
        expect(await maxAbsDiff(y, io.get(`output_train:${k}`)!), `output ${k}`).toBeLessThanOrEqual(1e-4);
      }
      if (c.batchNorm) {
        const bn = model.getLayer(c.batchNorm);
        const weight = (re: RegExp) => bn.weights.find((w) => re.test(w.name))!.read();
        expect(await maxAbsDiff(weight(/\/moving_mean/), io.get('running_mean')!)).toBeLessThanOrEqual(1e-5);
        expect(await maxAbsDiff(weight(/\/moving_variance/), io.get('running_var')!)).toBeLessThanOrEqual(1e-5);
      }
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
      tf.dispose([...asList(x), ...weightsR, ...outs, value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    },
  );
});
