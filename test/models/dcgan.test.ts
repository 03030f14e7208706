// The DCGAN generator and discriminator: parameter counts, names, sizes, bad arguments, and
// parity with netG / netD of the PyTorch examples' dcgan/main.py
// (test/fixtures/models/dcgan/generate_dcgan.py: state dicts, inputs and outputs as safetensors).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import type { StateDict } from '../../src/io/state-dict';
import { dcganDiscriminator } from '../../src/models/dcgan-discriminator';
import { dcganGenerator } from '../../src/models/dcgan-generator';
import { describeBackends } from '../harness/backends';
import { count, maxAbsDiff, tensorOf } from './helpers';

const FIXTURES = new URL('../fixtures/models/dcgan/', import.meta.url);
const META = JSON.parse(readFileSync(new URL('dcgan.json', FIXTURES), 'utf8')) as {
  nz: number;
  ngf: number;
  ndf: number;
  nc: number;
  gKeys: number;
  dKeys: number;
  gParams: number;
  dParams: number;
  defaultGParams: number;
  defaultGRunning: number;
  defaultDParams: number;
  defaultDRunning: number;
  wgan32: { imageSize: number; gKeys: number; dKeys: number; gParams: number; dParams: number };
};

function readFixture(name: string): StateDict {
  return readSafetensors(new Uint8Array(readFileSync(new URL(name, FIXTURES))));
}

// 'dcgan': netG / netD of dcgan/main.py at 64x64. 'dcgan32': DCGAN_G / DCGAN_D of the WGAN
// reference at 32x32 (the critic without sigmoid), keys renamed to the Sequential indices.
const CASES = {
  dcgan: {
    g: () => dcganGenerator({ nz: META.nz, ngf: META.ngf, nc: META.nc }),
    d: () => dcganDiscriminator({ ndf: META.ndf, nc: META.nc }),
    gKeys: META.gKeys,
    dKeys: META.dKeys,
    gParams: META.gParams,
    dParams: META.dParams,
    gVars: 13,
    dVars: 11,
  },
  dcgan32: {
    g: () => dcganGenerator({ nz: META.nz, ngf: META.ngf, nc: META.nc, imageSize: 32 }),
    d: () => dcganDiscriminator({ ndf: META.ndf, nc: META.nc, imageSize: 32, sigmoid: false }),
    gKeys: META.wgan32.gKeys,
    dKeys: META.wgan32.dKeys,
    gParams: META.wgan32.gParams,
    dParams: META.wgan32.dParams,
    gVars: 10,
    dVars: 8,
  },
} as const;

