/**
 * Finite-difference gradient checks for float32 tfjs code.
 *
 * {@link finiteDifferenceCheck} compares the analytic gradient of a scalar loss with respect to
 * one variable (`tf.variableGrads`) against central differences (L(x + h) - L(x - h)) / 2h on a
 * few sampled coordinates. To check an input, wrap it in a `tf.variable` first; to check a layer
 * weight, pass `layer.trainableWeights[i].read()`.
 *
 * Float32 note: with h = 1e-2 the truncation error of central differences is O(h^2 * f''') and
 * the rounding error is about 1e-7 * |L| / h, so relative tolerances around 1e-2 are what
 * float32 supports; choose the loss so that |L| stays moderate (tens, not millions).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';

export interface FiniteDifferenceOptions {
  /** Number of sampled coordinates. Default 6. */
  samples?: number;
  /** Step of the central difference. Default 1e-2. */
  h?: number;
  /** Seed of the coordinate sampler. Default 7. */
  seed?: number;
}

export interface FiniteDifferenceResult {
  /** Flat indices of the sampled coordinates. */
  indices: number[];
  analytic: number[];
  numeric: number[];
  /**
   * max |analytic - numeric| / max(|analytic|, |numeric|, 1e-3 * max|analytic gradient|).
   * The floor keeps coordinates with a near-zero gradient from dominating.
   */
  maxRelError: number;
}

/** Deterministic distinct indices in [0, size). */
export function sampleIndices(size: number, count: number, seed = 7): number[] {
  let s = seed >>> 0;
  const out = new Set<number>();
  const n = Math.min(count, size);
  while (out.size < n) {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.add(s % size);
  }
  return [...out];
}

/** Compares analytic and central-difference gradients of `loss` with respect to `target`. */
export async function finiteDifferenceCheck(
  loss: () => tf.Scalar,
  target: tf.Variable,
  options: FiniteDifferenceOptions = {},
): Promise<FiniteDifferenceResult> {
  const h = options.h ?? 1e-2;
  const indices = sampleIndices(target.size, options.samples ?? 6, options.seed ?? 7);
  const { value, grads } = tf.variableGrads(loss, [target]);
  const g = grads[target.name]!;
  const gAll = Array.from(await g.data());
  tf.dispose([value, g]);
  const gScale = gAll.reduce((m: number, v: number) => Math.max(m, Math.abs(v)), 0);

  const original = target.clone();
  const base = await original.data();
  const lossAt = async (i: number, delta: number): Promise<number> => {
    const values = Float32Array.from(base);
    values[i] = values[i]! + delta;
    const t = tf.tensor(values, target.shape, 'float32');
    target.assign(t);
    t.dispose();
    const l = tf.tidy(loss);
    const v = (await l.data())[0]!;
    l.dispose();
    return v;
  };
  const analytic: number[] = [];
  const numeric: number[] = [];
  let maxRelError = 0;
  for (const i of indices) {
    const plus = await lossAt(i, h);
    const minus = await lossAt(i, -h);
    const n = (plus - minus) / (2 * h);
    const a = gAll[i]!;
    analytic.push(a);
    numeric.push(n);
    const denom = Math.max(Math.abs(a), Math.abs(n), 1e-3 * gScale, 1e-12);
    maxRelError = Math.max(maxRelError, Math.abs(a - n) / denom);
  }
  target.assign(original);
  original.dispose();
  return { indices, analytic, numeric, maxRelError };
}

/**
 * Runs {@link finiteDifferenceCheck} for each target and expects its `maxRelError` below
 * `tolerance`; the failure message names the target and holds the sampled values. Returns the
 * results for further checks.
 */
export async function expectFiniteDifferences(
  loss: () => tf.Scalar,
  targets: tf.Variable[],
  tolerance: number,
  options: FiniteDifferenceOptions = {},
  label = '',
): Promise<FiniteDifferenceResult[]> {
  const results: FiniteDifferenceResult[] = [];
  for (const target of targets) {
    const r = await finiteDifferenceCheck(loss, target, options);
    expect(r.maxRelError, `${label}${target.name}: ${JSON.stringify(r)}`).toBeLessThan(tolerance);
    results.push(r);
  }
  return results;
}

/** The variables behind a built layer's trainable weights, for gradient checks and variable lists. */
export function trainableVariables(layer: tfl.layers.Layer): tf.Variable[] {
  return layer.trainableWeights.map((w) => w.read() as tf.Variable);
}
