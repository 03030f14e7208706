/**
 * The tiny inpainting networks the InpaintingTrainer tests train: a two-stage generator
 * ([image, mask(, guide)] -> [x1, x2], each stage a 3x3 ELU convolution then a 3x3 tanh one,
 * the refine stage on [x1, image, mask]) and a discriminator of spectral-normalised 5x5 stride-2
 * convolutions with LeakyReLU(0.2), flattened. Unseeded (tfjs's default initialisers): tests
 * that compare two trainers copy the weights with {@link copyInpaintingNets}.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { spectralNormalization } from '../../src/layers/spectral-normalization';

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
