/**
 * What {@link SPADE} and {@link SPADEResnetBlock} share: the weights of one SPADE module (named by
 * their PyTorch parameter paths, the naming rule of `TORCH_PATH_NAMED_CLASSES`), its forward
 * pass, and the spectral-normalised convolutions of the residual block.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkError, checkInteger, checkNumber, checkOneOf } from '../../core/checks';
import { createRandom } from '../../core/random';
import { spectralNormMatrixPerm } from '../../core/torch-layout';
import { batchNormTorchInference, batchNormTorchTraining, runningAverageTorch } from '../../ops/batch-norm-torch';
import { instanceNorm } from '../../ops/instance-norm';
import { normalizeVector, powerIteration, spectralNormEstimate } from '../../ops/power-iteration';
import { stopGradient } from '../../ops/stop-gradient';
import type { Initializer } from './initializers';
import { formatShape } from './shapes';

/** The parameter-free normalisation of SPADE: 'instance' (InstanceNorm2d) or 'batch' (BatchNorm2d, also upstream's 'syncbatch'). */
export type SpadeNorm = 'instance' | 'batch';

export const SPADE_NORMS: readonly SpadeNorm[] = ['instance', 'batch'];

/** The options of one SPADE module, validated. */
export interface SpadeOptions {
  norm: SpadeNorm;
  kernelSize: number;
  hiddenChannels: number;
  epsilon: number;
  momentum: number;
}

/** Validates the SPADE options of a layer's args (defaults: batch, 3, 128, 1e-5, 0.1). */
export function checkSpadeOptions(
  owner: string,
  args: { norm?: unknown; kernelSize?: unknown; hiddenChannels?: unknown; epsilon?: unknown; momentum?: unknown },
): SpadeOptions {
  const norm = checkOneOf(owner, 'norm', args.norm ?? 'batch', SPADE_NORMS);
  const kernelSize = checkInteger(owner, 'kernelSize', args.kernelSize ?? 3, { min: 1, max: 15 });
  if (kernelSize % 2 !== 1) throw checkError(owner, 'kernelSize', 'an odd integer', kernelSize);
  const hiddenChannels = checkInteger(owner, 'hiddenChannels', args.hiddenChannels ?? 128, { min: 1, max: 65536 });
  const epsilon = checkNumber(owner, 'epsilon', args.epsilon ?? 1e-5, { min: 0 });
  const momentum = checkNumber(owner, 'momentum', args.momentum ?? 0.1, { min: 0, max: 1 });
  return { norm, kernelSize, hiddenChannels, epsilon, momentum };
}

/** The two input shapes [x, segmap] of a SPADE layer, both rank 4 with known channels. */
export function checkTwoNhwcShapes(owner: string, inputShape: tfl.Shape | tfl.Shape[]): [tfl.Shape, tfl.Shape] {
  if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
    throw new Error(`${owner}: expected two inputs [x, segmap], got input shape ${JSON.stringify(inputShape)}.`);
  }
  const shapes = inputShape as [tfl.Shape, tfl.Shape];
  for (const [arg, s] of [
    ['x', shapes[0]],
    ['segmap', shapes[1]],
  ] as const) {
    if (s.length !== 4) throw new Error(`${owner}: expected a rank-4 NHWC ${arg}, got shape ${formatShape(s)}.`);
    if (s[3] == null) throw new Error(`${owner}: the channels of ${arg} must be known, got shape ${formatShape(s)}.`);
  }
  return shapes;
}

/** The two input tensors [x, segmap] of a SPADE layer's call, both rank 4, batch equal. */
export function twoNhwcInputs(owner: string, inputs: tf.Tensor | tf.Tensor[]): [tf.Tensor4D, tf.Tensor4D] {
  if (!Array.isArray(inputs) || inputs.length !== 2) {
    throw new Error(`${owner}: expected two inputs [x, segmap], got ${Array.isArray(inputs) ? inputs.length : 1}.`);
  }
  const [x, seg] = inputs as [tf.Tensor, tf.Tensor];
  if (x.rank !== 4 || seg.rank !== 4) {
    throw new Error(
      `${owner}: expected rank-4 NHWC x and segmap, got shapes ${formatShape(x.shape)} and ${formatShape(seg.shape)}.`,
    );
  }
  if (x.shape[0] !== seg.shape[0]) {
    throw new Error(`${owner}: x and segmap must have the same batch size, got ${x.shape[0]} and ${seg.shape[0]}.`);
  }
  return [x as tf.Tensor4D, seg as tf.Tensor4D];
}

