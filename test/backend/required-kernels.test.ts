// Derives the kernels the library's trainers dispatch, by running them on the cpu backend under
// tf.profile (Pix2Pix with U-Net + PatchGAN and batch norm, CycleGAN with ResNet + PatchGAN and
// instance norm, inpainting with a spectral-normalised discriminator and with the gated generator's
// contextual attention, DCGAN with each of its losses, the AdaIN encoder / decoder under the style
// losses, plus U-Net / ResNet / pixel-discriminator inference), and checks that REQUIRED_KERNELS (the list initBackend checks
// a user-registered backend against) is exactly that set: a kernel the library starts to use
// makes this test fail until the list names it, and so does a stale entry.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/init-backend';
import { REQUIRED_KERNELS } from '../../src/backend/required-kernels';
import { unetGenerator } from '../../src/models/unet-generator';
import { resnetGenerator } from '../../src/models/resnet-generator';
import { patchGANDiscriminator } from '../../src/models/patchgan-discriminator';
import { spectralNormalization } from '../../src/layers/spectral-normalization';
import { Pix2PixTrainer } from '../../src/training/pix2pix-trainer';
import { CycleGANTrainer } from '../../src/training/cyclegan-trainer';
import { InpaintingTrainer } from '../../src/training/inpainting-trainer';
import { gatedInpaintingGenerator } from '../../src/models/gated-inpainting-generator';
import { snPatchGANDiscriminator } from '../../src/models/sn-patchgan-discriminator';
import { dcganGenerator } from '../../src/models/dcgan-generator';
import { dcganDiscriminator } from '../../src/models/dcgan-discriminator';
import { pixelDiscriminator } from '../../src/models/pixel-discriminator';
import { adainEncoder } from '../../src/models/adain-encoder';
import { adainDecoder } from '../../src/models/adain-decoder';
import { adain } from '../../src/layers/adain';
import { adainStyleLoss } from '../../src/losses/adain-style-loss';
import { contentLoss } from '../../src/losses/content-loss';
import { styleLoss } from '../../src/losses/style-loss';
import { totalVariationLoss } from '../../src/losses/total-variation-loss';
import { DCGANTrainer, DCGAN_LOSSES } from '../../src/training/dcgan-trainer';
import { tinyCycleGANNets } from '../harness/tiny-networks';

/** The kernels `fn` dispatched (tf.profile also lists op scopes such as "fusedConv2d__op": dropped). */
async function kernelsOf(fn: () => Promise<void>): Promise<Set<string>> {
  const info = await tf.profile(fn);
  return new Set(info.kernelNames.filter((n) => tf.getKernel(n, 'cpu') != null));
}

const used = new Set<string>();

