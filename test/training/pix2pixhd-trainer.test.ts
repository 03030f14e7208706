// Pix2PixHDTrainer: the first step's losses against upstream's Pix2PixHDModel.forward on the same
// weights and inputs (test/fixtures/models/pix2pixhd/generate_pix2pixhd.py), the encoder and
// perceptual terms, a constant tensor count, and bad inputs (a mismatched instance map among them).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import { l1Loss } from '../../src/losses';
import { globalGenerator } from '../../src/models/global-generator';
import { instanceFeatureEncoder } from '../../src/models/instance-feature-encoder';
import { multiscaleDiscriminator } from '../../src/models/multiscale-discriminator';
import { Pix2PixHDTrainer } from '../../src/training/pix2pixhd-trainer';
import { describeBackends } from '../harness/backends';
import { tensorOf } from '../models/helpers';

const DIR = new URL('../fixtures/models/pix2pixhd/', import.meta.url);
const read = (name: string) => readSafetensors(new Uint8Array(readFileSync(new URL(name, DIR))));
const UPSTREAM = (
  JSON.parse(readFileSync(new URL('cases.json', DIR), 'utf8')) as {
    trainer: { lossGGan: number; lossGFeat: number; lossDReal: number; lossDFake: number };
  }
).trainer;

function tinyPair(seed: number): { generator: tfl.LayersModel; discriminator: tfl.LayersModel } {
  return {
    generator: globalGenerator({ inputChannels: 5, ngf: 4, nDownsampling: 2, nBlocks: 1, seed }),
    discriminator: multiscaleDiscriminator({ inputChannels: 8, ndf: 4, nLayers: 2, numD: 2, seed: seed + 1 }),
  };
}

