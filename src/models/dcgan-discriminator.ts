import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInteger, checkSafeIntegerSeed } from '../core/checks';
import { batchNormalizationTorch } from '../layers/batch-normalization-torch';
import { checkDCGANImageSize, checkDCGANWeightCount } from './internal/dcgan-sizes';
import { conv, leakyRelu, WeightInit, zeroPad, type Sym } from './internal/networks-common';

/** Arguments of {@link dcganDiscriminator}. */
export interface DCGANDiscriminatorArgs {
  /** Filters of the first convolution (doubling per stage; the widest has `ndf * imageSize / 8`). Default 64. */
  ndf?: number;
  /** Channels of the judged image. Default 3. */
  nc?: number;
  /** Height and width of the judged image: 16, 32, 64, 128, 256, 512 or 1024. Default 64. */
  imageSize?: number;
  /**
   * End with a sigmoid (upstream's netD, a probability for `BCELoss`). Set false for a WGAN
   * critic, which outputs an unbounded score. Default true.
   */
  sigmoid?: boolean;
  /**
   * Seed of the weight initialisation (an integer, taken modulo 2^32): the same seed and
   * arguments give the same weights. Default: unseeded (fresh random weights on every call).
   */
  seed?: number;
}

/**
 * The DCGAN discriminator (Radford et al. 2016), as `netD` of the PyTorch examples'
 * `dcgan/main.py`: a stride-2 4x4 convolution to `ndf` channels with LeakyReLU 0.2, then stride-2
 * 4x4 convolutions doubling the channels, each followed by BatchNorm and LeakyReLU 0.2, down to
 * 4x4, and a 4x4 'valid' convolution to one value per image, then a sigmoid. No convolution has
 * a bias. Initialisation is the reference's `weights_init`: kernels N(0, 0.02), BatchNorm gamma
 * N(1, 0.02), beta 0.
 *
 * Sizes: for `imageSize` s = 2^k the network has k - 3 BatchNorm stages (3 for 64: channels
 * 2·ndf, 4·ndf, 8·ndf), the generalisation of the WGAN reference code's `DCGAN_D` (64 gives
 * upstream's netD). Layers owning weights are named by their state-dict keys: `main.0`, `main.2`,
 * `main.3` (BatchNorm), ..., the last convolution `main.<3 (k - 3) + 2>` (`main.11` for 64), so
 * `io.loadTorchStateDict` loads a netD checkpoint strictly.
 * Parameters (defaults ndf 64, nc 3, 64x64): 2,765,568 trainable (+ 1,792 running statistics).
 *
 * Input: `[batch, imageSize, imageSize, nc]`. Output: `[batch, 1]`, a probability (or a score
 * with `sigmoid: false`).
 *
 * Porting note: upstream returns shape `[batch]` (`view(-1, 1).squeeze(1)`); here `[batch, 1]`.
 * The k4 s2 p1 convolutions are an explicit zero padding of 1 and a 'valid' convolution.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const d = models.dcganDiscriminator({ ndf: 4, imageSize: 16, seed: 1 });
 * const p = d.predict(tf.zeros([2, 16, 16, 3])) as tf.Tensor; // [2, 1], in (0, 1)
 * ```
 */
export function dcganDiscriminator(args: DCGANDiscriminatorArgs = {}): tfl.LayersModel {
  const owner = 'dcganDiscriminator';
  if (args === null || typeof args !== 'object') throw new Error(`${owner}: args must be an object or undefined.`);
  const ndf = checkInteger(owner, 'ndf', args.ndf ?? 64, { min: 1, max: 65536 });
  const nc = checkInteger(owner, 'nc', args.nc ?? 3, { min: 1, max: 4096 });
  const { imageSize, stages } = checkDCGANImageSize(owner, args.imageSize ?? 64);
  const sigmoid = checkBoolean(owner, 'sigmoid', args.sigmoid ?? true);
  const seed = checkSafeIntegerSeed(owner, 'seed', args.seed);
  let weights = nc * ndf * 16;
  for (let c = ndf, s = 0; s < stages; s++, c *= 2) weights += c * 2 * c * 16 + 4 * c;
  checkDCGANWeightCount(owner, weights + ndf * 2 ** stages * 16);
  const init = new WeightInit(seed);

  const input = tfl.input({ shape: [imageSize, imageSize, nc], name: 'input' });
  let h = zeroPad(input, 'main.0_zero_pad', 1);
  h = conv(h, 'main.0', ndf, 4, 2, 'valid', false, init);
  h = leakyRelu(h, 'main.1_leaky_relu');
  let channels = ndf;
  let index = 2;
  for (let s = 0; s < stages; s++) {
    channels *= 2;
    h = zeroPad(h, `main.${index}_zero_pad`, 1);
    h = conv(h, `main.${index}`, channels, 4, 2, 'valid', false, init);
    h = batchNormalizationTorch({ name: `main.${index + 1}`, gammaInitializer: init.gamma() }).apply(h) as Sym;
    h = leakyRelu(h, `main.${index + 2}_leaky_relu`);
    index += 3;
  }
  h = conv(h, `main.${index}`, 1, 4, 1, 'valid', false, init);
  if (sigmoid) h = tfl.layers.activation({ activation: 'sigmoid', name: `main.${index + 1}_sigmoid` }).apply(h) as Sym;
  h = tfl.layers.flatten({ name: 'output_flatten' }).apply(h) as Sym;
  return tfl.model({ inputs: input, outputs: h, name: 'dcgan_discriminator' });
}
