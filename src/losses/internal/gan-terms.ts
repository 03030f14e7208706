import * as tf from '@tensorflow/tfjs-core';

/** The adversarial objectives of ganLoss, discriminatorLoss and generatorLoss. */
export const GAN_MODES = ['vanilla', 'lsgan', 'hinge', 'wgan'] as const;
/** One of {@link GAN_MODES}. */
export type GanMode = (typeof GAN_MODES)[number];

/** Numerically stable binary cross entropy with logits, mean over all elements. */
function bceWithLogits(x: tf.Tensor, target: 0 | 1): tf.Scalar {
  // max(x, 0) - x * z + log(1 + exp(-|x|)): never exponentiates a large positive number, so
  // logits of +-100 give finite losses and gradients (softplus(-|x|) underflows to 0 instead).
  const hinge = tf.relu(x);
  const linear = target === 1 ? x : tf.zerosLike(x);
  const soft = tf.log1p(tf.exp(tf.neg(tf.abs(x))));
  return tf.mean(tf.add(tf.sub(hinge, linear), soft));
}

/** The loss of one prediction tensor against an all-real or all-fake target (no validation). */
/** @internal */
export function ganTerm(prediction: tf.Tensor, targetIsReal: boolean, mode: GanMode): tf.Scalar {
  switch (mode) {
    case 'vanilla':
      return bceWithLogits(prediction, targetIsReal ? 1 : 0);
    case 'lsgan':
      return tf.mean(tf.square(targetIsReal ? tf.sub(prediction, 1) : prediction));
    case 'hinge':
      return tf.mean(tf.relu(targetIsReal ? tf.sub(1, prediction) : tf.add(1, prediction)));
    case 'wgan':
      return targetIsReal ? tf.neg(tf.mean<tf.Scalar>(prediction)) : tf.mean<tf.Scalar>(prediction);
  }
}

/** @internal */
export function checkPrediction(owner: string, name: string, prediction: tf.Tensor): void {
  if (!(prediction instanceof tf.Tensor))
    throw new Error(`${owner}: ${name} must be a tf.Tensor, got ${typeof prediction}.`);
  if (prediction.size === 0) throw new Error(`${owner}: ${name} is empty (shape [${prediction.shape.join(', ')}]).`);
}
