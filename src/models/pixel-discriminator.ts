import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, checkSafeIntegerSeed } from '../core/checks';
import {
  checkInputShape,
  checkNorm,
  conv,
  leakyRelu,
  norm,
  useBiasFor,
  type NetworkNorm,
  type Sym,
  WeightInit,
} from './internal/networks-common';

/** Arguments of {@link pixelDiscriminator}. */
export interface PixelDiscriminatorArgs {
  /** Channels of the judged image. Default 3. */
  inputChannels?: number;
  /** Filters of the first 1x1 convolution (the second has `2 * ndf`). Default 64. */
  ndf?: number;
  /** 'batch' (PyTorch BatchNorm2d), 'instance' (InstanceNorm2d, no affine) or 'none'. Default 'batch'. */
  norm?: NetworkNorm;
  /** Fixed `[height, width]`. Default: any size. */
  inputShape?: [number, number];
  /**
   * Seed of the weight initialisation (an integer, taken modulo 2^32): the same seed and
   * arguments give the same weights. Default: unseeded (fresh random weights on every call).
   */
  seed?: number;
}

/**
 * The 1x1 PatchGAN ("PixelGAN", `PixelDiscriminator` of pytorch-CycleGAN-and-pix2pix, `--netD
 * pixel`): three 1x1 convolutions (LeakyReLU 0.2 after the first two, norm after the second)
 * judging every pixel on its own. No sigmoid.
 *
 * Input: `[batch, h, w, inputChannels]`, any size. Output: `[batch, h, w, 1]` logits.
 * Parameters (ndf 64, batch norm): 3 channels 8,832 trainable (+ 256 running statistics);
 * 6 channels 9,024.
 *
 * Layers owning weights are named by their PyTorch state-dict prefix (`net.0`, `net.2`, `net.3`,
 * `net.5`). As upstream, the last two convolutions have a bias only with instance norm.
 *
 * Reference: P. Isola, J.-Y. Zhu, T. Zhou, A. A. Efros, "Image-to-Image Translation with
 * Conditional Adversarial Networks", CVPR 2017, https://arxiv.org/abs/1611.07004 (section 4.4).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const d = models.pixelDiscriminator({ inputChannels: 6 });
 * const logits = d.predict(tf.zeros([1, 64, 64, 6])) as tf.Tensor; // [1, 64, 64, 1]
 * ```
 */
export function pixelDiscriminator(args: PixelDiscriminatorArgs = {}): tfl.LayersModel {
  const owner = 'pixelDiscriminator';
  const inputChannels = checkInteger(owner, 'inputChannels', args.inputChannels ?? 3, { min: 1 });
  const ndf = checkInteger(owner, 'ndf', args.ndf ?? 64, { min: 1 });
  const kind = checkNorm(owner, args.norm ?? 'batch');
  const [h0, w0] = checkInputShape(owner, args.inputShape);
  const useBias = useBiasFor(kind);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));
  const input = tfl.input({ shape: [h0, w0, inputChannels], name: 'input' });
  let h: Sym = conv(input, 'net.0', ndf, 1, 1, 'valid', true, init);
  h = leakyRelu(h, 'net.1_leaky_relu');
  h = conv(h, 'net.2', ndf * 2, 1, 1, 'valid', useBias, init);
  h = norm(h, kind, 'net.3', init);
  h = leakyRelu(h, 'net.4_leaky_relu');
  h = conv(h, 'net.5', 1, 1, 1, 'valid', useBias, init);
  return tfl.model({ inputs: input, outputs: h, name: 'pixel_discriminator' });
}
