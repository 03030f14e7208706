import * as tf from '@tensorflow/tfjs-core';
import { checkError, checkInteger } from '../core/checks';

/**
 * Regroups the flat outputs of a multi-scale discriminator ({@link multiscaleDiscriminator} of
 * pix2pixHD, {@link spadeMultiscaleDiscriminator} of SPADE, or any whose discriminators have
 * equally many outputs) into one list per discriminator, full resolution first, as upstream's list
 * of lists: the shape `featureMatchingLoss` and the multi-scale GAN losses take. With intermediate
 * features each list holds them with the prediction last; otherwise the prediction alone.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const d = models.multiscaleDiscriminator({ ndf: 4, numD: 3, getIntermFeat: false });
 * const perD = models.groupMultiscaleOutputs(d.predict(tf.zeros([1, 32, 32, 3])), 3); // 3 lists of 1
 * ```
 * @throws Error when `outputs` is not a tensor or an array of tensors, or their number is not a
 * positive multiple of `numD`.
 */
export function groupMultiscaleOutputs(outputs: tf.Tensor | tf.Tensor[], numD: number): tf.Tensor[][] {
  const owner = 'groupMultiscaleOutputs';
  const n = checkInteger(owner, 'numD', numD, { min: 1, max: 1024 });
  const list = outputs instanceof tf.Tensor ? [outputs] : outputs;
  if (!Array.isArray(list) || !list.every((t) => t instanceof tf.Tensor)) {
    throw checkError(owner, 'outputs', 'a tensor or an array of tensors', outputs);
  }
  if (list.length === 0 || list.length % n !== 0) {
    throw new Error(`${owner}: the number of outputs (${list.length}) must be a positive multiple of numD (${n}).`);
  }
  const per = list.length / n;
  return Array.from({ length: n }, (_, i) => list.slice(i * per, (i + 1) * per));
}
