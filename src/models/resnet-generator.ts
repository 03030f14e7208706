import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInteger, checkSafeIntegerSeed } from '../core/checks';
import { reflectionPadding2d } from '../layers/reflection-padding2d';
import { crop2d } from '../layers/internal/crop2d';
import {
  checkInputShape,
  checkNorm,
  conv,
  convTranspose,
  dropout,
  norm,
  relu,
  sizedInput,
  tanh,
  useBiasFor,
  zeroPad,
  type NetworkNorm,
  type Sym,
  WeightInit,
} from './internal/networks-common';

/** Arguments of {@link resnetGenerator}. */
export interface ResnetGeneratorArgs {
  /** Channels of the input image. Default 3. */
  inputChannels?: number;
  /** Channels of the output image. Default 3. */
  outputChannels?: number;
  /** Filters of the first convolution (the residual blocks have `4 * ngf`). Default 64. */
  ngf?: number;
  /** Residual blocks at 1/4 resolution: 9 is 'resnet_9blocks', 6 'resnet_6blocks'. Default 9. */
  nBlocks?: number;
  /** 'batch' (PyTorch BatchNorm2d), 'instance' (InstanceNorm2d, no affine) or 'none'. Default 'instance' (CycleGAN). */
  norm?: NetworkNorm;
  /** Dropout 0.5 between the two convolutions of each residual block. Default false (CycleGAN). */
  dropout?: boolean;
  /** Fixed `[height, width]` (multiples of 4, at least 8). Default: any such size. */
  inputShape?: [number, number];
  /**
   * Seed of the weight initialisation (an integer, taken modulo 2^32): the same seed and
   * arguments give the same weights. Default: unseeded (fresh random weights on every call).
   */
  seed?: number;
}

/**
 * The CycleGAN ResNet generator (`ResnetGenerator` of pytorch-CycleGAN-and-pix2pix, `--netG
 * resnet_9blocks` / `resnet_6blocks`), after Johnson et al.'s style-transfer network: reflection
 * pad 3 + 7x7 convolution, two 3x3 stride-2 downsamplings, `nBlocks` residual blocks (reflection
 * pad 1, 3x3 conv, norm, ReLU, [dropout], reflection pad 1, 3x3 conv, norm; `x + block(x)` with
 * no activation after the sum), two 3x3 stride-2 transposed convolutions, reflection pad 3 +
 * 7x7 convolution to `outputChannels`, tanh. Each convolution but the last is followed by norm
 * and ReLU.
 *
 * Input: `[batch, h, w, inputChannels]`, h and w multiples of 4 (at least 8).
 * Output: `[batch, h, w, outputChannels]` in (-1, 1).
 * Parameters (ngf 64, 3 -> 3 channels, instance norm): resnet_9blocks 11,378,179,
 * resnet_6blocks 7,837,699.
 *
 * Layers owning weights are named by their PyTorch state-dict prefix (`model.1`, `model.4`,
 * `model.10.conv_block.1`, `model.19`, `model.26` for 9 blocks), so `io.loadTorchStateDict`
 * loads upstream checkpoints. Weights start as upstream's `init_weights('normal', 0.02)`.
 *
 * Porting notes: PyTorch's 3x3 stride-2 padding-1 convolution is not tfjs 'same' (which pads
 * 0 before and 1 after on even sizes), so the downsamplings are an explicit zero padding of 1
 * and a 'valid' convolution. The upsampling `ConvTranspose2d(k3, s2, p1, output_padding=1)`
 * equals tfjs' 'valid' transposed convolution (2n + 1) with its first row and column cropped,
 * where tfjs 'same' would keep the first 2n and be shifted by one pixel.
 *
 * Reference: J.-Y. Zhu, T. Park, P. Isola, A. A. Efros, "Unpaired Image-to-Image Translation
 * using Cycle-Consistent Adversarial Networks", ICCV 2017, https://arxiv.org/abs/1703.10593;
 * J. Johnson, A. Alahi, L. Fei-Fei, "Perceptual Losses for Real-Time Style Transfer and
 * Super-Resolution", ECCV 2016, https://arxiv.org/abs/1603.08155.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const g = models.resnetGenerator({ nBlocks: 6, ngf: 16 });
 * const y = g.predict(tf.zeros([1, 64, 64, 3])) as tf.Tensor; // [1, 64, 64, 3]
 * ```
 */
