import * as tf from '@tensorflow/tfjs-core';
import { checkError, checkInteger, checkOptions, checkPositiveInteger } from '../core/checks';
import { checkTensor, formatShape } from '../ops/internal/check-tensor';

/** Options of {@link fcnScore}. */
export interface FcnScoreOptions {
  /** Number of classes C (labels 0 … C − 1; any other label, e.g. Cityscapes' 255, is ignored). Required. */
  numClasses: number;
  /** Images per call of the segmentation model. Default 8. */
  batchSize?: number;
}

/** The scores of {@link fcnScore}, as pix2pix's Cityscapes evaluation reports them. */
export interface FcnScoreResult {
  /** Correct pixels / labelled pixels. */
  pixelAccuracy: number;
  /** Mean over classes of correct / labelled pixels of the class (classes without labels skipped). */
  meanClassAccuracy: number;
  /** Mean over classes of the intersection over union (classes absent from both skipped). */
  meanIoU: number;
  /** The IoU of each class (NaN where the class is absent from labels and predictions). */
  classIoU: number[];
  /** The confusion matrix, C × C row-major: rows are labels, columns predictions. */
  confusion: Float64Array;
}

/** The largest class count (the confusion matrix is C² float64). */
const MAX_CLASSES = 4096;

/**
 * The FCN score of Isola et al. (pix2pix) and Zhu et al. (CycleGAN): how well a segmentation
 * network recognises generated images. `segment` runs on `images` in batches and gives class
 * scores [b, h, w, C] (argmax taken) or labels [b, h, w]; they are compared with `labels`
 * [n, h, w] (or [n, h, w, 1]) by the formulas of pix2pix's `eval_cityscapes` (`fast_hist`,
 * `get_scores`). Any segmentation model works; papers use an FCN-8s trained on Cityscapes.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, metrics } from 'tfjs-synth';
 * await initBackend();
 * // A toy "segmenter": class 1 where the red channel is above 0.5, else class 0.
 * const segment = (x: tf.Tensor4D) => tf.squeeze(tf.cast(tf.greater(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1]), 0.5), 'int32'), [3]);
 * const images = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
 * const labels = segment(images);
 * const score = await metrics.fcnScore(images, labels, segment, { numClasses: 2 });
 * console.log(score.pixelAccuracy); // 1
 * ```
 */
export async function fcnScore(
  images: tf.Tensor4D,
  labels: tf.Tensor,
  segment: (images: tf.Tensor4D) => tf.Tensor,
  options: FcnScoreOptions,
): Promise<FcnScoreResult> {
  const fn = 'fcnScore';
  const x = checkTensor<tf.Tensor4D>(fn, 'images', images, 4, '[n, h, w, c]');
  const y = checkTensor(fn, 'labels', labels);
  const [n, h, w] = x.shape;
  const labelShapeOk =
    (y.rank === 3 || (y.rank === 4 && y.shape[3] === 1)) && y.shape[0] === n && y.shape[1] === h && y.shape[2] === w;
  if (!labelShapeOk) {
    throw new Error(
      `${fn}: labels must have shape [${n}, ${h}, ${w}] (or [${n}, ${h}, ${w}, 1]) to match images, got ${formatShape(y.shape)}.`,
    );
  }
  if (typeof segment !== 'function')
    throw checkError(fn, 'segment', 'a function (images) => scores or labels', segment);
  const opts = checkOptions<FcnScoreOptions>(fn, 'options', options);
  const c = checkInteger(fn, 'numClasses', opts.numClasses, { min: 1, max: MAX_CLASSES });
  const batchSize = opts.batchSize === undefined ? 8 : checkPositiveInteger(fn, 'batchSize', opts.batchSize);
  const truth = await y.data();
  const confusion = new Float64Array(c * c);
  const per = h * w;
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const predicted = tf.tidy(() => {
      const out = segment(tf.slice(x, [start, 0, 0, 0], [b, -1, -1, -1]));
      if (!(out instanceof tf.Tensor)) throw checkError(fn, 'segment', 'a function returning a tf.Tensor', out);
      if (out.rank === 4 && out.shape[0] === b && out.shape[1] === h && out.shape[2] === w && out.shape[3] === c) {
        return tf.argMax(out, 3);
      }
      if (out.rank === 3 && out.shape[0] === b && out.shape[1] === h && out.shape[2] === w)
        return tf.cast(out, 'int32');
      throw new Error(
        `${fn}: segment must return scores [${b}, ${h}, ${w}, ${c}] or labels [${b}, ${h}, ${w}], got ${formatShape(out.shape)}.`,
      );
    });
    const p = await predicted.data();
    predicted.dispose();
    for (let i = 0; i < b * per; i++) {
      const guess = p[i]!;
      if (!(guess >= 0 && guess < c && Number.isInteger(guess))) {
        throw new Error(`${fn}: segment returned the label ${guess}, outside the classes 0 to ${c - 1}.`);
      }
      // fast_hist: only pixels labelled in [0, C) count.
      const label = truth[start * per + i]!;
      if (label >= 0 && label < c && Number.isInteger(label)) confusion[label * c + guess]! += 1;
    }
  }
  let correct = 0;
  let total = 0;
  const classAccuracy: number[] = [];
  const classIoU: number[] = [];
  for (let k = 0; k < c; k++) {
    let row = 0;
    let column = 0;
    for (let j = 0; j < c; j++) {
      row += confusion[k * c + j]!;
      column += confusion[j * c + k]!;
    }
    const diag = confusion[k * c + k]!;
    correct += diag;
    total += row;
    classAccuracy.push(row > 0 ? diag / row : Number.NaN);
    classIoU.push(row + column - diag > 0 ? diag / (row + column - diag) : Number.NaN);
  }
  const nanMean = (v: number[]): number => {
    const kept = v.filter((t) => !Number.isNaN(t));
    return kept.length ? kept.reduce((s, t) => s + t, 0) / kept.length : Number.NaN;
  };
  return {
    pixelAccuracy: total > 0 ? correct / total : Number.NaN,
    meanClassAccuracy: nanMean(classAccuracy),
    meanIoU: nanMean(classIoU),
    classIoU,
    confusion,
  };
}
