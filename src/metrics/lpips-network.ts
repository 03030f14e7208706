import * as tfl from '@tensorflow/tfjs-layers';
import { checkOneOf, checkOptions, checkSafeIntegerSeed } from '../core/checks';
import { createRandom } from '../core/random';
import { alexnetFeatures } from '../models/alexnet-features';

/** The trunks LPIPS supports here. */
const LPIPS_NETS = ['alex'] as const;

/** Arguments of {@link lpipsNetwork}. */
export interface LpipsNetworkArgs {
  /** The trunk: 'alex' (LPIPS's default, and the one its authors recommend as a metric). Default 'alex'. */
  net?: 'alex';
  /** Seed of the random initial weights (they are meant to be loaded). Default: unseeded. */
  seed?: number;
}

/**
 * The two parts of an LPIPS network, each a tf.LayersModel named by PyTorch's keys so that the
 * published weights load with `io.loadTorchStateDict`: `features` (torchvision's AlexNet trunk,
 * five ReLU taps) and `linear` (the five 1×1 convolutions without bias, `lin0.model.1` …
 * `lin4.model.1`, one input and one output per tap).
 */
export interface LpipsNetwork {
  net: 'alex';
  features: tfl.LayersModel;
  linear: tfl.LayersModel;
  /** Channels of the five taps. */
  channels: readonly number[];
}

/** LPIPS's ScalingLayer: (x − shift) / scale per RGB channel, for inputs in [-1, 1]. */
export const LPIPS_SHIFT = [-0.03, -0.088, -0.188];
export const LPIPS_SCALE = [0.458, 0.448, 0.45];
const ALEX_CHANNELS = [64, 192, 384, 256, 256];
/** The smallest input side AlexNet's three poolings take. */
export const LPIPS_MIN_SIDE = 31;

/**
 * Builds an LPIPS network (Zhang et al. 2018, "The Unreasonable Effectiveness of Deep Features
 * as a Perceptual Metric", v0.1) with random weights. For the published metric, load two files:
 * torchvision's ImageNet AlexNet into `features`, and LPIPS's `weights/v0.1/alex.pth` (the
 * `lpips` package ships it) into `linear`:
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
 * ```
 */
export function lpipsNetwork(args: LpipsNetworkArgs = {}): LpipsNetwork {
  const fn = 'lpipsNetwork';
  const opts = checkOptions<LpipsNetworkArgs>(fn, 'args', args);
  const net = checkOneOf(fn, 'net', opts.net ?? 'alex', LPIPS_NETS);
  const seed = checkSafeIntegerSeed(fn, 'seed', opts.seed);
  const random = seed === undefined ? undefined : createRandom(seed);
  const features = alexnetFeatures({ seed: random?.int(0, 2 ** 31 - 1) });
  const inputs = ALEX_CHANNELS.map((c, l) => tfl.input({ shape: [null, null, c], name: `diff${l}` }));
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
  return { net, features, linear, channels: ALEX_CHANNELS };
}
