import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, checkSafeIntegerSeed } from '../core/checks';
import {
  checkInputShape,
  checkNorm,
  conv,
  leakyRelu,
  norm,
  sizedInput,
  useBiasFor,
  zeroPad,
  type NetworkNorm,
  WeightInit,
} from './internal/networks-common';

/** Arguments of {@link patchGANDiscriminator}. */
export interface PatchGANDiscriminatorArgs {
  /** Channels of the judged image (pix2pix: input + output channels, 6). Default 3. */
  inputChannels?: number;
  /** Filters of the first convolution (doubling, capped at `8 * ndf`). Default 64. */
  ndf?: number;
  /** Stride-2 convolutions: 3 is the 70x70 PatchGAN ('basic'). Default 3. */
  nLayers?: number;
  /** 'batch' (PyTorch BatchNorm2d), 'instance' (InstanceNorm2d, no affine) or 'none'. Default 'batch'. */
  norm?: NetworkNorm;
  /** Fixed `[height, width]` (at least 3 * 2^nLayers). Default: any size from 3 * 2^nLayers. */
  inputShape?: [number, number];
  /**
   * Seed of the weight initialisation (an integer, taken modulo 2^32): the same seed and
   * arguments give the same weights. Default: unseeded (fresh random weights on every call).
   */
  seed?: number;
}

/**
 * The PatchGAN discriminator (`NLayerDiscriminator` of pytorch-CycleGAN-and-pix2pix, `--netD
 * basic` with nLayers 3: the 70x70 PatchGAN): 4x4 convolutions with LeakyReLU 0.2, `nLayers`
 * of them stride 2 (the first without norm), one stride-1 with norm, and a stride-1 convolution
 * to one channel of logits (no sigmoid: the GAN loss applies it). Each output pixel judges one
 * 70x70 patch of the input.
 *
 * Input: `[batch, h, w, inputChannels]`, h and w at least 3 * 2^nLayers (24 for nLayers 3).
 * Output: `[batch, h', w', 1]` logits, h' = floor(...floor(h / 2).../ 2) - 2 (256 -> 30).
 * Parameters (ndf 64, nLayers 3): 3 channels instance 2,764,737; 6 channels batch 2,768,705
 * trainable (+ 1,792 running statistics).
 *
 * pix2pix's discriminator judges `concat(input, output)` on the channel axis (input first):
 * the trainer concatenates, not this model. Layers owning weights are named by their PyTorch
 * state-dict prefix (`model.0`, `model.2`, `model.3`, ..., `model.11`).
 *
 * Porting note: PyTorch's k4/p1 convolutions are ported as an explicit zero padding of 1 and a
 * 'valid' convolution. tfjs 'same' would differ for the stride-1 ones (padding 1 before and 2
 * after, so the map would not shrink) and for stride 2 on odd sizes.
 *
 * Reference: P. Isola, J.-Y. Zhu, T. Zhou, A. A. Efros, "Image-to-Image Translation with
 * Conditional Adversarial Networks", CVPR 2017, https://arxiv.org/abs/1611.07004.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const d = models.patchGANDiscriminator({ inputChannels: 6 });
 * const logits = d.predict(tf.zeros([1, 256, 256, 6])) as tf.Tensor; // [1, 30, 30, 1]
 * ```
 */
export function patchGANDiscriminator(args: PatchGANDiscriminatorArgs = {}): tfl.LayersModel {
  const owner = 'patchGANDiscriminator';
  const inputChannels = checkInteger(owner, 'inputChannels', args.inputChannels ?? 3, { min: 1 });
  const ndf = checkInteger(owner, 'ndf', args.ndf ?? 64, { min: 1 });
  const nLayers = checkInteger(owner, 'nLayers', args.nLayers ?? 3, { min: 1 });
  const kind = checkNorm(owner, args.norm ?? 'batch');
  const dims = checkInputShape(owner, args.inputShape);
  const useBias = useBiasFor(kind);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));

  // Sizes shrink floor(n / 2) per stride-2 conv and by 1 per stride-1 conv; the logit map needs
  // at least 1 pixel.
  const { input, x } = sizedInput(owner, inputChannels, dims, { minSize: 3 * 2 ** nLayers, reason: '3 * 2^nLayers' });
  let h = zeroPad(x, 'model.0_zero_pad', 1);
  h = conv(h, 'model.0', ndf, 4, 2, 'valid', true, init);
  h = leakyRelu(h, 'model.1_leaky_relu');
  let index = 2;
  for (let n = 1; n <= nLayers; n++) {
    const stride = n < nLayers ? 2 : 1;
    h = zeroPad(h, `model.${index}_zero_pad`, 1);
    h = conv(h, `model.${index}`, ndf * Math.min(2 ** n, 8), 4, stride, 'valid', useBias, init);
    h = norm(h, kind, `model.${index + 1}`, init);
    h = leakyRelu(h, `model.${index + 2}_leaky_relu`);
    index += 3;
  }
  h = zeroPad(h, `model.${index}_zero_pad`, 1);
  h = conv(h, `model.${index}`, 1, 4, 1, 'valid', true, init);
  return tfl.model({ inputs: input, outputs: h, name: 'patchgan_discriminator' });
}