describeBackends('DCGAN networks: structure', () => {
  it("has upstream's parameter counts for the defaults (netG 3,576,704, netD 2,765,568)", () => {
    const g = dcganGenerator();
    const d = dcganDiscriminator();
    expect(count(g.trainableWeights)).toBe(META.defaultGParams);
    expect(count(g.nonTrainableWeights)).toBe(META.defaultGRunning);
    expect(count(d.trainableWeights)).toBe(META.defaultDParams);
    expect(count(d.nonTrainableWeights)).toBe(META.defaultDRunning);
    expect([META.defaultGParams, META.defaultDParams]).toEqual([3_576_704, 2_765_568]);
    g.dispose();
    d.dispose();
  });

  it("names weight layers main.<index> as upstream's nn.Sequential", () => {
    const g = dcganGenerator({ nz: 4, ngf: 2 });
    const d = dcganDiscriminator({ ndf: 2 });
    const named = (m: tfl.LayersModel) => m.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
    expect(named(g)).toEqual([
      'main.0',
      'main.1',
      'main.3',
      'main.4',
      'main.6',
      'main.7',
      'main.9',
      'main.10',
      'main.12',
    ]);
    expect(named(d)).toEqual(['main.0', 'main.2', 'main.3', 'main.5', 'main.6', 'main.8', 'main.9', 'main.11']);
    g.dispose();
    d.dispose();
  });

  it.each([16, 32, 128])('imageSize %i adds or removes stride-2 stages at the wide end', (size) => {
    const stages = Math.log2(size) - 3;
    const g = dcganGenerator({ nz: 4, ngf: 2, nc: 1, imageSize: size });
    const d = dcganDiscriminator({ ndf: 2, nc: 1, imageSize: size, sigmoid: false });
    expect(g.outputs[0]!.shape).toEqual([null, size, size, 1]);
    expect(d.outputs[0]!.shape).toEqual([null, 1]);
    // Widest stage ngf * 2^stages, from z at 4x4; last conv of D reads ndf * 2^stages channels.
    expect(g.getLayer('main.0').weights[0]!.shape).toEqual([4, 4, 2 * 2 ** stages, 4]);
    expect(g.getLayer(`main.${3 * (stages + 1)}`).weights[0]!.shape).toEqual([4, 4, 1, 2]);
    expect(d.getLayer(`main.${3 * stages + 2}`).weights[0]!.shape).toEqual([4, 4, 2 * 2 ** stages, 1]);
    expect(d.layers.some((l) => l.name.endsWith('_sigmoid'))).toBe(false);
    g.dispose();
    d.dispose();
  });

  it('rejects bad arguments before building, naming the builder, the argument and the sizes that work', () => {
    const before = tf.memory().numTensors;
    expect(() => dcganGenerator({ imageSize: 48 })).toThrow(
      /dcganGenerator: imageSize must be a power of two from 16 to 1024 \(16, 32, 64, 128, 256, 512, 1024\), got 48/,
    );
    expect(() => dcganDiscriminator({ imageSize: 8 })).toThrow(/dcganDiscriminator: imageSize must be a power of two/);
    expect(() => dcganGenerator({ nz: 0 })).toThrow(/dcganGenerator: nz must be an integer in \[1, 65536\], got 0/);
    expect(() => dcganGenerator({ ngf: Number.NaN })).toThrow(/dcganGenerator: ngf must be an integer/);
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => dcganDiscriminator({ sigmoid: 'yes' })).toThrow(/dcganDiscriminator: sigmoid must be a boolean/);
    expect(() => dcganDiscriminator({ seed: 1.5 })).toThrow(/dcganDiscriminator: seed must be/);
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => dcganGenerator(null)).toThrow(/dcganGenerator: args must be an object/);
    expect(() => dcganGenerator({ ngf: 4096, imageSize: 1024 })).toThrow(
      /dcganGenerator: these arguments would build \d+ weights, more than the limit/,
    );
    expect(() => dcganDiscriminator({ ndf: 4096, imageSize: 1024 })).toThrow(
      /dcganDiscriminator: these arguments would build/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the reference initialisation (kernels N(0, 0.02), gamma N(1, 0.02), beta 0) and is seeded', async () => {
    const g = dcganGenerator({ ngf: 16, seed: 7 });
    const again = dcganGenerator({ ngf: 16, seed: 7 });
    const kernel = g.getLayer('main.3').weights[0]!.read();
    const { mean, variance } = tf.moments(kernel);
    expect(Math.abs((await mean.data())[0]!)).toBeLessThan(1e-3);
    expect(Math.sqrt((await variance.data())[0]!)).toBeCloseTo(0.02, 3);
    const [gamma, beta] = g.getLayer('main.1').weights.map((w) => w.read());
    const gm = tf.moments(gamma!);
    expect((await gm.mean.data())[0]!).toBeCloseTo(1, 2);
    expect(Math.sqrt((await gm.variance.data())[0]!)).toBeGreaterThan(0.01);
    expect(Math.sqrt((await gm.variance.data())[0]!)).toBeLessThan(0.03);
    expect(Array.from(await beta!.data()).every((v) => v === 0)).toBe(true);
    expect(await again.getLayer('main.3').weights[0]!.read().data()).toEqual(await kernel.data());
    tf.dispose([mean, variance, gm.mean, gm.variance]);
    g.dispose();
    again.dispose();
  });
}, ['cpu']);

