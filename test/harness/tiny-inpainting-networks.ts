/**
 * The tiny inpainting networks the InpaintingTrainer tests train: a two-stage generator
 * ([image, mask(, guide)] -> [x1, x2], each stage a 3x3 ELU convolution then a 3x3 tanh one,
 * the refine stage on [x1, image, mask]) and a discriminator of spectral-normalised 5x5 stride-2
 * convolutions with LeakyReLU(0.2), flattened. Unseeded (tfjs's default initialisers): tests
 * that compare two trainers copy the weights with {@link copyInpaintingNets}.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { spectralNormalization } from '../../src/layers/spectral-normalization';
import { discriminatorLoss, generatorLoss, l1Loss } from '../../src/losses';

/** Options of the tiny inpainting networks. */
export interface TinyInpaintingOptions {
  /** Image height and width. Default 16. */
  size?: number;
  /** A generator with a third, 1-channel guide input (and a 5-channel discriminator). Default false. */
  guided?: boolean;
  /** Width of the generator's hidden ELU convolutions. Default 8. */
  filters?: number;
  /** Widths of the discriminator's convolutions. Default [8, 16]. */
  dFilters?: number[];
}

/** The two-stage generator: [image, mask] (or [image, mask, guide]) -> [x1, x2]. */
export function tinyInpaintingGenerator(options: TinyInpaintingOptions = {}): tfl.LayersModel {
  const { size = 16, guided = false, filters = 8 } = options;
  const image = tfl.input({ shape: [size, size, 3] });
  const mask = tfl.input({ shape: [size, size, 1] });
  const ins = guided ? [image, mask, tfl.input({ shape: [size, size, 1] })] : [image, mask];
  const stage = (x: tfl.SymbolicTensor) => {
    const h = tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'elu' }).apply(x);
    return tfl.layers
      .conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' })
      .apply(h) as tfl.SymbolicTensor;
  };
  const x1 = stage(tfl.layers.concatenate().apply(ins) as tfl.SymbolicTensor);
  const x2 = stage(tfl.layers.concatenate().apply([x1, image, mask]) as tfl.SymbolicTensor);
  return tfl.model({ inputs: ins, outputs: [x1, x2] });
}

/** The spectral-normalised discriminator on `channels` input channels (4: image and mask). */
export function tinyInpaintingDiscriminator(channels = 4, options: TinyInpaintingOptions = {}): tfl.LayersModel {
  const { size = 16, dFilters = [8, 16] } = options;
  const x = tfl.input({ shape: [size, size, channels] });
  let h = x;
  for (const filters of dFilters) {
    h = spectralNormalization({
      layer: tfl.layers.conv2d({ filters, kernelSize: 5, strides: 2, padding: 'same' }),
    }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(h) as tfl.SymbolicTensor;
  }
  return tfl.model({ inputs: x, outputs: tfl.layers.flatten().apply(h) as tfl.SymbolicTensor });
}

/** A generator and its discriminator (5 channels when guided, else 4); the caller disposes them. */
export function tinyInpaintingNets(options: TinyInpaintingOptions = {}): {
  generator: tfl.LayersModel;
  discriminator: tfl.LayersModel;
} {
  return {
    generator: tinyInpaintingGenerator(options),
    discriminator: tinyInpaintingDiscriminator(options.guided ? 5 : 4, options),
  };
}

/** New networks of the same options holding copies of `src`'s weights. */
export function copyInpaintingNets(
  src: ReturnType<typeof tinyInpaintingNets>,
  options: TinyInpaintingOptions = {},
): ReturnType<typeof tinyInpaintingNets> {
  const dst = tinyInpaintingNets(options);
  dst.generator.setWeights(src.generator.getWeights());
  dst.discriminator.setWeights(src.discriminator.getWeights());
  return dst;
}

/** The losses of {@link referenceFirstStep}. */
export interface ReferenceStepLosses {
  lossD: number;
  lossGGan: number;
  lossL1Coarse: number;
  lossL1Fine: number;
}

/**
 * InpaintingTrainer's first step written out independently, on `ref` (copies of the trainer's
 * networks): one Adam step of the hinge D loss (scale 0.5) on [real, completed] with [mask(, guide)]
 * appended, then the G hinge loss against the updated D and the two stages' L1. Disposes all it makes.
 */
export function referenceFirstStep(
  ref: ReturnType<typeof tinyInpaintingNets>,
  images: tf.Tensor4D,
  masks: tf.Tensor4D,
  guide?: tf.Tensor4D,
): ReferenceStepLosses {
  const G = ref.generator;
  const D = ref.discriminator;
  const extra = guide === undefined ? [masks] : [masks, guide];
  const optD = tf.train.adam(1e-4, 0.5, 0.999, 1e-8);
  let lossD = 0;
  try {
    return tf.tidy(() => {
      const incomplete = tf.mul(images, tf.sub(1, masks));
      const [x1, x2] = G.apply([incomplete, ...extra], { training: true }) as tf.Tensor[];
      const completed = tf.add(tf.mul(x2!, masks), incomplete);
      const both = tf.concat([tf.concat([images, ...extra], 3), tf.concat([completed, ...extra], 3)], 0);
      const dVars = D.trainableWeights.map((w) => w.read() as tf.Variable);
      optD.minimize(
        () => {
          const [pos, neg] = tf.split(D.apply(both, { training: true }) as tf.Tensor, 2, 0);
          const l = discriminatorLoss(pos!, neg!, 'hinge', { scale: 0.5 });
          lossD = l.dataSync()[0]!;
          return l;
        },
        false,
        dVars,
      );
      const [, neg] = tf.split(D.apply(both, { training: true }) as tf.Tensor, 2, 0);
      return {
        lossD,
        lossGGan: generatorLoss(neg!, 'hinge').dataSync()[0]!,
        lossL1Coarse: l1Loss(images, x1!).dataSync()[0]!,
        lossL1Fine: l1Loss(images, x2!).dataSync()[0]!,
      };
    });
  } finally {
    optD.dispose();
  }
}
