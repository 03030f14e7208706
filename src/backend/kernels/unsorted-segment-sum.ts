import {
  UnsortedSegmentSum,
  util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
  type UnsortedSegmentSumInputs,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { checkNonNegativeInteger } from '../../core/checks';
import { makeOutputFrom, readValues } from './kernel-utils';

const NAME = 'UnsortedSegmentSum';

/**
 * `UnsortedSegmentSum` for the wasm backend, which tfjs-backend-wasm 4.22 lacks. The gradient of
 * `tf.gather` (embedding lookups, index-based sampling) is built on it.
 *
 *   out[s, ...] = sum over i with segmentIds[i] == s of x[i, ...]
 *
 * Shapes: `x` [...idsShape, ...inner], `segmentIds` int32 [...idsShape] (usually 1-D of length
 * x.shape[0]) -> [numSegments, ...inner]. Ids outside [0, numSegments) are skipped, as on the cpu
 * backend. Runs in JavaScript, one pass over `x`; accumulates in float64.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm');
 * tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4]), tf.tensor1d([1, 0, 1, 1], 'int32'), 2); // [2, 8]
 * ```
 */
export function unsortedSegmentSumWasm(args: {
  inputs: UnsortedSegmentSumInputs;
  backend: BackendWasm;
  attrs: UnsortedSegmentSumAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const segmentIds = inputs.segmentIds as TensorInfo;
  const { numSegments } = attrs;
  checkNonNegativeInteger(`${NAME} (wasm)`, 'numSegments', numSegments);
  const idsRank = segmentIds.shape.length;
  if (idsRank > x.shape.length || segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`${NAME} (wasm): segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}].`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`${NAME} (wasm): x must be float32 or int32, got ${x.dtype}.`);
  }
  const innerShape = x.shape.slice(idsRank);
  const inner = util.sizeFromShape(innerShape);
  const values = readValues(backend, x);
  const ids = readValues(backend, segmentIds);
  const out = new Float64Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j]! += values[src + j]!;
  }
  return makeOutputFrom(backend, [numSegments, ...innerShape], x.dtype, out);
}

/** Registers {@link unsortedSegmentSumWasm} as `UnsortedSegmentSum` for 'wasm'. */
export const unsortedSegmentSumWasmConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm as unknown as KernelFunc,
};