describeBackends('DCGAN networks: parity with dcgan/main.py (64) and the WGAN reference (32)', () => {
  it.each(['dcgan', 'dcgan32'] as const)('%s: loads the generator and discriminator checkpoints strictly', (tag) => {
    const c = CASES[tag];
    const g = c.g();
    const d = c.d();
    const rg = loadTorchStateDict(g, readFixture(`${tag}_g.weights.safetensors`), { strict: true });
    const rd = loadTorchStateDict(d, readFixture(`${tag}_d.weights.safetensors`), { strict: true });
    expect(count(g.trainableWeights)).toBe(c.gParams);
    expect(count(d.trainableWeights)).toBe(c.dParams);
    expect(rg.loaded.length).toBe(c.gKeys);
    expect(rd.loaded.length).toBe(c.dKeys);
    g.dispose();
    d.dispose();
  });

  it.each([
    ['dcgan', 'g', 'g_z'],
    ['dcgan', 'd', 'd_x'],
    ['dcgan32', 'g', 'g_z'],
    ['dcgan32', 'd', 'd_x'],
  ] as const)(
    '%s %s: eval and train-mode outputs within 1e-4, weight gradients within 1e-4 relative',
    async (tag, which, inputKey) => {
      const c = CASES[tag];
      const model = c[which]();
      loadTorchStateDict(model, readFixture(`${tag}_${which}.weights.safetensors`), { strict: true });
      const io = readFixture(`${tag}.io.safetensors`);
      const before = tf.memory().numTensors;
      const x = tensorOf(io, inputKey);
      const evalOut = model.predict(x) as tf.Tensor;
      const evalDiff = await maxAbsDiff(evalOut, io.get(`${which}_out_eval`)!);
      expect(evalDiff).toBeLessThanOrEqual(1e-4);
      const r = tensorOf(io, `${which}_r`);
      // Every weight-owning layer's trainable weights, in PyTorch key order (weight, bias per module).
      const keys: string[] = [];
      const variables: tf.Variable[] = [];
      for (const layer of model.layers) {
        for (const w of layer.trainableWeights) {
          keys.push(`${layer.name}.${/\/(kernel|gamma)/.test(w.name) ? 'weight' : 'bias'}`);
          variables.push(w.read() as tf.Variable);
        }
      }
      let trainOut!: tf.Tensor;
      const { value, grads } = tf.variableGrads(() => {
        const y = model.apply(x, { training: true }) as tf.Tensor;
        trainOut = tf.keep(y);
        return tf.sum(tf.mul(y, r)) as tf.Scalar;
      }, variables);
      const trainDiff = await maxAbsDiff(trainOut, io.get(`${which}_out_train`)!);
      expect(trainDiff).toBeLessThanOrEqual(1e-4);
      let worst = 0;
      for (const [i, key] of keys.entries()) {
        const g = grads[variables[i]!.name]!;
        const torchLayout = g.rank === 4 ? tf.transpose(g, [3, 2, 0, 1]) : tf.clone(g);
        const expected = io.get(`${which}_grad:${key}`);
        expect(expected, key).toBeDefined();
        const scale = (expected!.data as Float32Array).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(scale).toBeGreaterThan(0);
        const rel = (await maxAbsDiff(torchLayout, expected!)) / scale;
        worst = Math.max(worst, rel);
        expect(rel, key).toBeLessThanOrEqual(1e-4);
        torchLayout.dispose();
      }
      expect(keys.length).toBe(which === 'g' ? c.gVars : c.dVars);
      // Shown in the test log for the record.
      console.info(
        `${tag} ${which}: eval ${evalDiff.toExponential(2)}, train ${trainDiff.toExponential(2)}, grad rel ${worst.toExponential(2)}`,
      );
      tf.dispose([x, r, evalOut, trainOut, value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    },
  );
});
