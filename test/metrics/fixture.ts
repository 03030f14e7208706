/**
 * The reference values of test/fixtures/metrics/generate_metrics.py (Wang et al.'s SSIM and
 * MS-SSIM code transcribed, scikit-image, pytorch-fid's Fréchet distance with scipy's sqrtm,
 * the unbiased polynomial MMD, pix2pix's FCN scores) and the inputs they were computed on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../src/io/read-safetensors';

const DIR = new URL('../fixtures/metrics/', import.meta.url);

export const VALUES = JSON.parse(readFileSync(new URL('metrics.json', DIR), 'utf8')) as Record<string, number> & {
  fcn_iou: number[];
};

const TENSORS = readSafetensors(new Uint8Array(readFileSync(new URL('metrics.safetensors', DIR))));

/** A fixture tensor as a new float32 tf.Tensor (the caller disposes it). */
export function fixture<T extends tf.Tensor = tf.Tensor>(key: string): T {
  const t = TENSORS.get(key);
  if (!t) throw new Error(`metrics fixture lacks ${key}`);
  return tf.tensor(t.data as Float32Array, t.shape, 'float32') as T;
}

/** |got − want| / |want|. */
export function relativeError(got: number, want: number): number {
  return Math.abs(got - want) / Math.abs(want);
}