export function resnetGenerator(args: ResnetGeneratorArgs = {}): tfl.LayersModel {
  const owner = 'resnetGenerator';
  const inputChannels = checkInteger(owner, 'inputChannels', args.inputChannels ?? 3, { min: 1 });
  const outputChannels = checkInteger(owner, 'outputChannels', args.outputChannels ?? 3, { min: 1 });
  const ngf = checkInteger(owner, 'ngf', args.ngf ?? 64, { min: 1 });
  const nBlocks = checkInteger(owner, 'nBlocks', args.nBlocks ?? 9, { min: 0 });
  const kind = checkNorm(owner, args.norm ?? 'instance');
  const useDropout = checkBoolean(owner, 'dropout', args.dropout ?? false);
  const dims = checkInputShape(owner, args.inputShape);
  const useBias = useBiasFor(kind);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));
  const reflect = (x: Sym, name: string, padding: number): Sym =>
    reflectionPadding2d({ padding, name }).apply(x) as Sym;

  // Multiples of 4: two exact halvings. At least 8: the blocks' reflection padding of 1 needs
  // 2 pixels at 1/4 resolution (PyTorch requires padding < size too).
  const { input, x } = sizedInput(owner, inputChannels, dims, { multiple: 4, minSize: 8 });
  let h = reflect(x, 'model.0_reflection_pad', 3);
  h = conv(h, 'model.1', ngf, 7, 1, 'valid', useBias, init);
  h = norm(h, kind, 'model.2', init);
  h = relu(h, 'model.3_relu');
  for (let i = 0; i < 2; i++) {
    const index = 4 + 3 * i;
    h = zeroPad(h, `model.${index}_zero_pad`, 1);
    h = conv(h, `model.${index}`, ngf * 2 ** (i + 1), 3, 2, 'valid', useBias, init);
    h = norm(h, kind, `model.${index + 1}`, init);
    h = relu(h, `model.${index + 2}_relu`);
  }
  const dim = ngf * 4;
  for (let b = 0; b < nBlocks; b++) {
    const s = `model.${10 + b}.conv_block`;
    // With dropout, nn.Dropout takes index 4 and shifts the second half by one.
    const o = useDropout ? 1 : 0;
    let r = reflect(h, `${s}.0_reflection_pad`, 1);
    r = conv(r, `${s}.1`, dim, 3, 1, 'valid', useBias, init);
    r = norm(r, kind, `${s}.2`, init);
    r = relu(r, `${s}.3_relu`);
    if (useDropout) r = dropout(r, `${s}.4_dropout`);
    r = reflect(r, `${s}.${4 + o}_reflection_pad`, 1);
    r = conv(r, `${s}.${5 + o}`, dim, 3, 1, 'valid', useBias, init);
    r = norm(r, kind, `${s}.${6 + o}`, init);
    h = tfl.layers.add({ name: `model.${10 + b}_add` }).apply([h, r]) as Sym;
  }
  const up = 10 + nBlocks;
  for (let i = 0; i < 2; i++) {
    const index = up + 3 * i;
    h = convTranspose(h, `model.${index}`, ngf * 2 ** (1 - i), 3, 'valid', useBias, init);
    // Porting note: ConvTranspose2d(k3, s2, p1, output_padding 1) = 'valid' output [1 : 2n + 1].
    h = crop2d({
      cropping: [
        [1, 0],
        [1, 0],
      ],
      name: `model.${index}_crop`,
    }).apply(h) as Sym;
    h = norm(h, kind, `model.${index + 1}`, init);
    h = relu(h, `model.${index + 2}_relu`);
  }
  h = reflect(h, `model.${up + 6}_reflection_pad`, 3);
  // The last convolution always has a bias.
  h = conv(h, `model.${up + 7}`, outputChannels, 7, 1, 'valid', true, init);
  h = tanh(h, `model.${up + 8}_tanh`);
  return tfl.model({ inputs: input, outputs: h, name: 'resnet_generator' });
}
