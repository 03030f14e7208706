import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { fcnScore } from '../../src/metrics/fcn-score';
import { describeBackends } from '../harness/backends';
import { fixture, VALUES } from './fixture';

describeBackends('fcnScore', () => {
  it("equals pix2pix's fast_hist / get_scores, from labels or from class scores", async () => {
    const labels = fixture<tf.Tensor3D>('fcn_labels'); // [2, 12, 16], 255 = ignored
    const preds = fixture<tf.Tensor3D>('fcn_preds');
    // The "images" carry the predictions; the segmenter reads them back (labels, then one-hot scores).
    const images = tf.tile(tf.expandDims(preds, 3), [1, 1, 1, 3]) as tf.Tensor4D;
    const asLabels = (x: tf.Tensor4D) => tf.squeeze(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1]), [3]);
    const asScores = (x: tf.Tensor4D) => tf.oneHot(tf.cast(asLabels(x), 'int32'), 5);
    const before = tf.memory().numTensors;
    for (const segment of [asLabels, asScores]) {
      const s = await fcnScore(images, labels, segment, { numClasses: 5, batchSize: 1 });
      expect(s.pixelAccuracy).toBeCloseTo(VALUES.fcn_pixel_accuracy!, 12);
      expect(s.meanClassAccuracy).toBeCloseTo(VALUES.fcn_class_accuracy!, 12);
      expect(s.meanIoU).toBeCloseTo(VALUES.fcn_mean_iou!, 12);
      s.classIoU.forEach((v, i) => expect(v).toBeCloseTo(VALUES.fcn_iou[i]!, 12));
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mismatched shapes and out-of-range predictions', async () => {
    const images = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    const labels = tf.zeros([2, 4, 4]);
    const seg = (x: tf.Tensor4D) => tf.zeros([x.shape[0], 4, 4], 'int32');
    await expect(fcnScore(images, tf.zeros([2, 4, 5]), seg, { numClasses: 3 })).rejects.toThrow(
      /labels must have shape \[2, 4, 4\]/,
    );
    await expect(fcnScore(images, labels, seg, { numClasses: 0 })).rejects.toThrow(
      /numClasses must be an integer in \[1, 4096\]/,
    );
    await expect(fcnScore(images, labels, seg, undefined as never)).rejects.toThrow(/numClasses/);
    await expect(
      fcnScore(images, labels, (x) => tf.fill([x.shape[0], 4, 4], 7, 'int32'), { numClasses: 3 }),
    ).rejects.toThrow(/segment returned the label 7, outside the classes 0 to 2/);
    await expect(fcnScore(images, labels, (x) => tf.zeros([x.shape[0], 2, 2]), { numClasses: 3 })).rejects.toThrow(
      /segment must return scores \[2, 4, 4, 3\] or labels \[2, 4, 4\], got \[2, 2, 2\]/,
    );
  });
});
