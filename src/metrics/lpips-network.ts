import * as tfl from '@tensorflow/tfjs-layers';
import { checkOneOf, checkOptions, checkSafeIntegerSeed } from '../core/checks';
import { createRandom } from '../core/random';
import { alexnetFeatures } from '../models/alexnet-features';
import { vgg16Features } from '../models/vgg16-features';

/** The trunks LPIPS supports here. */
const LPIPS_NETS = ['alex', 'vgg'] as const;

/** Arguments of {@link lpipsNetwork}. */
export interface LpipsNetworkArgs {
  /**
   * The trunk: 'alex' (LPIPS's default, and the one its authors recommend as a metric) or 'vgg'
   * (VGG16, closer to the perceptual losses of image synthesis; upstream calls it `net='vgg'`).
   * Default 'alex'.
   */
  net?: 'alex' | 'vgg';
  /** Seed of the random initial weights (they are meant to be loaded). Default: unseeded. */
  seed?: number;
}

/**
 * The two parts of an LPIPS network, each a tf.LayersModel named by PyTorch's keys so that the
 * published weights load with `io.loadTorchStateDict`: `features` (torchvision's AlexNet or VGG16
 * trunk, five ReLU taps) and `linear` (the five 1×1 convolutions without bias, `lin0.model.1` …
 * `lin4.model.1`, one input and one output per tap).
 */
export interface LpipsNetwork {
  net: 'alex' | 'vgg';
  features: tfl.LayersModel;
  linear: tfl.LayersModel;
  /** Channels of the five taps. */
  channels: readonly number[];
}

/** LPIPS's ScalingLayer: (x − shift) / scale per RGB channel, for inputs in [-1, 1]. */
export const LPIPS_SHIFT = [-0.03, -0.088, -0.188];
export const LPIPS_SCALE = [0.458, 0.448, 0.45];
/** Channels of the five taps of each trunk (upstream's `chns`). */
const CHANNELS = { alex: [64, 192, 384, 256, 256], vgg: [64, 128, 256, 512, 512] } as const;
/** The smallest input side of each trunk: AlexNet's three poolings, VGG16's four. */
export const LPIPS_MIN_SIDE = { alex: 31, vgg: 16 } as const;

/**
 * Builds an LPIPS network (Zhang et al. 2018, "The Unreasonable Effectiveness of Deep Features
 * as a Perceptual Metric", v0.1) with random weights. For the published metric, load two files:
 * torchvision's ImageNet AlexNet (or VGG16, with `net: 'vgg'`) into `features`, and LPIPS's
 * `weights/v0.1/alex.pth` (or `vgg.pth`; the `lpips` package ships them) into `linear`.
 * The VGG trunk is `models.vgg16Features`: relu1_2, relu2_2, relu3_3, relu4_3 and relu5_3.
 *
 * @example
 * ```ts
 * import { initBackend, metrics } from 'tfjs-synth';
 * await initBackend();
 * const net = metrics.lpipsNetwork({ seed: 1 });
 * console.log(net.linear.layers.filter((l) => l.name.startsWith('lin')).map((l) => l.name)); // lin0.model.1 … lin4.model.1
 * // With the published weights (files you download; see docs/metrics.md):
 * // io.loadTorchStateDict(net.features, alexnetPth, { keyMap: (k) => (k.startsWith('classifier.') ? null : k) });
 * // io.loadTorchStateDict(net.linear, lpipsAlexPth);
 * const vgg = metrics.lpipsNetwork({ net: 'vgg', seed: 1 }); // VGG16 trunk, 14,714,688 + 1,472 weights
 * ```
 */
export function lpipsNetwork(args: LpipsNetworkArgs = {}): LpipsNetwork {
  const fn = 'lpipsNetwork';
  const opts = checkOptions<LpipsNetworkArgs>(fn, 'args', args);
  const net = checkOneOf(fn, 'net', opts.net ?? 'alex', LPIPS_NETS);
  const seed = checkSafeIntegerSeed(fn, 'seed', opts.seed);
  const random = seed === undefined ? undefined : createRandom(seed);
  const trunkSeed = random?.int(0, 2 ** 31 - 1);
  const features = net === 'alex' ? alexnetFeatures({ seed: trunkSeed }) : vgg16Features({ seed: trunkSeed });
  const channels = CHANNELS[net];
  const inputs = channels.map((c, l) => tfl.input({ shape: [null, null, c], name: `diff${l}` }));
  const outputs = inputs.map(
    (x, l) =>
      tfl.layers
        .conv2d({
          name: `lin${l}.model.1`,
          filters: 1,
          kernelSize: 1,
          useBias: false,
          kernelInitializer: tfl.initializers.varianceScaling({
            scale: 1 / 3,
            mode: 'fanIn',
            distribution: 'uniform',
            seed: random?.int(0, 2 ** 31 - 1),
          }),
        })
        .apply(x) as tfl.SymbolicTensor,
  );
  const linear = tfl.model({ inputs, outputs, name: 'lpips_linear' });
  return { net, features, linear, channels };
}
