import * as tf from '@tensorflow/tfjs-core';
import { checkAbortSignal, checkOptions, checkPositiveInteger, checkSeed, type AbortSignalLike } from '../core/checks';
import { createRandom } from '../core/random';
import { checkFeatures, checkFinite } from './internal/features';

/** Options of {@link kernelDistance} and {@link kid}. */
export interface KernelDistanceOptions {
  /** Number of random subsets the MMD is averaged over. Default 100 (torch-fidelity's). */
  subsets?: number;
  /** Samples per subset, capped at the smaller set's size. Default 1000 (torch-fidelity's). */
  subsetSize?: number;
  /** Seed of the subset draws. Default: a random seed (the estimate then varies run to run). */
  seed?: number;
  /** Checked between subsets; aborting rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The result of {@link kernelDistance}: the mean and standard deviation over the subsets. */
export interface KernelDistanceResult {
  mean: number;
  /** Population standard deviation (numpy's default, as torch-fidelity reports it). */
  std: number;
}

/**
 * The kernel distance between two feature sets (Bińkowski et al. 2018, the "K" of KID): the
 * unbiased estimate of the squared maximum mean discrepancy under the polynomial kernel
 * k(x, y) = (x·y / d + 1)³, averaged over random subsets. Unlike the Fréchet distance it has no
 * bias from the sample size, and needs no more samples than features.
 *
 * Input: two float32 feature tensors [n, d] with the same d and at least 2 samples each.
 * Gram matrices are taken on the backend in float32, the kernel sums on the host in float64.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, metrics } from 'tfjs-synth';
 * await initBackend();
 * const a = tf.randomNormal([200, 16], 0, 1, 'float32', 1) as tf.Tensor2D;
 * const b = tf.randomNormal([200, 16], 0.5, 1, 'float32', 2) as tf.Tensor2D;
 * const { mean, std } = await metrics.kernelDistance(a, b, { subsets: 10, subsetSize: 100, seed: 1 });
 * console.log(mean > 3 * std); // true: the sets differ
 * ```
 */
export async function kernelDistance(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  options?: KernelDistanceOptions,
): Promise<KernelDistanceResult> {
  const fn = 'kernelDistance';
  const x = checkFeatures(fn, 'a', a);
  const y = checkFeatures(fn, 'b', b);
  if (x.shape[1] !== y.shape[1]) {
    throw new Error(`${fn}: a and b must have the same number of features, got ${x.shape[1]} and ${y.shape[1]}.`);
  }
  const o = checkKernelDistanceOptions(fn, options);
  for (const [arg, t] of [
    ['a', x],
    ['b', y],
  ] as const) {
    if (t.shape[0] < 2) throw new Error(`${fn}: ${arg} needs at least 2 samples, got ${t.shape[0]}.`);
  }
  const [va, vb] = [(await x.data()) as Float32Array, (await y.data()) as Float32Array];
  checkFinite(fn, 'a', va);
  checkFinite(fn, 'b', vb);
  return subsetMmd(va, x.shape[0], vb, y.shape[0], x.shape[1], o);
}

/** Checked {@link KernelDistanceOptions}. @internal */
export interface CheckedKernelOptions {
  subsets: number;
  subsetSize: number;
  seed: number | undefined;
  signal: AbortSignalLike | undefined;
}

/** @internal */
export function checkKernelDistanceOptions(owner: string, options: unknown): CheckedKernelOptions {
  const o = checkOptions<KernelDistanceOptions>(owner, 'options', options as KernelDistanceOptions | undefined);
  const subsets = o.subsets === undefined ? 100 : checkPositiveInteger(owner, 'subsets', o.subsets);
  if (subsets > 100_000) throw new Error(`${owner}: subsets must be at most 100000, got ${subsets}.`);
  const subsetSize = o.subsetSize === undefined ? 1000 : checkPositiveInteger(owner, 'subsetSize', o.subsetSize);
  if (subsetSize < 2) throw new Error(`${owner}: subsetSize must be at least 2, got ${subsetSize}.`);
  return {
    subsets,
    subsetSize,
    seed: checkSeed(owner, 'seed', o.seed),
    signal: checkAbortSignal(owner, 'signal', o.signal),
  };
}

/** The MMD² estimates over `o.subsets` subsets of both sets. @internal */
export async function subsetMmd(
  va: Float32Array,
  na: number,
  vb: Float32Array,
  nb: number,
  d: number,
  o: CheckedKernelOptions,
): Promise<KernelDistanceResult> {
  const m = Math.min(o.subsetSize, na, nb);
  const random = createRandom(o.seed);
  const estimates: number[] = [];
  for (let s = 0; s < o.subsets; s++) {
    if (o.signal?.aborted) throw o.signal.reason ?? new Error('kernelDistance: aborted.');
    const sa = pick(va, na, d, m, random);
    const sb = pick(vb, nb, d, m, random);
    const [kxx, kyy, kxy] = tf.tidy(() => {
      const ta = tf.tensor2d(sa, [m, d]);
      const tb = tf.tensor2d(sb, [m, d]);
      return [tf.matMul(ta, ta, false, true), tf.matMul(tb, tb, false, true), tf.matMul(ta, tb, false, true)];
    });
    const [gxx, gyy, gxy] = await Promise.all([kxx.data(), kyy.data(), kxy.data()]);
    tf.dispose([kxx, kyy, kxy]);
    const k = (g: number): number => (g / d + 1) ** 3;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        if (i !== j) {
          sxx += k(gxx[i * m + j]!);
          syy += k(gyy[i * m + j]!);
        }
        sxy += k(gxy[i * m + j]!);
      }
    }
    estimates.push(sxx / (m * (m - 1)) + syy / (m * (m - 1)) - (2 * sxy) / (m * m));
  }
  const mean = estimates.reduce((p, v) => p + v, 0) / estimates.length;
  const variance = estimates.reduce((p, v) => p + (v - mean) ** 2, 0) / estimates.length;
  return { mean, std: Math.sqrt(variance) };
}

/** `m` rows of a [n, d] matrix drawn without replacement (all rows in order when m = n). */
function pick(
  values: Float32Array,
  n: number,
  d: number,
  m: number,
  random: ReturnType<typeof createRandom>,
): Float32Array {
  if (m === n) return values;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = random.int(i, n - 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out = new Float32Array(m * d);
  for (let i = 0; i < m; i++) out.set(values.subarray(order[i]! * d, order[i]! * d + d), i * d);
  return out;
}
