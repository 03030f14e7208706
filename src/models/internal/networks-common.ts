/**
 * Shared pieces of the pix2pix / CycleGAN builders (unetGenerator, resnetGenerator,
 * patchGANDiscriminator, pixelDiscriminator): the norm and input-shape checks (the generic ones
 * are in core/checks.ts; the builders' seed rule is its `checkSafeIntegerSeed`), the norm choice, PyTorch-style
 * initialisation and layer helpers that name weight-owning layers by their PyTorch state-dict
 * prefix (the naming contract of `io.loadTorchStateDict`).
 * @internal
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkOneOf } from '../../core/checks';
import { createRandom, type Random } from '../../core/random';
import { batchNormalizationTorch } from '../../layers/batch-normalization-torch';
import { instanceNormalization } from '../../layers/instance-normalization';
import { spatialSizeCheck } from '../../layers/internal/spatial-size-check';

/** Normalisation of the pix2pix / CycleGAN networks (upstream `--norm`). */
export type NetworkNorm = 'batch' | 'instance' | 'none';

const NORMS: readonly NetworkNorm[] = ['batch', 'instance', 'none'];

export type Sym = tfl.SymbolicTensor;

/** Throws unless `norm` is one of 'batch', 'instance', 'none'. */
export function checkNorm(owner: string, norm: unknown): NetworkNorm {
  return checkOneOf(owner, 'norm', norm, NORMS);
}

/** Validates an optional `[height, width]` and returns the input dims (null = any). */
export function checkInputShape(owner: string, inputShape: unknown): [number | null, number | null] {
  if (inputShape === undefined) return [null, null];
  if (
    !Array.isArray(inputShape) ||
    inputShape.length !== 2 ||
    !inputShape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)
  ) {
    throw checkError(owner, 'inputShape', '[height, width] of positive integers', inputShape);
  }
  return [inputShape[0] as number, inputShape[1] as number];
}

/**
 * Upstream's rule: convolutions carry a bias only when the norm is InstanceNorm2d (BatchNorm has
 * its own shift; 'none', an Identity, also gets no bias: a quirk kept for checkpoint parity).
 */
export function useBiasFor(norm: NetworkNorm): boolean {
  return norm === 'instance';
}

/**
 * The initializers of one build, as upstream's `init_weights('normal', 0.02)`: conv weights
 * N(0, 0.02), biases 0, BN weight N(1, 0.02). With a seed, each initializer handed out gets its
 * own seed drawn from a generator seeded by it (seeds are taken modulo 2^32), so the same seed
 * and arguments give the same weights and two models built with nearby seeds share no draws;
 * without one, tfjs draws fresh random numbers.
 */
export class WeightInit {
  private readonly random: Random | undefined;

  constructor(seed: number | undefined) {
    this.random = seed === undefined ? undefined : createRandom(seed);
  }

  /** Conv / transposed-conv kernels: N(0, 0.02). */
  kernel(): ReturnType<typeof tfl.initializers.randomNormal> {
    return tfl.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: this.nextSeed() });
  }

  /** BatchNorm weight (gamma): N(1, 0.02). */
  gamma(): ReturnType<typeof tfl.initializers.randomNormal> {
    return tfl.initializers.randomNormal({ mean: 1, stddev: 0.02, seed: this.nextSeed() });
  }

  /** A seed for one more initializer (undefined when the build is unseeded). */
  nextSeed(): number | undefined {
    return this.random?.int(0, 4294967295);
  }
}

/** The model input followed by the spatial size check. */
export function sizedInput(
  owner: string,
  channels: number,
  dims: [number | null, number | null],
  check: { multiple?: number; minSize?: number; reason?: string },
): { input: Sym; x: Sym } {
  const input = tfl.input({ shape: [dims[0], dims[1], channels], name: 'input' });
  const x = spatialSizeCheck({ ...check, owner, name: 'input_size_check' }).apply(input) as Sym;
  return { input, x };
}

/** Conv2D named by its PyTorch prefix. */
export function conv(
  x: Sym,
  name: string,
  filters: number,
  kernelSize: number,
  strides: number,
  padding: 'valid' | 'same',
  useBias: boolean,
  init: WeightInit,
): Sym {
  return tfl.layers
    .conv2d({
      name,
      filters,
      kernelSize,
      strides,
      padding,
      useBias,
      kernelInitializer: init.kernel(),
      biasInitializer: 'zeros',
    })
    .apply(x) as Sym;
}

/** Conv2DTranspose named by its PyTorch prefix. */
export function convTranspose(
  x: Sym,
  name: string,
  filters: number,
  kernelSize: number,
  padding: 'valid' | 'same',
  useBias: boolean,
  init: WeightInit,
): Sym {
  return tfl.layers
    .conv2dTranspose({
      name,
      filters,
      kernelSize,
      strides: 2,
      padding,
      useBias,
      kernelInitializer: init.kernel(),
      biasInitializer: 'zeros',
    })
    .apply(x) as Sym;
}

/** The norm layer at PyTorch prefix `name` ('none' = upstream's Identity: no layer). */
export function norm(x: Sym, kind: NetworkNorm, name: string, init: WeightInit): Sym {
  if (kind === 'batch') {
    return batchNormalizationTorch({ name, gammaInitializer: init.gamma() }).apply(x) as Sym;
  }
  // InstanceNorm2d(affine=False) has no state-dict keys; the layer still takes the module's index.
  if (kind === 'instance') return instanceNormalization({ name }).apply(x) as Sym;
  return x;
}

export function leakyRelu(x: Sym, name: string): Sym {
  return tfl.layers.leakyReLU({ alpha: 0.2, name }).apply(x) as Sym;
}

export function relu(x: Sym, name: string): Sym {
  return tfl.layers.reLU({ name }).apply(x) as Sym;
}

export function tanh(x: Sym, name: string): Sym {
  return tfl.layers.activation({ activation: 'tanh', name }).apply(x) as Sym;
}

export function dropout(x: Sym, name: string): Sym {
  return tfl.layers.dropout({ rate: 0.5, name }).apply(x) as Sym;
}

/** PyTorch's zero padding `p` on each side (before a 'valid' convolution). */
export function zeroPad(x: Sym, name: string, p: number): Sym {
  return tfl.layers
    .zeroPadding2d({
      padding: [
        [p, p],
        [p, p],
      ],
      name,
    })
    .apply(x) as Sym;
}