describe('REQUIRED_KERNELS', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('covers two Pix2PixTrainer steps (U-Net, batch norm, PatchGAN) and unet / resnet inference', async () => {
    const generator = unetGenerator({ ngf: 4, numDowns: 5, norm: 'batch', seed: 1 });
    const discriminator = patchGANDiscriminator({ inputChannels: 6, ndf: 4, nLayers: 2, norm: 'batch', seed: 2 });
    const resnet = resnetGenerator({ ngf: 4, nBlocks: 1, norm: 'batch', seed: 3 });
    const trainer = new Pix2PixTrainer({ generator, discriminator });
    const a = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const b = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    const k = await kernelsOf(async () => {
      await trainer.step(a, b);
      await trainer.step(a, b);
      tf.dispose([generator.predict(a) as tf.Tensor, resnet.predict(a) as tf.Tensor]);
    });
    for (const n of k) used.add(n);
    trainer.dispose();
    tf.dispose([a, b]);
    for (const m of [generator, discriminator, resnet]) m.dispose();
  });

  it('covers two CycleGANTrainer steps (ResNet, instance norm, image pools)', async () => {
    const nets = tinyCycleGANNets();
    const trainer = new CycleGANTrainer({ ...nets, poolSize: 2, seed: 3 });
    const a = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const b = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    const k = await kernelsOf(async () => {
      for (let i = 0; i < 3; i++) await trainer.step(a, b);
    });
    for (const n of k) used.add(n);
    trainer.dispose();
    tf.dispose([a, b]);
    for (const m of Object.values(nets)) m.dispose();
  });

  it('covers two InpaintingTrainer steps (two-stage generator, spectral-normalised discriminator)', async () => {
    const S = 16;
    const image = tfl.input({ shape: [S, S, 3] });
    const mask = tfl.input({ shape: [S, S, 1] });
    const h = tfl.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'elu' })
      .apply(tfl.layers.concatenate().apply([image, mask])) as tfl.SymbolicTensor;
    const x1 = tfl.layers
      .conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' })
      .apply(h) as tfl.SymbolicTensor;
    const x2 = tfl.layers
      .conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' })
      .apply(tfl.layers.concatenate().apply([x1, image, mask])) as tfl.SymbolicTensor;
    const generator = tfl.model({ inputs: [image, mask], outputs: [x1, x2] });
    const x = tfl.input({ shape: [S, S, 4] });
    const d = spectralNormalization({
      layer: tfl.layers.conv2d({ filters: 4, kernelSize: 5, strides: 2, padding: 'same' }),
    }).apply(x) as tfl.SymbolicTensor;
    const discriminator = tfl.model({
      inputs: x,
      outputs: tfl.layers.flatten().apply(tfl.layers.leakyReLU({ alpha: 0.2 }).apply(d)) as tfl.SymbolicTensor,
    });
    const trainer = new InpaintingTrainer({ generator, discriminator });
    const images = tf.randomUniform([1, S, S, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const masks = tf.tidy(() =>
      tf.cast(tf.greater(tf.randomUniform([1, S, S, 1], 0, 1, 'float32', 2), 0.7), 'float32'),
    ) as tf.Tensor4D;
    const k = await kernelsOf(async () => {
      await trainer.step(images, masks);
      await trainer.step(images, masks);
    });
    for (const n of k) used.add(n);
    trainer.dispose();
    tf.dispose([images, masks]);
    for (const m of [generator, discriminator]) m.dispose();
  });

  it('covers an InpaintingTrainer step with the gated generator (contextual attention) and SN-PatchGAN', async () => {
    const S = 32;
    const generator = gatedInpaintingGenerator({ cnum: 4, inputShape: [S, S], seed: 1 });
    const discriminator = snPatchGANDiscriminator({ ndf: 4, inputShape: [S, S], seed: 2 });
    const trainer = new InpaintingTrainer({ generator, discriminator });
    const images = tf.randomUniform([1, S, S, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const masks = tf.tidy(() =>
      tf.cast(tf.greater(tf.randomUniform([1, S, S, 1], 0, 1, 'float32', 2), 0.7), 'float32'),
    ) as tf.Tensor4D;
    const k = await kernelsOf(async () => {
      await trainer.step(images, masks);
    });
    for (const n of k) used.add(n);
    trainer.dispose();
    tf.dispose([images, masks]);
    for (const m of [generator, discriminator]) m.dispose();
  });

  it('covers a DCGANTrainer step with each loss', async () => {
    const real = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    for (const loss of DCGAN_LOSSES) {
      const generator = dcganGenerator({ nz: 8, ngf: 4, imageSize: 16, seed: 21 });
      const discriminator = dcganDiscriminator({ ndf: 4, imageSize: 16, sigmoid: loss === 'bce', seed: 22 });
      const trainer = new DCGANTrainer({ generator, discriminator, loss, nCritic: 1, seed: 3 });
      const k = await kernelsOf(async () => {
        await trainer.step(real);
      });
      for (const n of k) used.add(n);
      trainer.dispose();
      for (const m of [generator, discriminator]) m.dispose();
    }
    real.dispose();
  });

  // On wasm: the same kernel names as on cpu (ops and gradients map to kernels in tfjs-core), but
  // the cpu backend's filter gradients of the 512-channel VGG layers take half a minute.
  it('covers the AdaIN encoder, layer and decoder under the style losses, and pixel-discriminator inference (on wasm)', async () => {
    await initBackend('wasm');
    const encoder = adainEncoder({ inputShape: [16, 16], outputs: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'] });
    const decoder = adainDecoder();
    const pixel = pixelDiscriminator({ ndf: 4, inputChannels: 3, seed: 4 });
    const transfer = adain();
    const content = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const style = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const vars = decoder.trainableWeights.map((w) => w.read() as tf.Variable);
    const k = await kernelsOf(async () => {
      const { value, grads } = tf.variableGrads(() => {
        const fc = encoder.apply(content) as tf.Tensor4D[];
        const fs = encoder.apply(style) as tf.Tensor4D[];
        const t = transfer.apply([fc[3]!, fs[3]!]) as tf.Tensor4D;
        const out = decoder.apply(t) as tf.Tensor4D;
        const fo = encoder.apply(out) as tf.Tensor4D[];
        return tf.addN([
          contentLoss(fo[3]!, t),
          adainStyleLoss(fo, fs),
          styleLoss(fo.slice(0, 2), fs.slice(0, 2)),
          totalVariationLoss(out),
        ]) as tf.Scalar;
      }, vars);
      tf.dispose([value, ...Object.values(grads)]);
      tf.dispose(pixel.predict(content) as tf.Tensor);
    });
    for (const n of k) used.add(n);
    tf.dispose([content, style]);
    for (const m of [encoder, decoder, pixel]) m.dispose();
    await initBackend('cpu');
  });

  it('names exactly the kernels these runs dispatched', () => {
    const listed = new Set<string>(REQUIRED_KERNELS);
    const missing = [...used].filter((n) => !listed.has(n)).sort();
    const stale = [...listed].filter((n) => !used.has(n)).sort();
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });
});
