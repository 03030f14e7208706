/**
 * The fill benchmark's scores (see bench/fill-quality.ts) with the library's metrics: hole PSNR
 * (`metrics.psnr`) and hole luminance SSIM (`metrics.ssim`) on TensorFlow.js's cpu backend, and the
 * border step. Bench only: `tfjs-synth/patchmatch` never loads TensorFlow.js.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init-backend';
import { psnr, ssim } from '../src/metrics/index';
import type { Mask, RgbaImage } from '../src/patchmatch/index';
import { borderEdgeRatio, type FillScore } from './fill-quality';

/** Loads the cpu backend for the metrics (call once before scoreFill). */
export async function initFillMetrics(): Promise<void> {
  await initBackend('cpu');
}

/** Hole PSNR and luminance SSIM with the library's metrics, and the border step (plain TypeScript). */
export function scoreFill(result: RgbaImage, truth: RgbaImage, mask: Mask): FillScore {
  const { width: w, height: h } = truth;
  const [p, s] = tf.tidy(() => {
    const rgb = (im: RgbaImage) =>
      tf.slice(tf.tensor4d(Float32Array.from(im.data), [1, h, w, 4]), [0, 0, 0, 0], [1, h, w, 3]);
    const a = rgb(result);
    const b = rgb(truth);
    const hole = tf.tensor4d(
      Float32Array.from(mask.data, (v) => (v !== 0 ? 1 : 0)),
      [1, h, w, 1],
    );
    const weights = tf.tensor1d([0.299, 0.587, 0.114]);
    const y = (im: tf.Tensor4D) => tf.sum(tf.mul(im, weights), 3, true) as tf.Tensor4D;
    return [
      psnr(a as tf.Tensor4D, b as tf.Tensor4D, { mask: hole, maxVal: 255 }),
      ssim(y(a as tf.Tensor4D), y(b as tf.Tensor4D), { mask: hole, maxVal: 255 }),
    ];
  });
  const out = { psnr: p.dataSync()[0]!, ssim: s.dataSync()[0]!, border: borderEdgeRatio(result, truth, mask) };
  tf.dispose([p, s]);
  return out;
}
