import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInteger, checkSafeIntegerSeed } from '../core/checks';
import { avgPool2dExcludePadding } from '../layers/internal/avg-pool2d-exclude-padding';
import {
  checkInputShape,
  conv,
  leakyRelu,
  norm,
  sizedInput,
  type Sym,
  WeightInit,
  zeroPad,
} from './internal/networks-common';
import { checkHDNorm, type HDNorm } from './internal/pix2pixhd-common';

/** Arguments of {@link multiscaleDiscriminator}. */
export interface MultiscaleDiscriminatorArgs {
  /** Channels of the judged input (pix2pixHD: labels + edge map + image, 39 on Cityscapes). Default 3. */
  inputChannels?: number;
  /** Filters of the first convolution (doubling, capped at 512). Default 64 (`--ndf`). */
  ndf?: number;
  /** Stride-2 convolutions of each discriminator. Default 3 (`--n_layers_D`). */
  nLayers?: number;
  /** Discriminators, each on a 2x smaller copy of the input. Default 2 (`--num_D`). */
  numD?: number;
  /**
   * Output every block's features (for the feature-matching loss), not only the logits.
   * Default true (pix2pixHD trains with `getIntermFeat = not --no_ganFeat_loss`).
   */
  getIntermFeat?: boolean;
  /** 'instance' (InstanceNorm2d, no affine) or 'batch' (BatchNorm2d). Default 'instance'. */
  norm?: HDNorm;
  /** Fixed `[height, width]`. Default: any size. */
  inputShape?: [number, number];
  /** Seed of the weight initialisation (an integer, taken modulo 2^32). Default: unseeded. */
  seed?: number;
}

/**
 * pix2pixHD's multiscale discriminator (`MultiscaleDiscriminator` of NVIDIA/pix2pixHD): `numD`
 * PatchGAN discriminators, the first on the input, each next one on the input average-pooled once
 * more (3x3, stride 2, padding left out of the averages). Each discriminator is pix2pixHD's
 * `NLayerDiscriminator`: 4x4 convolutions with padding 2 and LeakyReLU 0.2, `nLayers` of them
 * stride 2 (the first without norm), one stride-1 with norm, and a stride-1 convolution to one
 * channel of logits (no sigmoid: the GAN loss applies it). Filters `min(ndf * 2^n, 512)`; every
 * convolution has a bias.
 *
 * Input: `[batch, h, w, inputChannels]`, any size. Outputs, in upstream's order (full resolution
 * first): with `getIntermFeat`, `nLayers + 2` tensors per discriminator (each block's output,
 * the logits last), `numD * (nLayers + 2)` in all; without, one logit map per discriminator.
 * {@link groupMultiscaleOutputs} regroups them per discriminator for `featureMatchingLoss`.
 * Sizes: a stride-2 block maps n to floor(n / 2) + 1, a stride-1 block to n + 1 (256 -> 129,
 * 65, 33, 34, 35).
 * Parameters (ndf 64, 3 layers, 2 discriminators, instance norm, 39 channels, the Cityscapes
 * configuration): 5,603,202.
 *
 * Layer names follow upstream's state dict, so `io.loadTorchStateDict` loads `netD` checkpoints:
 * with `getIntermFeat`, `scale<k>_layer<j>.<m>` (block j of discriminator k), otherwise
 * `layer<k>.<m>`. Upstream runs discriminator `numD - 1 - i` on the input pooled i times, so the
 * full-resolution outputs come from `scale<numD - 1>` (`layer<numD - 1>`).
 *
 * Porting note: upstream's `use_sigmoid` (`--no_lsgan`) is left out: with `getIntermFeat` it is
 * dropped upstream anyway, and the 'vanilla' GAN loss here takes logits.
 *
 * Reference: T.-C. Wang et al., "High-Resolution Image Synthesis and Semantic Manipulation with
 * Conditional GANs", CVPR 2018, https://arxiv.org/abs/1711.11585.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const d = models.multiscaleDiscriminator({ inputChannels: 6, ndf: 8 });
 * const outs = d.predict(tf.zeros([1, 64, 64, 6])) as tf.Tensor[]; // 2 * 5 feature maps
 * const perD = models.groupMultiscaleOutputs(outs, 2); // [[5 maps at 64], [5 maps at 32]]
 * ```
 */
export function multiscaleDiscriminator(args: MultiscaleDiscriminatorArgs = {}): tfl.LayersModel {
  const owner = 'multiscaleDiscriminator';
  const inputChannels = checkInteger(owner, 'inputChannels', args.inputChannels ?? 3, { min: 1 });
  const ndf = checkInteger(owner, 'ndf', args.ndf ?? 64, { min: 1, max: 65536 });
  const nLayers = checkInteger(owner, 'nLayers', args.nLayers ?? 3, { min: 1, max: 12 });
  const numD = checkInteger(owner, 'numD', args.numD ?? 2, { min: 1, max: 8 });
  const interm = checkBoolean(owner, 'getIntermFeat', args.getIntermFeat ?? true);
  const kind = checkHDNorm(owner, args.norm ?? 'instance');
  const dims = checkInputShape(owner, args.inputShape);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));

  const { input, x } = sizedInput(owner, inputChannels, dims, {});
  const outputs: Sym[] = [];
  let scaled = x;
  for (let i = 0; i < numD; i++) {
    const k = numD - 1 - i;
    // With getIntermFeat block j of D k is `scale<k>_layer<j>.<m>`; otherwise one Sequential
    // `layer<k>.<flat index>`.
    const name = (j: number, m: number, flat: number): string =>
      interm ? `scale${k}_layer${j}.${m}` : `layer${k}.${flat}`;
    const block = (
      h: Sym,
      j: number,
      flat: number,
      filters: number,
      stride: number,
      withNorm: boolean,
      act: boolean,
    ): Sym => {
      h = zeroPad(h, `${name(j, 0, flat)}_zero_pad`, 2);
      h = conv(h, name(j, 0, flat), filters, 4, stride, 'valid', true, init);
      let m = 1;
      if (withNorm) h = norm(h, kind, name(j, m++, flat + 1), init);
      if (act) h = leakyRelu(h, `${name(j, m, flat + m)}_leaky_relu`);
      return h;
    };
    let h = block(scaled, 0, 0, ndf, 2, false, true);
    const features: Sym[] = [h];
    let nf = ndf;
    let flat = 2;
    for (let n = 1; n < nLayers; n++) {
      nf = Math.min(nf * 2, 512);
      h = block(h, n, flat, nf, 2, true, true);
      features.push(h);
      flat += 3;
    }
    nf = Math.min(nf * 2, 512);
    h = block(h, nLayers, flat, nf, 1, true, true);
    features.push(h);
    flat += 3;
    h = block(h, nLayers + 1, flat, 1, 1, false, false);
    features.push(h);
    outputs.push(...(interm ? features : [h]));
    if (i !== numD - 1) scaled = avgPool2dExcludePadding({ name: `downsample_${i + 1}` }).apply(scaled) as Sym;
  }
  return tfl.model({ inputs: input, outputs, name: 'multiscale_discriminator' });
}
