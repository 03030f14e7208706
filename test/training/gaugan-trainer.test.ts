// GauGANTrainer: one iteration against NVlabs/SPADE's own Pix2PixTrainer (generator step, then
// discriminator step; test/fixtures/models/spade/generate_spade.py), the VAE path, bad input.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { planModelWeights } from '../../src/io/internal/model-weights';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import type { StateDict } from '../../src/io/state-dict';
import { spadeEncoder } from '../../src/models/spade-encoder';
import { spadeGenerate } from '../../src/models/spade-generate';
import { spadeGenerator } from '../../src/models/spade-generator';
import { spadeMultiscaleDiscriminator } from '../../src/models/spade-multiscale-discriminator';
import { vgg19Features } from '../../src/models/vgg19-features';
import { labelMapToOneHot } from '../../src/ops/label-map-to-one-hot';
import { GauGANTrainer } from '../../src/training/gaugan-trainer';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff, tensorOf } from '../models/helpers';
import { formulaStateDict } from '../models/spade-helpers';

const FIXTURES = new URL('../fixtures/models/spade/', import.meta.url);
const META = JSON.parse(readFileSync(new URL('spade.json', FIXTURES), 'utf8')) as {
  cases: {
    trainer: {
      losses: Record<string, number>;
      afterKeys: string[];
      formulaWeights: [string, number[]][];
    };
  };
};
function readFixture(name: string): StateDict {
  return readSafetensors(new Uint8Array(readFileSync(new URL(name, FIXTURES))));
}

