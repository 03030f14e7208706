import * as tfl from '@tensorflow/tfjs-layers';
import { checkSafeIntegerSeed } from '../core/checks';
import { createRandom } from '../core/random';
import { checkInputShape, type Sym, zeroPad } from './internal/networks-common';

/** Arguments of {@link alexnetFeatures}. */
export interface AlexnetFeaturesArgs {
  /** Fixed `[height, width]` of the input, or leave unset for any size of at least 31×31. Default unset. */
  inputShape?: [number, number];
  /**
   * Seed of the weight initialisation (an integer, taken modulo 2^32). Default: unseeded.
   * Weights are meant to be loaded (see the example); the initialisation is PyTorch's default for
   * convolutions (uniform, bound 1/√fan_in) and zero biases.
   */
  seed?: number;
}

/**
 * The convolutional trunk of AlexNet as torchvision builds it (`torchvision.models.alexnet`,
 * the one-GPU variant of Krizhevsky et al. 2012): five convolutions (64, 192, 384, 256, 256
 * filters; 11×11 stride 4, 5×5, then 3×3) with ReLU, and 3×3 stride-2 max pooling after the
 * first, second and fifth. The model outputs the five ReLU activations relu1 … relu5, the taps
 * LPIPS compares (and a common perceptual-loss backbone).
 *
 * Layers are named by torchvision's state-dict keys: `features.0`, `features.3`, `features.6`,
 * `features.8`, `features.10`, so torchvision's ImageNet weights load with `io.loadTorchStateDict`
 * (dropping the `classifier.*` keys). Parameters: 2,469,696.
 *
 * Input: `[batch, h, w, 3]`, normalised as the weights expect. Output: five tensors,
 * `[batch, h1, w1, 64]`, `[…, 192]`, `[…, 384]`, `[…, 256]`, `[…, 256]` (h1 = ⌊(h − 7) / 4⌋ + 1).
 *
 * Porting note: PyTorch's padding 2 and 1 are explicit zero-padding layers before 'valid'
 * convolutions, and max pooling is 'valid' (PyTorch's floor mode), so every size matches.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const trunk = models.alexnetFeatures({ seed: 1 });
 * const taps = trunk.predict(tf.zeros([1, 64, 64, 3])) as tf.Tensor[];
 * console.log(taps.map((t) => t.shape)); // [1, 15, 15, 64], [1, 7, 7, 192], [1, 3, 3, 384], ...
 * // Pretrained: io.loadTorchStateDict(trunk, bytesOfAlexnetPth, { keyMap: (k) => (k.startsWith('classifier.') ? null : k) });
 * ```
 */
export function alexnetFeatures(args: AlexnetFeaturesArgs = {}): tfl.LayersModel {
  const owner = 'alexnetFeatures';
  if (args === null || typeof args !== 'object') throw new Error(`${owner}: args must be an object or undefined.`);
  const [h, w] = checkInputShape(owner, args.inputShape);
  for (const d of [h, w]) {
    if (d !== null && d < 31)
      throw new Error(`${owner}: inputShape must be at least [31, 31] (three poolings), got [${h}, ${w}].`);
  }
  const seed = checkSafeIntegerSeed(owner, 'seed', args.seed);
  const random = seed === undefined ? undefined : createRandom(seed);
  const input = tfl.input({ shape: [h, w, 3], name: 'input' });
  const conv = (x: Sym, index: number, filters: number, kernelSize: number, strides: number, pad: number): Sym => {
    const padded = pad > 0 ? zeroPad(x, `features.${index}.pad`, pad) : x;
    const y = tfl.layers
      .conv2d({
        name: `features.${index}`,
        filters,
        kernelSize,
        strides,
        padding: 'valid',
        // PyTorch's default: kaiming_uniform(a=√5), i.e. U(±1/√fan_in).
        kernelInitializer: tfl.initializers.varianceScaling({
          scale: 1 / 3,
          mode: 'fanIn',
          distribution: 'uniform',
          seed: random ? random.int(0, 2 ** 31 - 1) : undefined,
        }),
      })
      .apply(padded) as Sym;
    return tfl.layers.reLU({ name: `features.${index + 1}` }).apply(y) as Sym;
  };
  const pool = (x: Sym, index: number): Sym =>
    tfl.layers.maxPooling2d({ name: `features.${index}`, poolSize: 3, strides: 2, padding: 'valid' }).apply(x) as Sym;
  const relu1 = conv(input, 0, 64, 11, 4, 2);
  const relu2 = conv(pool(relu1, 2), 3, 192, 5, 1, 2);
  const relu3 = conv(pool(relu2, 5), 6, 384, 3, 1, 1);
  const relu4 = conv(relu3, 8, 256, 3, 1, 1);
  const relu5 = conv(relu4, 10, 256, 3, 1, 1);
  return tfl.model({ inputs: input, outputs: [relu1, relu2, relu3, relu4, relu5], name: 'alexnet_features' });
}
