import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, listChoices } from '../core/checks';
import { reflectionPadding2d } from '../layers/reflection-padding2d';

/** The feature maps {@link adainEncoder} can return, in network order. */
export const ADAIN_ENCODER_OUTPUTS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'] as const;
export type AdaINEncoderOutput = (typeof ADAIN_ENCODER_OUTPUTS)[number];

export interface AdaINEncoderArgs {
  /** `[height, width]` of the input; omit to accept any size. Default: any size. */
  inputShape?: [number, number];
  /**
   * Which feature maps the model returns, in the order given. Default `['relu4_1']` (one output,
   * what AdaIN transfers); `['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1']` gives the four maps the
   * AdaIN style loss compares.
   */
  outputs?: readonly AdaINEncoderOutput[];
}

/**
 * The AdaIN encoder: the normalised VGG-19 of Huang and Belongie's AdaIN, up to relu4_1, as in
 * the widely used PyTorch port (naoto0804/pytorch-AdaIN), so its published `vgg_normalised.pth`
 * loads with `io.loadTorchStateDict(encoder, bytes, { strict: false })` (the file also holds the
 * layers after relu4_1, which the encoder does not use).
 *
 * Layers: a 1x1 3->3 convolution (the original Torch model's preprocessing baked into weights),
 * then VGG-19's 3x3 convolutions each preceded by reflection padding 1, ReLU, and 2x2 max-pooling
 * with ceil mode. Layer names are the PyTorch `nn.Sequential` indices (`'0'`, `'2'`, `'5'`, ...).
 * 3,505,740 parameters.
 *
 * Input: `[batch, height, width, 3]`, RGB in [0, 1] (as the PyTorch port feeds it).
 * Output: relu4_1 `[batch, ceil(h/8), ceil(w/8), 512]`, or the requested maps.
 *
 * Porting note: PyTorch's `MaxPool2d(2, 2, ceil_mode=True)` equals tfjs `maxPooling2d` with
 * padding 'same' for a 2x2 window and stride 2 (the one padded row or column sits at the end and
 * never wins the maximum), so odd sizes round up as in the reference.
 *
 * Reference: X. Huang, S. Belongie, "Arbitrary Style Transfer in Real-time with Adaptive Instance
 * Normalization", ICCV 2017, https://arxiv.org/abs/1703.06868
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const encoder = models.adainEncoder();
 * const features = encoder.predict(tf.zeros([1, 64, 64, 3])) as tf.Tensor; // [1, 8, 8, 512]
 * ```
 */
export function adainEncoder(args: AdaINEncoderArgs = {}): tfl.LayersModel {
  const outputs = args.outputs ?? ['relu4_1'];
  if (!Array.isArray(outputs) || outputs.length === 0 || outputs.some((o) => !ADAIN_ENCODER_OUTPUTS.includes(o))) {
    throw checkError('adainEncoder', 'outputs', `a non-empty list of ${listChoices(ADAIN_ENCODER_OUTPUTS)}`, outputs);
  }
  const [h, w] = args.inputShape ?? [null, null];
  const input = tfl.input({ shape: [h, w, 3], name: 'image' });

  // [PyTorch index of the conv, output channels, name of its ReLU output] in VGG order; 'pool'
  // marks a max-pool. The ReLU of every conv but the first 1x1 follows at index + 1.
  const plan: ([number, number, string] | 'pool')[] = [
    [2, 64, 'relu1_1'],
    [5, 64, 'relu1_2'],
    'pool',
    [9, 128, 'relu2_1'],
    [12, 128, 'relu2_2'],
    'pool',
    [16, 256, 'relu3_1'],
    [19, 256, 'relu3_2'],
    [22, 256, 'relu3_3'],
    [25, 256, 'relu3_4'],
    'pool',
    [29, 512, 'relu4_1'],
  ];
  let x = tfl.layers.conv2d({ filters: 3, kernelSize: 1, name: '0' }).apply(input) as tfl.SymbolicTensor;
  const taps = new Map<string, tfl.SymbolicTensor>();
  let pools = 0;
  for (const step of plan) {
    if (step === 'pool') {
      pools += 1;
      x = tfl.layers
        .maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: `pool${pools}` })
        .apply(x) as tfl.SymbolicTensor;
      continue;
    }
    const [index, filters, reluName] = step;
    x = reflectionPadding2d({ padding: 1, name: `pad${index - 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers
      .conv2d({ filters, kernelSize: 3, padding: 'valid', name: String(index) })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ name: reluName }).apply(x) as tfl.SymbolicTensor;
    taps.set(reluName, x);
  }
  return tfl.model({ inputs: input, outputs: outputs.map((o) => taps.get(o)!), name: 'adain_encoder' });
}
