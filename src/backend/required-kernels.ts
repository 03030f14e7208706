/**
 * The tfjs kernels this library's networks, losses and trainers dispatch: what a backend must
 * register for {@link initBackend} to accept it. Derived, not guessed: test/backend/required-kernels.test.ts
 * runs Pix2Pix (U-Net + PatchGAN, batch norm), CycleGAN (ResNet + PatchGAN, instance norm, image
 * pools), inpainting (a spectral-normalised discriminator; the gated generator with contextual
 * attention and SN-PatchGAN), DCGAN (each loss), pix2pixHD (instance edges, the instance-feature
 * encoder, the local enhancer; lsgan and vanilla), GauGAN (SPADE generator with the VAE encoder,
 * the multiscale discriminator and the VGG loss) and GLCIC (the three phases) training steps, the
 * GLCIC networks forward and backward, the generative-prior functions (`invertGenerator`,
 * `adaptGenerator`, `editUnits`), the AdaIN encoder, layer and decoder under the content, AdaIN
 * style, Gram style and total-variation losses with their gradients, and U-Net / ResNet /
 * pixel-discriminator inference and `spadeGenerate` under `tf.profile`, and fails unless this
 * list equals the kernels those runs dispatched.
 *
 * It holds the Conv2D family with both gradients (`Conv2D`, `FusedConv2D`, `Conv2DBackpropInput`
 * for transposed convolutions and input gradients, `Conv2DBackpropFilter`; dilated convolutions
 * run `Conv2D` with dilations and `Reverse` for their input gradient), depthwise convolution and
 * its input gradient (the
 * multiscale discriminators' average-pool downsampling), dense layers (`_FusedMatMul`), the norms'
 * moments (`Mean`, `Sum`, `Rsqrt`, `Sqrt`, `Square`), reflection padding (`MirrorPad`),
 * max-pooling and nearest resizing with their gradients, bilinear resizing (the SPADE encoder's
 * input, `editUnits` masks), contextual attention's `Softmax`, `GatherV2` and
 * `UnsortedSegmentSum`, label maps (`OneHot`), activations and their gradients, and the
 * element-wise, comparison, reduction and shape kernels the optimizers, losses and trainers use.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { REQUIRED_KERNELS } from 'tfjs-synth';
 * const missing = REQUIRED_KERNELS.filter((k) => tf.getKernel(k, 'cpu') == null); // []
 * ```
 */
export const REQUIRED_KERNELS: readonly string[] = Object.freeze([
  // Convolutions and their gradients.
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'BatchMatMul',
  '_FusedMatMul',
  // Depthwise convolutions (the multiscale discriminators' average-pool downsampling).
  'DepthwiseConv2dNative',
  'DepthwiseConv2dNativeBackpropInput',
  // Norms (moments, normalisation) and padding.
  'Mean',
  'Sum',
  'Sqrt',
  'Rsqrt',
  'Square',
  'MirrorPad',
  'PadV2',
  // Pooling and resizing (AdaIN encoder and decoder) and their gradients.
  'MaxPool',
  'MaxPoolGrad',
  'ResizeNearestNeighbor',
  'ResizeNearestNeighborGrad',
  'ResizeBilinear',
  // Contextual attention.
  'Softmax',
  'GatherV2',
  'UnsortedSegmentSum',
  // Label maps (GauGAN).
  'OneHot',
  // Activations and their gradients.
  'Relu',
  'LeakyRelu',
  'Elu',
  'EluGrad',
  'Tanh',
  'Sigmoid',
  'Step',
  'Exp',
  'Log',
  'Log1p',
  // Element-wise arithmetic and comparison (losses, optimizers).
  'Abs',
  'Add',
  'AddN',
  'Sub',
  'Multiply',
  'RealDiv',
  'Neg',
  'Pow',
  'Maximum',
  'SquaredDifference',
  'Max',
  'Min',
  'Greater',
  'GreaterEqual',
  'Equal',
  'NotEqual',
  'LogicalAnd',
  'LogicalNot',
  'ClipByValue',
  'Select',
  'Cast',
  'Identity',
  'ZerosLike',
  'OnesLike',
  // Shapes.
  'Reshape',
  'ExpandDims',
  'Transpose',
  'Concat',
  'Slice',
  'SplitV',
  'Pack',
  'Unpack',
  'Reverse',
]);