describeBackends('Pix2PixHDTrainer', () => {
  it("first step's losses equal upstream's Pix2PixHDModel on the same weights (relative 1e-4)", async () => {
    const nets = tinyPair(1);
    loadTorchStateDict(nets.generator, read('trainer_g.weights.safetensors'));
    loadTorchStateDict(nets.discriminator, read('trainer_d.weights.safetensors'));
    const io = read('trainer.io.safetensors');
    const label = tensorOf(io, 'label') as tf.Tensor4D;
    const inst = tf.cast(tensorOf(io, 'instance_map'), 'int32') as tf.Tensor4D;
    const real = tensorOf(io, 'real') as tf.Tensor4D;
    const trainer = new Pix2PixHDTrainer(nets);
    const got = await trainer.step(label, real, inst);
    for (const k of ['lossGGan', 'lossGFeat', 'lossDReal', 'lossDFake'] as const) {
      expect(Math.abs(got[k] - UPSTREAM[k]) / UPSTREAM[k], k).toBeLessThan(1e-4);
    }
    expect(got.lossGPerceptual).toBe(0);
    expect(got.lossG).toBeCloseTo(got.lossGGan + got.lossGFeat, 4);
    expect(got.lossD).toBeCloseTo(0.5 * (got.lossDReal + got.lossDFake), 5);
    // The step updated both networks: the same inputs now give other losses.
    const next = await trainer.step(label, real, inst);
    expect(next.lossGGan).not.toBe(got.lossGGan);
    expect(next.lossDReal).not.toBe(got.lossDReal);
    trainer.dispose();
    nets.generator.dispose();
    nets.discriminator.dispose();
    tf.dispose([label, inst, real]);
  });

  it('trains an encoder with the generator and adds the perceptual term; tensor count constant', async () => {
    const nets = tinyPair(3);
    // Label 4 + edges 1 + encoder features 3 = 8 generator inputs.
    const generator = globalGenerator({ inputChannels: 8, ngf: 4, nDownsampling: 2, nBlocks: 1, seed: 5 });
    const encoder = instanceFeatureEncoder({ ngf: 2, nDownsampling: 2, seed: 6 });
    const shapes: number[][] = [];
    const trainer = new Pix2PixHDTrainer({
      generator,
      discriminator: nets.discriminator,
      encoder,
      lr: 1e-3,
      lambdaPerceptual: 2,
      perceptualLoss: (fake, real) => {
        shapes.push(fake.shape, real.shape);
        return l1Loss(fake, real);
      },
    });
    const label = tf.tidy(() =>
      tf.cast(tf.oneHot(tf.randomUniform([1, 16, 16], 0, 4, 'int32', 7), 4), 'float32'),
    ) as tf.Tensor4D;
    const inst = tf.randomUniform([1, 16, 16, 1], 0, 3, 'int32', 8) as tf.Tensor4D;
    const real = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 9) as tf.Tensor4D;
    const encoderBefore = encoder.getWeights().map((w) => w.dataSync().slice());
    let afterFirst = 0;
    for (let i = 0; i < 3; i++) {
      const losses = await trainer.step(label, real, inst);
      expect(losses.lossGPerceptual).toBeGreaterThan(0);
      expect(losses.lossG).toBeCloseTo(losses.lossGGan + losses.lossGFeat + losses.lossGPerceptual, 4);
      if (i === 0) afterFirst = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(afterFirst);
    }
    expect(shapes[0]).toEqual([1, 16, 16, 3]);
    expect(shapes[1]).toEqual([1, 16, 16, 3]);
    const encoderAfter = encoder.getWeights().map((w) => w.dataSync());
    expect(encoderAfter.some((w, i) => w.some((v, j) => v !== encoderBefore[i]![j]))).toBe(true);
    const state = await trainer.getState();
    expect(state.tensors.some((t) => t.name.startsWith('model/encoder/'))).toBe(true);
    tf.dispose(state.tensors.map((t) => t.tensor));
    trainer.dispose();
    [generator, nets.generator, nets.discriminator, encoder].forEach((m) => m.dispose());
    tf.dispose([label, inst, real]);
  });

  it('rejects bad arguments and inputs; a failed step changes nothing', async () => {
    const nets = tinyPair(10);
    expect(() => new Pix2PixHDTrainer({ ...nets, numD: 3 })).toThrow(
      /Pix2PixHDTrainer: discriminator has 8 outputs, which must be numD \(3\) lists/,
    );
    const flat = multiscaleDiscriminator({ inputChannels: 8, ndf: 2, nLayers: 2, getIntermFeat: false });
    expect(() => new Pix2PixHDTrainer({ generator: nets.generator, discriminator: flat })).toThrow(
      /at least 2 \(a multiscaleDiscriminator with getIntermFeat, for featureMatching\)/,
    );
    expect(() => new Pix2PixHDTrainer({ ...nets, lambdaFeat: -1 })).toThrow(/lambdaFeat must be a finite number >= 0/);
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => new Pix2PixHDTrainer({ ...nets, ganMode: 'wgan' })).toThrow(
      /ganMode must be one of 'lsgan', 'vanilla'/,
    );
    const bad = new Pix2PixHDTrainer({ ...nets, perceptualLoss: () => tf.zeros([2]) as unknown as tf.Scalar });
    const label = tf.zeros([1, 16, 16, 4]) as tf.Tensor4D;
    const real = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    const inst = tf.zeros([1, 16, 12, 1], 'int32') as tf.Tensor4D;
    const before = tf.memory().numTensors;
    await expect(bad.step(label, real, inst)).rejects.toThrow(
      /Pix2PixHDTrainer.step: label \[1, 16, 16, 4\] and instanceMap \[1, 16, 12, 1\] must have the same batch size, height and width/,
    );
    const inst3 = tf.zeros([1, 16, 16, 3], 'int32') as tf.Tensor4D;
    await expect(bad.step(label, real, inst3)).rejects.toThrow(/instanceMap must have 1 channel/);
    const half = tf.fill([1, 16, 16, 1], 0.5) as tf.Tensor4D;
    await expect(bad.step(label, real, half)).rejects.toThrow(
      /Pix2PixHDTrainer.step: instanceMap must hold integer ids, got 0.5 at flat index 0/,
    );
    half.dispose();
    const weights = nets.generator.getWeights().map((w) => w.dataSync().slice());
    const inst1 = tf.zeros([1, 16, 16, 1], 'int32') as tf.Tensor4D;
    await expect(bad.step(label, real, inst1)).rejects.toThrow(/perceptualLoss must return a float32 scalar tf.Tensor/);
    expect(bad.steps).toBe(0);
    nets.generator.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(weights[i]!)));
    tf.dispose([inst3, inst1]);
    expect(tf.memory().numTensors).toBe(before);
    const encoder = instanceFeatureEncoder({ ngf: 1, nDownsampling: 1 });
    const withEncoder = new Pix2PixHDTrainer({ ...nets, encoder });
    await expect(withEncoder.step(label, real)).rejects.toThrow(
      /instanceMap is required when the trainer has an encoder/,
    );
    [bad, withEncoder].forEach((t) => t.dispose());
    [nets.generator, nets.discriminator, flat, encoder].forEach((m) => m.dispose());
    tf.dispose([label, real, inst]);
  });
});
