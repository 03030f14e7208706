import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A tensor in the fixture JSON (NHWC / [kh, kw, in, out] already). */
export interface FixtureTensor {
  shape: number[];
  data: number[];
}

// biome-ignore lint/suspicious/noExplicitAny: fixture cases are read by shape in each test, as the JSON has them
export const cases: any = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/losses/losses.json', import.meta.url)), 'utf8'),
).cases;

export function t(f: FixtureTensor): tf.Tensor {
  return tf.tensor(f.data, f.shape, 'float32');
}

export function t4(f: FixtureTensor): tf.Tensor4D {
  return tf.tensor4d(f.data, f.shape as [number, number, number, number], 'float32');
}

/** Reads a scalar result and disposes it. */
export function value(s: tf.Tensor): number {
  const v = s.dataSync()[0]!;
  s.dispose();
  return v;
}

/** Max abs difference between a tensor and expected numbers. */
export function maxAbsDiff(actual: tf.Tensor, expected: readonly number[]): number {
  const a = actual.dataSync();
  if (a.length !== expected.length) throw new Error(`length ${a.length} vs ${expected.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - expected[i]!));
  return m;
}

/** |actual - expected| within `rel` of max(1, |expected|) (float32 against a float64 reference). */
export function close(actual: number, expected: number, rel = 1e-5): boolean {
  return Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected));
}