describeBackends('GauGANTrainer', () => {
  it("one step matches SPADE's Pix2PixTrainer: losses (<= 1e-4 relative) and updated weights", async () => {
    const c = META.cases.trainer;
    const generator = spadeGenerator({ semanticChannels: 3, ngf: 1, inputShape: [32, 64], hiddenChannels: 8 });
    const discriminator = spadeMultiscaleDiscriminator({ inputChannels: 6, ndf: 2 });
    const vgg = vgg19Features({ filters: [4, 8, 8, 16, 16] });
    loadTorchStateDict(generator, formulaStateDict(c.formulaWeights));
    loadTorchStateDict(discriminator, readFixture('trainer_d.weights.safetensors'));
    loadTorchStateDict(vgg, readFixture('trainer_vgg.weights.safetensors'));
    const io = readFixture('trainer.io.safetensors');
    const labels = tensorOf(io, 'label');
    const segmap = labelMapToOneHot(labels, 3);
    const image = tensorOf(io, 'image') as tf.Tensor4D;
    const trainer = new GauGANTrainer({ generator, discriminator, featureExtractor: vgg });
    const losses = await trainer.step(segmap, image);
    const pairs: [keyof typeof losses, string][] = [
      ['lossGGan', 'GAN'],
      ['lossGFeat', 'GAN_Feat'],
      ['lossGVgg', 'VGG'],
      ['lossDFake', 'D_Fake'],
      ['lossDReal', 'D_real'],
    ];
    for (const [ours, theirs] of pairs) {
      const want = c.losses[theirs]!;
      expect(Math.abs(losses[ours] - want) / Math.max(Math.abs(want), 1e-3), ours).toBeLessThanOrEqual(1e-4);
    }
    expect(losses.lossKld).toBe(0);
    // Weights after both Adam steps (TTUR: G at 1e-4, D at 4e-4, betas (0, 0.9)), and
    // spectral-norm state after the step's training-mode calls. Adam's first step with beta1 0
    // moves a weight by lr * g / (|g| + eps), about +-lr whatever the gradient's size, so only
    // weights whose gradient's sign is the reference's are compared: the output convolution,
    // head_0's first convolution (the far end of the generator: its gradient passes every
    // UpSampling2D; torch's |g| spans 4.5e-8 to 17.3, median 3.5e-5, and all 2304 signs agree on
    // both backends), D's first bias and a D weight, and the spectral norms' u. Not compared:
    // G:fc.bias, whose true gradient is 0 (every path from it reaches a batch norm, which a
    // per-channel shift does not change; torch's |g| <= 1.5e-6 is rounding), so it moves +-lr at
    // random (2e-4 apart on either backend), and the running mean (3e-5 apart on either backend),
    // which the discriminator step's generator pass computes through the conv biases such
    // rounding-level gradients moved.
    const plans = { G: planModelWeights(generator), D: planModelWeights(discriminator) };
    for (const key of [
      'G:conv_img.bias',
      'G:conv_img.weight',
      'G:head_0.conv_0.weight_orig',
      'G:head_0.conv_0.weight_u',
      'D:discriminator_0.model0.0.bias',
      'D:discriminator_1.model3.0.0.weight_orig',
      'D:discriminator_0.model1.0.0.weight_u',
    ]) {
      expect(c.afterKeys).toContain(key);
      const [net, torchKey] = key.split(':') as ['G' | 'D', string];
      const v = plans[net].expected.get(torchKey)!.variable.read();
      const t = v.rank === 4 ? tf.transpose(v, [3, 2, 0, 1]) : tf.clone(v);
      expect(await maxAbsDiff(t, io.get(`after:${key}`)!), key).toBeLessThanOrEqual(2e-5);
      t.dispose();
    }
    tf.dispose([labels, segmap, image]);
    trainer.dispose();
    [generator, discriminator, vgg].forEach((m) => m.dispose());
  });

  it('trains the VAE variant (encoder updated with the generator) and keeps the tensor count', async () => {
    const generator = spadeGenerator({
      semanticChannels: 2,
      ngf: 1,
      hiddenChannels: 4,
      inputShape: [32, 32],
      useVAE: true,
      zDim: 4,
      seed: 1,
    });
    const encoder = spadeEncoder({ ngf: 1, zDim: 4, seed: 2 });
    const discriminator = spadeMultiscaleDiscriminator({ inputChannels: 5, ndf: 2, nLayers: 2, seed: 3 });
    const trainer = new GauGANTrainer({ generator, discriminator, encoder, seed: 4, ttur: false });
    const segmap = labelMapToOneHot(
      tf.tensor3d(
        Array.from({ length: 2048 }, (_, i) => (i >> 6) % 2),
        [2, 32, 32],
        'int32',
      ),
      2,
    );
    const image = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const fcBefore = encoder.getLayer('fc_mu').getWeights()[1]!.clone();
    const first = await trainer.step(segmap, image);
    expect(first.lossKld).toBeGreaterThan(0);
    expect(Number.isFinite(first.lossG) && Number.isFinite(first.lossD)).toBe(true);
    const changed = tf.tidy(() => tf.max(tf.abs(tf.sub(encoder.getLayer('fc_mu').getWeights()[1]!, fcBefore))));
    expect((await changed.data())[0]).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    await trainer.step(segmap, image);
    expect(tf.memory().numTensors).toBe(before);
    const styled = spadeGenerate(generator, segmap, { encoder, image, seed: 6 });
    expect(styled.shape).toEqual([2, 32, 32, 3]);
    tf.dispose([segmap, image, fcBefore, changed, styled]);
    trainer.dispose();
    [generator, encoder, discriminator].forEach((m) => m.dispose());
  });

  it('rejects bad input with clear Errors and changes nothing', async () => {
    const g = spadeGenerator({ semanticChannels: 3, ngf: 1, hiddenChannels: 2, inputShape: [32, 32] });
    const gz = spadeGenerator({
      semanticChannels: 3,
      ngf: 1,
      hiddenChannels: 2,
      inputShape: [32, 32],
      useVAE: true,
      zDim: 4,
    });
    const d = spadeMultiscaleDiscriminator({ inputChannels: 6, ndf: 2, nLayers: 2 });
    const e = spadeEncoder({ ngf: 1, zDim: 4 });
    expect(() => new GauGANTrainer({ generator: gz, discriminator: d })).toThrow(
      /GauGANTrainer: the generator takes z \(useVAE\), so an encoder \(models.spadeEncoder\(\)\) is required/,
    );
    expect(() => new GauGANTrainer({ generator: g, discriminator: d, encoder: e })).toThrow(
      /an encoder needs a generator built with useVAE/,
    );
    const trainer = new GauGANTrainer({ generator: g, discriminator: d });
    const wrong = tf.zeros([1, 32, 32, 4]) as tf.Tensor4D;
    const image = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    await expect(trainer.step(wrong, image)).rejects.toThrow(
      /GauGANTrainer.step: segmap must be \[n, 32, 32, 3\] \(the generator's size and semantic channels\), got \[1, 32, 32, 4\]/,
    );
    expect(trainer.steps).toBe(0);
    const seg = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    expect(() => spadeGenerate(g, wrong)).toThrow(
      /spadeGenerate: segmap has 4 channels, but the generator takes 3 .*wrong label count/,
    );
    expect(() => spadeGenerate(gz, seg, { encoder: e })).toThrow(
      /spadeGenerate: the VAE encoder needs the style image: pass options.image/,
    );
    expect(() => spadeGenerate(g, seg, { encoder: e, image })).toThrow(
      /encoder and image need a generator built with useVAE/,
    );
    const labels = tf.tensor3d(
      [
        [
          [0, 1],
          [3, 2],
        ],
      ],
      [1, 2, 2],
      'int32',
    );
    expect(() => labelMapToOneHot(labels, 3)).toThrow(
      /labelMapToOneHot: label ids must be integers in \[0, 3\) \(numLabels 3\), got 3/,
    );
    const half = tf.tensor3d([[[0, 1.5]]], [1, 1, 2]);
    expect(() => labelMapToOneHot(half, 3)).toThrow(/got 1.5/);
    const withDontCare = labelMapToOneHot(tf.tensor3d([[[0, 255]]], [1, 1, 2], 'int32'), 3, { dontCareId: 255 });
    expect(Array.from(await withDontCare.data())).toEqual([1, 0, 0, 0, 0, 0, 0, 1]);
    tf.dispose([wrong, image, seg, labels, half, withDontCare]);
    trainer.dispose();
    [g, gz, d, e].forEach((m) => m.dispose());
  });
});
