/**
 * The tfjs kernels this library's networks, losses and trainers dispatch: what a backend must
 * register for {@link initBackend} to accept it. Derived, not guessed: test/backend/required-kernels.test.ts
 * runs Pix2Pix (U-Net + PatchGAN, batch norm), CycleGAN (ResNet + PatchGAN, instance norm, image
 * pools) and inpainting (spectral-normalised discriminator) training steps and U-Net / ResNet
 * inference on the cpu backend under `tf.profile`, and fails unless this list equals the kernels
 * those runs dispatched. The gated inpainting generator's contextual attention and the AdaIN
 * networks are not part of that run: a backend may still lack a kernel only they use.
 *
 * It holds the Conv2D family with both gradients (`Conv2D`, `FusedConv2D`, `Conv2DBackpropInput`
 * for transposed convolutions and input gradients, `Conv2DBackpropFilter`), the norms' moments
 * (`Mean`, `Sum`, `Rsqrt`, `Sqrt`, `Square`), reflection padding (`MirrorPad`), activations and
 * their gradients, and the element-wise and shape kernels the optimizers and losses use.
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
  // Norms (moments, normalisation) and padding.
  'Mean',
  'Sum',
  'Sqrt',
  'Rsqrt',
  'Square',
  'MirrorPad',
  'PadV2',
  // Activations and their gradients.
  'Relu',
  'LeakyRelu',
  'Elu',
  'EluGrad',
  'Tanh',
  'Step',
  'Exp',
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
  'Greater',
  'Select',
  'Cast',
  'Identity',
  'ZerosLike',
  // Shapes.
  'Reshape',
  'Transpose',
  'Concat',
  'Slice',
  'SplitV',
  'Pack',
  'Unpack',
  'Reverse',
]);