/** Upstream's `init_weights('xavier', 0.02)`: Glorot normal with gain 0.02. */
export function spadeKernelInitializer(seed: number | undefined): Initializer {
  // Porting note: tfjs' variance-scaling 'normal' draws from a truncated normal (torch's
  // xavier_normal_ does not truncate); only the initial weights differ, not the architecture.
  return tfl.initializers.varianceScaling({ scale: 0.02 * 0.02, mode: 'fanAvg', distribution: 'normal', seed });
}

/** Hands out one seed per kernel from the layer's seed (undefined when unseeded). */
export function seedStream(seed: number | undefined): () => number | undefined {
  const random = seed === undefined ? undefined : createRandom(seed);
  return () => random?.int(0, 4294967295);
}

/** A host layer's `addWeight`, typed. */
type AddWeight = (
  name: string,
  shape: number[],
  dtype: 'float32',
  initializer: Initializer,
  regularizer: undefined,
  trainable: boolean,
) => tfl.LayerVariable;

function adder(host: tfl.layers.Layer): AddWeight {
  // addWeight is protected in tfjs-layers' typings; the host layers call these helpers from build().
  const h = host as unknown as { addWeight: AddWeight };
  return h.addWeight.bind(host);
}

/** A 'same' stride-1 convolution with bias (PyTorch padding k // 2 for odd k). */
export function convSame(x: tf.Tensor4D, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor4D {
  const y = tf.conv2d(x, kernel as tf.Tensor4D, 1, 'same');
  return bias ? tf.add(y, bias) : y;
}

/**
 * Nearest resize as PyTorch's `F.interpolate(mode='nearest')`: source index floor(i * in / out)
 * (tfjs' resizeNearestNeighbor without align corners or half-pixel centres). No-op at equal size.
 */
export function resizeNearestTorch(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  if (x.shape[1] === height && x.shape[2] === width) return x;
  return tf.image.resizeNearestNeighbor(x, [height, width], false, false);
}

/**
 * The weights and forward pass of one SPADE module at parameter path `prefix` ('' for the
 * SPADE layer itself, 'norm_0.' inside a residual block).
 */
export class SpadeModule {
  private readonly shared: tfl.LayerVariable;
  private readonly sharedBias: tfl.LayerVariable;
  private readonly gamma: tfl.LayerVariable;
  private readonly gammaBias: tfl.LayerVariable;
  private readonly beta: tfl.LayerVariable;
  private readonly betaBias: tfl.LayerVariable;
  private readonly runningMean: tfl.LayerVariable | null = null;
  private readonly runningVar: tfl.LayerVariable | null = null;

  constructor(
    host: tfl.layers.Layer,
    prefix: string,
    channels: number,
    labelChannels: number,
    private readonly options: SpadeOptions,
    kernelInitializer: () => Initializer,
  ) {
    const add = adder(host);
    const k = options.kernelSize;
    const hidden = options.hiddenChannels;
    const zeros = tfl.initializers.zeros();
    // Trainable weights in the order of the PyTorch module's parameters().
    this.shared = add(
      `${prefix}mlp_shared.0.weight`,
      [k, k, labelChannels, hidden],
      'float32',
      kernelInitializer(),
      undefined,
      true,
    );
    this.sharedBias = add(`${prefix}mlp_shared.0.bias`, [hidden], 'float32', zeros, undefined, true);
    this.gamma = add(
      `${prefix}mlp_gamma.weight`,
      [k, k, hidden, channels],
      'float32',
      kernelInitializer(),
      undefined,
      true,
    );
    this.gammaBias = add(`${prefix}mlp_gamma.bias`, [channels], 'float32', zeros, undefined, true);
    this.beta = add(
      `${prefix}mlp_beta.weight`,
      [k, k, hidden, channels],
      'float32',
      kernelInitializer(),
      undefined,
      true,
    );
    this.betaBias = add(`${prefix}mlp_beta.bias`, [channels], 'float32', zeros, undefined, true);
    if (options.norm === 'batch') {
      this.runningMean = add(`${prefix}param_free_norm.running_mean`, [channels], 'float32', zeros, undefined, false);
      this.runningVar = add(
        `${prefix}param_free_norm.running_var`,
        [channels],
        'float32',
        tfl.initializers.ones(),
        undefined,
        false,
      );
    }
  }

  /**
   * normalized(x) * (1 + gamma(seg)) + beta(seg), seg resized (nearest) to x's size. In training
   * with 'batch' the running statistics are updated (momentum, unbiased variance, as PyTorch).
   */
  apply(x: tf.Tensor4D, segmap: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const { norm, epsilon, momentum } = this.options;
    let normalized: tf.Tensor4D;
    if (norm === 'instance') {
      normalized = instanceNorm(x, { epsilon });
    } else if (training) {
      const stats = batchNormTorchTraining(x, { epsilon });
      normalized = stats.y;
      tf.tidy(() => {
        this.runningMean!.write(runningAverageTorch(this.runningMean!.read() as tf.Tensor1D, stats.mean, momentum));
        this.runningVar!.write(
          runningAverageTorch(this.runningVar!.read() as tf.Tensor1D, stats.unbiasedVariance, momentum),
        );
      });
    } else {
      normalized = batchNormTorchInference(
        x,
        this.runningMean!.read() as tf.Tensor1D,
        this.runningVar!.read() as tf.Tensor1D,
        { epsilon },
      );
    }
    const seg = resizeNearestTorch(segmap, x.shape[1], x.shape[2]);
    const actv = tf.relu(convSame(seg, this.shared.read(), this.sharedBias.read()));
    const gamma = convSame(actv, this.gamma.read(), this.gammaBias.read());
    const beta = convSame(actv, this.beta.read(), this.betaBias.read());
    return tf.add(tf.mul(normalized, tf.add(gamma, 1)), beta);
  }
}

/**
 * A convolution of the residual block, optionally spectral-normalised as
 * `torch.nn.utils.spectral_norm` (weights `<name>.weight_orig`, `.weight_u`, `.weight_v`;
 * power iteration in training only).
 */
export class BlockConv {
  private readonly kernel: tfl.LayerVariable;
  private readonly bias: tfl.LayerVariable | null;
  private readonly u: tfl.LayerVariable | null = null;
  private readonly v: tfl.LayerVariable | null = null;
  private readonly spectral: { powerIterations: number; epsilon: number } | null;

  constructor(
    host: tfl.layers.Layer,
    name: string,
    kernelSize: number,
    inChannels: number,
    outChannels: number,
    useBias: boolean,
    spectral: { powerIterations: number; epsilon: number; seed: number | undefined } | null,
    kernelInitializer: Initializer,
  ) {
    const add = adder(host);
    this.kernel = add(
      spectral ? `${name}.weight_orig` : `${name}.weight`,
      [kernelSize, kernelSize, inChannels, outChannels],
      'float32',
      kernelInitializer,
      undefined,
      true,
    );
    this.bias = useBias
      ? add(`${name}.bias`, [outChannels], 'float32', tfl.initializers.zeros(), undefined, true)
      : null;
    if (spectral) {
      const init = (seed: number | undefined) => tfl.initializers.randomNormal({ mean: 0, stddev: 1, seed });
      const seedV = spectral.seed === undefined ? undefined : spectral.seed + 1;
      this.u = add(`${name}.weight_u`, [outChannels], 'float32', init(spectral.seed), undefined, false);
      this.v = add(
        `${name}.weight_v`,
        [inChannels * kernelSize * kernelSize],
        'float32',
        init(seedV),
        undefined,
        false,
      );
      // Normalised random vectors, like torch's registration (no power iteration yet).
      tf.tidy(() => {
        this.u!.write(normalizeVector(this.u!.read() as tf.Tensor1D, spectral.epsilon));
        this.v!.write(normalizeVector(this.v!.read() as tf.Tensor1D, spectral.epsilon));
      });
    }
    this.spectral = spectral;
  }

  /** The kernel the convolution uses: W, or W / sigma with spectral norm. */
  private weight(training: boolean): tf.Tensor {
    const kernel = this.kernel.read();
    if (!this.spectral) return kernel;
    const perm = spectralNormMatrixPerm('Conv2D')!;
    const t = tf.transpose(kernel, perm);
    const w = tf.reshape(t, [t.shape[0]!, -1]) as tf.Tensor2D;
    if (training) {
      const { u, v } = powerIteration(
        stopGradient(w),
        this.u!.read() as tf.Tensor1D,
        this.spectral.powerIterations,
        this.spectral.epsilon,
      );
      this.u!.write(u);
      this.v!.write(v);
    }
    const sigma = spectralNormEstimate(
      w,
      stopGradient(this.u!.read() as tf.Tensor1D),
      stopGradient(this.v!.read() as tf.Tensor1D),
    );
    return tf.div(kernel, sigma);
  }

  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return convSame(x, this.weight(training), this.bias ? this.bias.read() : null);
  }
}
