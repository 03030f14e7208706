import * as tf from '@tensorflow/tfjs-core';

/** Activations a gated convolution may apply to its feature half. */
export type GatedActivationName = 'elu' | 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid' | 'linear';

/** Names accepted by {@link gatedActivation}, for validation messages. */
export const GATED_ACTIVATIONS: readonly GatedActivationName[] = [
  'elu',
  'relu',
  'leakyRelu',
  'tanh',
  'sigmoid',
  'linear',
];

function activate(x: tf.Tensor, activation: GatedActivationName): tf.Tensor {
  switch (activation) {
    case 'elu':
      return tf.elu(x);
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      // 0.2 as in TF's leaky_relu default, which the DeepFill code relies on.
      return tf.leakyRelu(x, 0.2);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'linear':
      return x;
  }
}

/**
 * The gating of DeepFill v2 (Yu et al. 2019, "Free-Form Image Inpainting with Gated Convolution",
 * https://arxiv.org/abs/1806.03589): splits the last axis in halves, the first half features and
 * the second half gates, and returns `activation(features) * sigmoid(gates)`.
 *
 * Input shape: [..., 2 * c]. Output shape: [..., c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const y = ops.gatedActivation(tf.ones([1, 4, 4, 8]), 'elu'); // [1, 4, 4, 4]
 * ```
 * @throws Error when the last axis is odd or the activation is unknown.
 */
export function gatedActivation(x: tf.Tensor, activation: GatedActivationName = 'elu'): tf.Tensor {
  const channels = x.shape[x.rank - 1]!;
  if (x.rank < 1 || channels % 2 !== 0) {
    throw new Error(`gatedActivation: the last axis of x must have an even size, got shape [${x.shape.join(', ')}].`);
  }
  if (!GATED_ACTIVATIONS.includes(activation)) {
    throw new Error(
      `gatedActivation: unknown activation ${JSON.stringify(activation)}; valid: ${GATED_ACTIVATIONS.join(', ')}.`,
    );
  }
  return tf.tidy(() => {
    const [features, gates] = tf.split(x, 2, x.rank - 1);
    return tf.mul(activate(features!, activation), tf.sigmoid(gates!));
  });
}
