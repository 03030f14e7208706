/**
 * The one builder behind `vgg16Features` and `vgg19Features`: torchvision's `vgg*().features`
 * (3×3 convolutions with padding 1, each followed by a ReLU, and 2×2 max pooling between blocks)
 * cut after the last ReLU the caller reads, with torchvision's `features.N` layer names. The two
 * public builders differ only in their configuration: the convolutions per block and which ReLU
 * of each block is an output.
 * @internal
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkInteger, checkOptions, checkSafeIntegerSeed } from '../../core/checks';
import { createRandom } from '../../core/random';
import { checkInputShape } from './networks-common';

/** Arguments of `models.vgg16Features` and `models.vgg19Features`. */
export interface VGGFeaturesArgs {
  /**
   * Filters of the five blocks. Default [64, 128, 256, 512, 512] (torchvision's; other widths
   * only for small tests, no pretrained weights exist for them).
   */
  filters?: [number, number, number, number, number];
  /** Fixed `[height, width]`; omit for any size (at least 16). */
  inputShape?: [number, number];
  /**
   * Seed of the random initial weights (an integer, taken modulo 2^32); they are meant to be
   * loaded. Default: unseeded. The initialisation is torchvision's: He normal over the fan-out
   * for the kernels, zero biases.
   */
  seed?: number;
}

/** What distinguishes one VGG configuration from another. */
export interface VggTrunkConfig {
  /** The public builder, for messages. */
  owner: string;
  /** Name of the tf.LayersModel. */
  name: string;
  /** Convolutions per block: [2, 2, 3, 3, 3] is VGG16 ('D'), [2, 2, 4, 4, 4] VGG19 ('E'). */
  blockConvs: readonly number[];
  /** Which ReLU of each block is an output: its first (relu1_1 …) or its last (relu1_2, relu3_3 …). */
  tap: 'first' | 'last';
}

const DEFAULT_FILTERS = [64, 128, 256, 512, 512] as const;

/** Validates the arguments and builds the trunk; the model ends at the fifth block's tap. */
export function vggTrunk(config: VggTrunkConfig, args: VGGFeaturesArgs | undefined): tfl.LayersModel {
  const { owner, blockConvs, tap } = config;
  const opts = checkOptions<VGGFeaturesArgs>(owner, 'args', args);
  const filters = opts.filters ?? DEFAULT_FILTERS;
  if (!Array.isArray(filters) || filters.length !== 5) {
    throw checkError(owner, 'filters', 'an array of 5 positive integers', filters);
  }
  filters.forEach((f, i) => checkInteger(owner, `filters[${i}]`, f, { min: 1, max: 4096 }));
  const [h, w] = checkInputShape(owner, opts.inputShape);
  if ((h !== null && h < 16) || (w !== null && w < 16)) {
    throw checkError(owner, 'inputShape', 'at least [16, 16] (four 2x2 poolings)', opts.inputShape);
  }
  const seed = checkSafeIntegerSeed(owner, 'seed', opts.seed);
  const random = seed === undefined ? undefined : createRandom(seed);
  type Sym = tfl.SymbolicTensor;
  const input = tfl.input({ shape: [h, w, 3], name: 'image' });
  const outputs: Sym[] = [];
  let x: Sym = input;
  let index = 0;
  blockConvs.forEach((convs, block) => {
    if (block > 0) {
      x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `features.${index}` }).apply(x) as Sym;
      index += 1;
    }
    const tapAt = tap === 'first' ? 0 : convs - 1;
    // The last block stops at its tap: nothing after it is read.
    const count = block === blockConvs.length - 1 ? tapAt + 1 : convs;
    for (let c = 0; c < count; c++) {
      x = tfl.layers
        .conv2d({
          filters: filters[block]!,
          kernelSize: 3,
          padding: 'same',
          name: `features.${index}`,
          // torchvision's VGG init: kaiming_normal_(mode='fan_out', nonlinearity='relu'), bias 0.
          kernelInitializer: tfl.initializers.varianceScaling({
            scale: 2,
            mode: 'fanOut',
            distribution: 'normal',
            seed: random?.int(0, 2 ** 31 - 1),
          }),
        })
        .apply(x) as Sym;
      x = tfl.layers.reLU({ name: `features.${index + 1}` }).apply(x) as Sym;
      if (c === tapAt) outputs.push(x);
      index += 2;
    }
  });
  return tfl.model({ inputs: input, outputs, name: config.name });
}
