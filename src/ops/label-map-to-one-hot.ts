import * as tf from '@tensorflow/tfjs-core';
import { checkError, checkInteger, checkOptions } from '../core/checks';

/** Options of {@link labelMapToOneHot}. */
export interface LabelMapToOneHotOptions {
  /**
   * A label id meaning "don't care" (upstream `--contain_dontcare_label`: 255), mapped to one
   * extra channel after the `numLabels` ones. Default none.
   */
  dontCareId?: number;
}

/** Most label ids accepted (a label map decides nothing about the allocation beyond this). */
const MAX_LABELS = 4096;

/**
 * A label map of integer ids to the one-hot semantic map SPADE's networks take (NVlabs/SPADE
 * `Pix2PixModel.preprocess_input`: `scatter_(1, label, 1.0)`): channel k is 1 where the label is
 * k. Ids must be integers in [0, numLabels), or equal to `dontCareId` (then the output has
 * numLabels + 1 channels, don't-care last). The ids are read (one download of the labels) to
 * check them: a wrong id is an Error naming the range, not a silently empty pixel.
 *
 * Input: labels [n, h, w] or [n, h, w, 1], int32 or float32 holding integers. Output: float32
 * [n, h, w, numLabels (+ 1)].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const labels = tf.tensor3d([[[0, 1], [2, 255]]], [1, 2, 2], 'int32');
 * const segmap = ops.labelMapToOneHot(labels, 3, { dontCareId: 255 }); // [1, 2, 2, 4]
 * ```
 * @throws Error naming the argument when labels is not a rank-3 or rank-4 (one channel) tensor,
 *   numLabels is not an integer in [1, 4096], or an id is not an integer in range.
 */
export function labelMapToOneHot(labels: tf.Tensor, numLabels: number, options?: LabelMapToOneHotOptions): tf.Tensor4D {
  const owner = 'labelMapToOneHot';
  const opts = checkOptions<LabelMapToOneHotOptions>(owner, 'options', options);
  if (!(labels instanceof tf.Tensor) || labels.isDisposed)
    throw checkError(owner, 'labels', 'a live tf.Tensor', labels);
  if (!(labels.rank === 3 || (labels.rank === 4 && labels.shape[3] === 1))) {
    throw new Error(`${owner}: labels must be [n, h, w] or [n, h, w, 1], got shape [${labels.shape.join(', ')}].`);
  }
  if (labels.dtype !== 'int32' && labels.dtype !== 'float32') {
    throw new Error(`${owner}: labels must be int32 or float32, got ${labels.dtype}.`);
  }
  const n = checkInteger(owner, 'numLabels', numLabels, { min: 1, max: MAX_LABELS });
  const dontCare =
    opts.dontCareId === undefined
      ? undefined
      : checkInteger(owner, 'dontCareId', opts.dontCareId, { min: 0, max: 65535 });
  if (dontCare !== undefined && dontCare < n) {
    throw checkError(owner, 'dontCareId', `an id outside [0, ${n}) (the labels)`, dontCare);
  }
  const data = labels.dataSync();
  let bad: number | undefined;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(Number.isInteger(v) && ((v >= 0 && v < n) || v === dontCare))) {
      bad = v;
      break;
    }
  }
  if (bad !== undefined) {
    const allowed = dontCare === undefined ? '' : ` or the don't-care id ${dontCare}`;
    throw new Error(
      `${owner}: label ids must be integers in [0, ${n}) (numLabels ${n})${allowed}, got ${String(bad)}; ` +
        'pass the number of labels the map uses, or map other ids first.',
    );
  }
  const channels = dontCare === undefined ? n : n + 1;
  return tf.tidy(() => {
    let ids = tf.reshape(tf.cast(labels, 'int32'), labels.shape.slice(0, 3) as [number, number, number]) as tf.Tensor3D;
    if (dontCare !== undefined) ids = tf.where(tf.equal(ids, dontCare), tf.fill(ids.shape, n, 'int32'), ids);
    return tf.cast(tf.oneHot(ids, channels), 'float32') as tf.Tensor4D;
  });
}
