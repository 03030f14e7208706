import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInteger, checkSafeIntegerSeed } from '../core/checks';
import {
  checkInputShape,
  checkNorm,
  conv,
  convTranspose,
  dropout,
  leakyRelu,
  norm,
  relu,
  sizedInput,
  tanh,
  useBiasFor,
  type NetworkNorm,
  type Sym,
  WeightInit,
} from './internal/networks-common';

/** Arguments of {@link unetGenerator}. */
export interface UnetGeneratorArgs {
  /** Channels of the input image. Default 3. */
  inputChannels?: number;
  /** Channels of the output image. Default 3. */
  outputChannels?: number;
  /** Number of stride-2 downsamplings, >= 5. Default 8 ('unet_256'); 7 is 'unet_128'. */
  numDowns?: number;
  /** Filters of the outermost level (doubling down to `8 * ngf`). Default 64. */
  ngf?: number;
  /** 'batch' (PyTorch BatchNorm2d), 'instance' (InstanceNorm2d, no affine) or 'none'. Default 'batch' (pix2pix). */
  norm?: NetworkNorm;
  /** Dropout 0.5 in the `numDowns - 5` innermost-but-one levels (pix2pix trains with it). Default false. */
  dropout?: boolean;
  /** Fixed `[height, width]` (multiples of 2^numDowns). Default: any height and width that are multiples of 2^numDowns. */
  inputShape?: [number, number];
  /**
   * Seed of the weight initialisation (an integer, taken modulo 2^32): the same seed and
   * arguments give the same weights. Default: unseeded (fresh random weights on every call).
   */
  seed?: number;
}

/**
 * The pix2pix U-Net generator (`UnetGenerator` of pytorch-CycleGAN-and-pix2pix, `--netG
 * unet_256` with numDowns 8, `unet_128` with 7): an encoder of 4x4 stride-2 convolutions
 * (LeakyReLU 0.2, norm) down to 1x1 at full size, a mirrored decoder of 4x4 stride-2 transposed
 * convolutions (ReLU, norm, optional dropout), skip connections concatenating each encoder level
 * (first) with the decoder's output (second), and a final tanh.
 *
 * Input: `[batch, h, w, inputChannels]`, h and w multiples of 2^numDowns (256 for unet_256).
 * Output: `[batch, h, w, outputChannels]` in (-1, 1).
 * Parameters (ngf 64, 3 -> 3 channels): unet_256 batch 54,413,955 trainable (+ 9,856 running
 * statistics); unet_256 instance 54,409,603; unet_128 batch 41,828,995.
 *
 * Layers owning weights are named by their PyTorch state-dict prefix (`model.model.0`,
 * `model.model.1.model.3.model.2`, ...), so `io.loadTorchStateDict` loads upstream checkpoints.
 * The first layer (`input_size_check`) throws a clear Error for sizes that are not multiples of
 * 2^numDowns. Weights start as upstream's `init_weights('normal', 0.02)`.
 *
 * Porting notes: PyTorch's k4/s2/p1 convolution and transposed convolution equal tfjs 'same' on
 * even sizes, which the size rule guarantees. BatchNorm follows PyTorch (momentum 0.1, eps 1e-5,
 * unbiased running variance); `model.predict` uses the running statistics and no dropout, like
 * upstream's `model.eval()`; upstream's `test.py` without `--eval` instead uses batch statistics
 * and active dropout: call `model.apply(x, { training: true })` for that.
 *
 * Reference: P. Isola, J.-Y. Zhu, T. Zhou, A. A. Efros, "Image-to-Image Translation with
 * Conditional Adversarial Networks", CVPR 2017, https://arxiv.org/abs/1611.07004 (U-Net:
 * Ronneberger et al. 2015, https://arxiv.org/abs/1505.04597).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const g = models.unetGenerator({ numDowns: 7, ngf: 16 }); // unet_128 layout, smaller
 * const y = g.predict(tf.zeros([1, 128, 128, 3])) as tf.Tensor; // [1, 128, 128, 3]
 * ```
 */
export function unetGenerator(args: UnetGeneratorArgs = {}): tfl.LayersModel {
  const owner = 'unetGenerator';
  const inputChannels = checkInteger(owner, 'inputChannels', args.inputChannels ?? 3, { min: 1 });
  const outputChannels = checkInteger(owner, 'outputChannels', args.outputChannels ?? 3, { min: 1 });
  const numDowns = checkInteger(owner, 'numDowns', args.numDowns ?? 8, { min: 5 });
  const ngf = checkInteger(owner, 'ngf', args.ngf ?? 64, { min: 1 });
  const kind = checkNorm(owner, args.norm ?? 'batch');
  const useDropout = checkBoolean(owner, 'dropout', args.dropout ?? false);
  const dims = checkInputShape(owner, args.inputShape);
  const useBias = useBiasFor(kind);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));

  // (outer, inner) channels of the levels below the outermost, outermost-first, as upstream
  // builds them inside-out: ngf->2ngf, 2ngf->4ngf, 4ngf->8ngf, then 8ngf->8ngf (numDowns - 5
  // levels with optional dropout, and the innermost).
  const levels: { outer: number; inner: number; dropout: boolean }[] = [
    { outer: ngf, inner: ngf * 2, dropout: false },
    { outer: ngf * 2, inner: ngf * 4, dropout: false },
    { outer: ngf * 4, inner: ngf * 8, dropout: false },
  ];
  for (let i = 0; i < numDowns - 5; i++) levels.push({ outer: ngf * 8, inner: ngf * 8, dropout: useDropout });
  levels.push({ outer: ngf * 8, inner: ngf * 8, dropout: false });

  // One UnetSkipConnectionBlock below the outermost; `block` is its module prefix, whose layers
  // sit in the nn.Sequential `${block}.model` at upstream's indices.
  const skipBlock = (x: Sym, level: number, block: string): Sym => {
    const { outer, inner, dropout: drop } = levels[level]!;
    const s = `${block}.model`;
    let h = leakyRelu(x, `${s}.0_leaky_relu`);
    h = conv(h, `${s}.1`, inner, 4, 2, 'same', useBias, init);
    if (level === levels.length - 1) {
      // Innermost: no norm on the 1x1 bottleneck.
      h = relu(h, `${s}.2_relu`);
      h = convTranspose(h, `${s}.3`, outer, 4, 'same', useBias, init);
      h = norm(h, kind, `${s}.4`, init);
    } else {
      h = norm(h, kind, `${s}.2`, init);
      h = skipBlock(h, level + 1, `${s}.3`);
      h = relu(h, `${s}.4_relu`);
      h = convTranspose(h, `${s}.5`, outer, 4, 'same', useBias, init);
      h = norm(h, kind, `${s}.6`, init);
      if (drop) h = dropout(h, `${s}.7_dropout`);
    }
    // Skip first, then the up path (torch.cat([x, model(x)], 1)).
    return tfl.layers.concatenate({ axis: 3, name: `${block}_concat` }).apply([x, h]) as Sym;
  };

  const { input, x } = sizedInput(owner, inputChannels, dims, { multiple: 2 ** numDowns, reason: '2^numDowns' });
  let h = conv(x, 'model.model.0', ngf, 4, 2, 'same', useBias, init);
  h = skipBlock(h, 0, 'model.model.1');
  h = relu(h, 'model.model.2_relu');
  // The outermost transposed convolution always has a bias.
  h = convTranspose(h, 'model.model.3', outputChannels, 4, 'same', true, init);
  h = tanh(h, 'model.model.4_tanh');
  return tfl.model({ inputs: input, outputs: h, name: 'unet_generator' });
}
