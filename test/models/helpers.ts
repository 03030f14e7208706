/**
 * Helpers shared by the network parity tests that compare with PyTorch state dicts read from
 * safetensors fixtures.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';
import { planModelWeights } from '../../src/io/internal/model-weights';
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

/**
 * The state-dict layout `model` expects, read from its key plan without loading any data: each
 * torch key with its torch shape (in model order), and the keys accepted and dropped
 * (`num_batches_tracked`). These are what io.loadTorchStateDict matches a file's keys and shapes
 * against; a model with aliases or problems in its plan fails here.
 */
export function torchLayoutOf(model: tfl.LayersModel): { keys: Map<string, number[]>; ignored: Set<string> } {
  const plan = planModelWeights(model);
  expect(plan.problems).toEqual([]);
  expect([...plan.aliases.keys()]).toEqual([]);
  const keys = new Map<string, number[]>();
  for (const [key, w] of plan.expected) keys.set(key, w.rule.torchShape(w.variable.shape as number[]));
  return { keys, ignored: plan.ignored };
}
