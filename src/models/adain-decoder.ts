import * as tfl from '@tensorflow/tfjs-layers';
import { reflectionPadding2d } from '../layers/reflection-padding2d';

export interface AdaINDecoderArgs {
  /** `[height, width]` of the relu4_1 features it decodes; omit to accept any size. */
  inputShape?: [number, number];
}

/**
 * The AdaIN decoder of the PyTorch port (naoto0804/pytorch-AdaIN), so its published
 * `decoder.pth` loads directly with `io.loadTorchStateDict`: the encoder mirrored, each
 * convolution being reflection padding 1 + 3x3 conv + ReLU, nearest x2 upsampling between stages,
 * and no activation after the last convolution. Layer names are the PyTorch `nn.Sequential`
 * indices of the convolutions (`'1'`, `'5'`, ..., `'28'`). 3,505,219 parameters.
 *
 * Input: relu4_1 features `[batch, h, w, 512]` (usually AdaIN's output).
 * Output: image `[batch, 8h, 8w, 3]`, roughly in [0, 1] (not clamped).
 *
 * Reference: X. Huang, S. Belongie, "Arbitrary Style Transfer in Real-time with Adaptive Instance
 * Normalization", ICCV 2017, https://arxiv.org/abs/1703.06868
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const decoder = models.adainDecoder();
 * const image = decoder.predict(tf.zeros([1, 8, 8, 512])) as tf.Tensor; // [1, 64, 64, 3]
 * ```
 */
export function adainDecoder(args: AdaINDecoderArgs = {}): tfl.LayersModel {
  const [h, w] = args.inputShape ?? [null, null];
  const input = tfl.input({ shape: [h, w, 512], name: 'features' });
  // [PyTorch index of the conv, output channels]; 'up' marks nearest x2 upsampling.
  const plan: ([number, number] | 'up')[] = [
    [1, 256],
    'up',
    [5, 256],
    [8, 256],
    [11, 256],
    [14, 128],
    'up',
    [18, 128],
    [21, 64],
    'up',
    [25, 64],
    [28, 3],
  ];
  let x: tfl.SymbolicTensor = input;
  let ups = 0;
  for (const step of plan) {
    if (step === 'up') {
      ups += 1;
      x = tfl.layers
        .upSampling2d({ size: [2, 2], interpolation: 'nearest', name: `up${ups}` })
        .apply(x) as tfl.SymbolicTensor;
      continue;
    }
    const [index, filters] = step;
    x = reflectionPadding2d({ padding: 1, name: `pad${index - 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers
      .conv2d({ filters, kernelSize: 3, padding: 'valid', name: String(index) })
      .apply(x) as tfl.SymbolicTensor;
    // The last convolution has no activation: the reference decodes straight to RGB.
    if (index !== 28) x = tfl.layers.reLU({ name: `relu${index + 1}` }).apply(x) as tfl.SymbolicTensor;
  }
  return tfl.model({ inputs: input, outputs: x, name: 'adain_decoder' });
}
