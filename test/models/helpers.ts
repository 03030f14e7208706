/**
 * Helpers shared by the network parity tests that compare with PyTorch state dicts read from
 * safetensors fixtures.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';
import type { StateDict, StateDictTensor } from '../../src/io/state-dict';

/** The fixture tensor `key` of `sd` as a float32 tensor; throws when the fixture lacks it. */
export function tensorOf(sd: StateDict, key: string): tf.Tensor {
  const t = sd.get(key);
  if (!t) throw new Error(`fixture lacks ${key}`);
  return tf.tensor(t.data as Float32Array, t.shape, 'float32');
}

/** The number of scalars in `weights`. */
export function count(weights: tfl.LayerVariable[]): number {
  return weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/**
 * max |t - expected| computed in float64 on the host, after expecting equal shapes
 * (unlike test/harness/compare.ts, which subtracts in float32 on the backend).
 */
export async function maxAbsDiff(t: tf.Tensor, expected: StateDictTensor): Promise<number> {
  expect(t.shape).toEqual(expected.shape);
  const got = await t.data();
  const want = expected.data as Float32Array;
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i]! - want[i]!));
  return m;
}
