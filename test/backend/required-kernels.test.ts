// Derives the kernels the library's trainers dispatch, by running them on the cpu backend under
// tf.profile (Pix2Pix with U-Net + PatchGAN and batch norm, CycleGAN with ResNet + PatchGAN and
// instance norm, inpainting with a spectral-normalised discriminator and with the gated generator's
// contextual attention, DCGAN with each of its losses, pix2pixHD with instance edges, the encoder
// and the local enhancer, and the generative-prior functions) and, where cpu's filter gradients
// would take tens of seconds, on wasm (GauGAN with the VAE encoder and VGG loss; GLCIC's three
// phases and its networks' gradients; the AdaIN encoder / decoder under the style losses), plus
// U-Net / ResNet / pixel-discriminator inference, and checks that REQUIRED_KERNELS (the list
// initBackend checks a user-registered backend against) is exactly that set: a kernel the library
// starts to use makes this test fail until the list names it, and so does a stale entry.
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
import { l1Loss as l1 } from '../../src/losses/l1-loss';
import { DCGANTrainer, DCGAN_LOSSES } from '../../src/training/dcgan-trainer';
import { tinyCycleGANNets } from '../harness/tiny-networks';
import { withZeroWeights } from '../harness/zero-weights';
import { spadeGenerator } from '../../src/models/spade-generator';
import { spadeEncoder } from '../../src/models/spade-encoder';
import { spadeMultiscaleDiscriminator } from '../../src/models/spade-multiscale-discriminator';
import { spadeGenerate } from '../../src/models/spade-generate';
import { vgg19Features } from '../../src/models/vgg19-features';
import { labelMapToOneHot } from '../../src/ops/label-map-to-one-hot';
import { GauGANTrainer } from '../../src/training/gaugan-trainer';
import { globalGenerator } from '../../src/models/global-generator';
import { localEnhancer } from '../../src/models/local-enhancer';
import { instanceFeatureEncoder } from '../../src/models/instance-feature-encoder';
import { multiscaleDiscriminator } from '../../src/models/multiscale-discriminator';
import { Pix2PixHDTrainer } from '../../src/training/pix2pixhd-trainer';
import { glcicCompletionNetwork, glcicContextDiscriminator } from '../../src/models/glcic';
import { GLCICTrainer } from '../../src/training/glcic-trainer';
import { adaptGenerator, editUnits, invertGenerator } from '../../src/training/generative-prior';
import { FUSED_ADAM_UPDATE } from '../../src/core/kernel-capabilities';

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

  it('covers the generative-prior functions (invertGenerator, adaptGenerator, editUnits) on a DCGAN generator', async () => {
    const g = dcganGenerator({ nz: 8, ngf: 4, imageSize: 16, seed: 21 });
    const z = tf.randomNormal([1, 8], 0, 1, 'float32', 5);
    const image = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 6) as tf.Tensor4D;
    const k = await kernelsOf(async () => {
      const inv = await invertGenerator(g, image, { steps: 2, seed: 7 });
      const adapted = await adaptGenerator(g, inv.latent, image, { steps: 2, anchor: 1 });
      const set = editUnits(g, z, { layer: 'main.5_relu', units: [0, 1], value: 2, mask: tf.ones([3, 3]) });
      const scaled = editUnits(g, z, { layer: 'main.2_relu', units: [1], scale: [0.5] });
      tf.dispose([inv.latent, inv.reconstruction, set, scaled]);
      adapted.generator.dispose();
    });
    for (const n of k) used.add(n);
    tf.dispose([z, image]);
    g.dispose();
  });

  it('covers two Pix2PixHDTrainer steps (instance edges, encoder, local enhancer; lsgan and vanilla)', async () => {
    const label = tf.tidy(() =>
      tf.cast(tf.oneHot(tf.randomUniform([1, 16, 16], 0, 4, 'int32', 7), 4), 'float32'),
    ) as tf.Tensor4D;
    const inst = tf.randomUniform([1, 16, 16, 1], 0, 3, 'int32', 8) as tf.Tensor4D;
    const real = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 9) as tf.Tensor4D;
    // Label 4 + edges 1 + encoder features 3 = 8 generator inputs; D sees those 5 + 3 image channels.
    const generator = globalGenerator({ inputChannels: 8, ngf: 4, nDownsampling: 2, nBlocks: 1, seed: 5 });
    const encoder = instanceFeatureEncoder({ ngf: 2, nDownsampling: 2, seed: 6 });
    const discriminator = multiscaleDiscriminator({ inputChannels: 8, ndf: 4, nLayers: 2, numD: 2, seed: 2 });
    const enhancer = localEnhancer({
      inputChannels: 5,
      ngf: 2,
      nDownsampleGlobal: 1,
      nBlocksGlobal: 1,
      nBlocksLocal: 1,
      seed: 3,
    });
    const d2 = multiscaleDiscriminator({
      inputChannels: 8,
      ndf: 4,
      nLayers: 1,
      numD: 1,
      getIntermFeat: false,
      norm: 'batch',
      seed: 4,
    });
    const withEncoder = new Pix2PixHDTrainer({ generator, discriminator, encoder, perceptualLoss: (a, b) => l1(a, b) });
    const withEnhancer = new Pix2PixHDTrainer({
      generator: enhancer,
      discriminator: d2,
      numD: 1,
      ganMode: 'vanilla',
      featureMatching: false,
    });
    const k = await kernelsOf(async () => {
      await withEncoder.step(label, real, inst);
      await withEnhancer.step(label, real, inst);
    });
    for (const n of k) used.add(n);
    withEncoder.dispose();
    withEnhancer.dispose();
    tf.dispose([label, inst, real]);
    for (const m of [generator, encoder, discriminator, enhancer, d2]) m.dispose();
  });

  // On wasm, as the AdaIN case below: the cpu backend's filter gradients of the SPADE and GLCIC
  // convolutions take tens of seconds.
  it('covers GauGANTrainer steps (SPADE generator, VAE encoder, multiscale D, VGG loss) and spadeGenerate (on wasm)', async () => {
    await initBackend('wasm');
    const generator = spadeGenerator({
      semanticChannels: 2,
      ngf: 1,
      hiddenChannels: 2,
      inputShape: [32, 32],
      useVAE: true,
      zDim: 4,
      seed: 1,
    });
    const encoder = spadeEncoder({ ngf: 1, zDim: 4, seed: 2 });
    const discriminator = spadeMultiscaleDiscriminator({ inputChannels: 5, ndf: 2, nLayers: 2, seed: 3 });
    const vgg = vgg19Features({ filters: [2, 2, 2, 2, 2] });
    const trainer = new GauGANTrainer({ generator, discriminator, encoder, featureExtractor: vgg, seed: 4 });
    // Batch 2: the generator's head is 1x1, and batch norm needs more than one value per channel.
    const labels = tf.tensor3d(
      Array.from({ length: 2048 }, (_, i) => (i >> 7) % 2),
      [2, 32, 32],
      'int32',
    );
    const image = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const k = await kernelsOf(async () => {
      const segmap = labelMapToOneHot(labels, 2);
      await trainer.step(segmap, image);
      tf.dispose([segmap, spadeGenerate(generator, segmap, { encoder, image, seed: 6 })]);
    });
    for (const n of k) used.add(n);
    trainer.dispose();
    tf.dispose([labels, image]);
    for (const m of [generator, encoder, discriminator, vgg]) m.dispose();
    await initBackend('cpu');
  });

  // The trainer's own operations (hole filling, local windows, BCE, Adadelta) do not depend on the
  // networks, so its three phases run on tiny stand-ins, and the GLCIC networks (whose widths are
  // fixed: 256-channel dilated layers) run forward and backward in training mode at their
  // smallest sizes.
  it('covers the three GLCICTrainer phases, and the GLCIC networks forward and backward (on wasm)', async () => {
    await initBackend('wasm');
    const S = 32;
    const completion = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [S, S, 4], filters: 3, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
      ],
    });
    const localIn = tfl.input({ shape: [16, 16, 3] });
    const globalIn = tfl.input({ shape: [S, S, 3] });
    const pooled = [localIn, globalIn].map((x) => tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor);
    const both = tfl.layers.concatenate().apply(pooled) as tfl.SymbolicTensor;
    const discriminator = tfl.model({
      inputs: [localIn, globalIn],
      outputs: tfl.layers.dense({ units: 1, activation: 'sigmoid' }).apply(both) as tfl.SymbolicTensor,
    });
    const trainer = new GLCICTrainer({
      completion,
      discriminator,
      localSize: [16, 16],
      phase1Steps: 1,
      phase2Steps: 1,
      seed: 4,
    });
    const images = tf.randomUniform([2, S, S, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const masks = tf.pad(tf.ones([2, 8, 12, 1]), [
      [0, 0],
      [10, 14],
      [8, 12],
      [0, 0],
    ]) as tf.Tensor4D;
    // Batch 2: the discriminators end at 1x1, and batch norm needs more than one value per channel.
    // Zero weights: the kernels dispatched do not depend on the values, and the random draws of
    // 46M parameters would cost more than the runs.
    const cn = withZeroWeights(() => glcicCompletionNetwork({ inputShape: [8, 8] }));
    const cd = withZeroWeights(() =>
      glcicContextDiscriminator({ localShape: [32, 32], globalShape: [64, 64], arc: 'places2' }),
    );
    const x = tf.randomUniform([2, 8, 8, 4], 0, 1, 'float32', 6);
    const local = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 7);
    const global = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 8);
    const trainingGrads = (model: tfl.LayersModel, inputs: tf.Tensor | tf.Tensor[]) => {
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(model.apply(inputs, { training: true }) as tf.Tensor) as tf.Scalar,
        vars,
      );
      tf.dispose([value, ...Object.values(grads)]);
    };
    const k = await kernelsOf(async () => {
      for (let i = 0; i < 3; i++) await trainer.step(images, masks); // phases 1, 2, 3
      trainingGrads(cn, x);
      trainingGrads(cd, [local, global]);
    });
    for (const n of k) used.add(n);
    trainer.dispose();
    tf.dispose([images, masks, x, local, global]);
    for (const m of [completion, discriminator, cn, cd]) m.dispose();
    await initBackend('cpu');
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
    // Optional: the trainers' Adam runs element-wise ops (listed) on backends without it.
    used.delete(FUSED_ADAM_UPDATE);
    const missing = [...used].filter((n) => !listed.has(n)).sort();
    const stale = [...listed].filter((n) => !used.has(n)).sort();
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });
});
