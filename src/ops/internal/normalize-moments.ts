/**
 * Normalisation by batch or instance statistics with a hand-written gradient, shared by
 * `batchNormTorchTraining` and `instanceNorm`.
 *
 * Why not autodiff: the composed ops (moments, sub, mul, rsqrt, affine) put about ten
 * activation-sized tensors on the gradient tape per norm layer, and tfjs keeps every
 * intermediate gradient until the whole backward pass ends. This op saves only x̂ and the
 * per-group inverse deviation, and frees its backward temporaries at once, so a ResNet
 * generator's training step needs far less memory (the 256x256 resnet_9blocks pix2pix step did
 * not fit in the 4 GB of wasm memory with the composed ops).
 *
 * Forward, over the reduction `axes` (groups: the remaining axes):
 *   mean = mean(x), variance = mean((x - mean)^2) (biased), inv = 1 / sqrt(variance + eps),
 *   x̂ = (x - mean) * inv, y = x̂ * gamma + beta.
 * Backward, with g = dy * gamma and m values per group:
 *   dx = inv * (g - mean(g) - x̂ * mean(g * x̂)), dgamma = sum(dy * x̂), dbeta = sum(dy)
 * (gamma and beta are per channel: their sums run over every axis but the last).
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';

/** What {@link normalizeByMoments} returns. */
export interface NormalizedByMoments {
  /** The normalised (and, with gamma/beta, scaled and shifted) input, x's shape. */
  y: tf.Tensor4D;
  /** Mean per group, with the reduced axes kept as size 1. No gradient flows through it. */
  mean: tf.Tensor4D;
  /** Biased variance per group, shaped as `mean`. No gradient flows through it. */
  variance: tf.Tensor4D;
}

/**
 * Normalises `x` [n, h, w, c] by its mean and biased variance over `axes` ([0, 1, 2]: batch
 * norm; [1, 2]: instance norm), then applies the optional per-channel `gamma` and `beta`.
 * Gradients flow to x, gamma and beta; the returned statistics carry none (they feed running
 * averages, which PyTorch also updates without gradient).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { normalizeByMoments } from './normalize-moments';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const x = tf.randomNormal([2, 4, 4, 3]) as tf.Tensor4D;
 * const { y, mean, variance } = normalizeByMoments(x, [0, 1, 2], 1e-5); // y [2, 4, 4, 3], mean [1, 1, 1, 3]
 * ```
 */
export function normalizeByMoments(
  x: tf.Tensor4D,
  axes: number[],
  epsilon: number,
  gamma?: tf.Tensor1D | null,
  beta?: tf.Tensor1D | null,
): NormalizedByMoments {
  // The statistics are computed inside the custom op, whose forward pass runs in its own tidy;
  // kept there and handed out here, then re-created in the caller's scope below.
  let stats: [tf.Tensor, tf.Tensor] | undefined;
  const channelAxes = [0, 1, 2];
  const inputs: tf.Tensor[] = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args[0] as tf.Tensor4D;
    const g = gamma ? (args[1] as tf.Tensor1D) : null;
    const b = beta ? (args[gamma ? 2 : 1] as tf.Tensor1D) : null;
    const mean = tf.mean(xs, axes, true);
    const centred = tf.sub(xs, mean);
    const variance = tf.mean(tf.square(centred), axes, true);
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const xHat = tf.mul(centred, inv);
    let y: tf.Tensor = xHat;
    if (g) y = tf.mul(y, g);
    if (b) y = tf.add(y, b);
    stats = [tf.keep(mean), tf.keep(variance)];
    save(g ? [xHat, inv, g] : [xHat, inv]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const d = dy as tf.Tensor4D;
          const [sHat, sInv, sGamma] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D | undefined];
          const gHat = sGamma ? tf.mul(d, sGamma) : d;
          const dx = tf.mul(
            sInv,
            tf.sub(tf.sub(gHat, tf.mean(gHat, axes, true)), tf.mul(sHat, tf.mean(tf.mul(gHat, sHat), axes, true))),
          );
          const grads: tf.Tensor[] = [dx];
          if (g) grads.push(tf.sum(tf.mul(d, sHat), channelAxes));
          if (b) grads.push(tf.sum(d, channelAxes));
          return grads;
        }),
    };
  });
  const y = op(...inputs) as tf.Tensor4D;
  const [mean, variance] = stats!;
  // Clones are tracked by the caller's scope (tidy); the kept originals are released here.
  const out = { y, mean: tf.clone(mean) as tf.Tensor4D, variance: tf.clone(variance) as tf.Tensor4D };
  tf.dispose([mean, variance]);
  return out;
}
