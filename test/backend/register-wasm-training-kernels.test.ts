import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/init-backend';
import { registerWasmTrainingKernels } from '../../src/backend/register-wasm-training-kernels';
import { seeded } from './kernels/compare-backends';

const KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
  'MaxPoolGrad',
  'ResizeBilinearGrad',
];

/** One gradient per registered kernel (conv, conv-transpose, depthwise, gather, maxPool). */
function allGradients(x: tf.Tensor4D, w: tf.Tensor4D, wt: tf.Tensor4D, wd: tf.Tensor4D): tf.Tensor[] {
  return tf.grads((a: tf.Tensor, f: tf.Tensor, ft: tf.Tensor, fd: tf.Tensor) => {
    const y = tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'); // [1, 4, 4, 4]
    const t = tf.conv2dTranspose(y, ft as tf.Tensor4D, [1, 8, 8, 2], 2, 'same');
    const d = tf.depthwiseConv2d(t, fd as tf.Tensor4D, 1, 'valid');
    const p = tf.maxPool(tf.sub(d, 10) as tf.Tensor4D, 2, 2, 'valid');
    const g = tf.gather(p, tf.tensor1d([0, 2, 2], 'int32'), 1);
    return tf.sum(g);
  })([x, w, wt, wd]);
}

describe('registerWasmTrainingKernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterEach(() => vi.restoreAllMocks());

  it('registers every kernel for wasm and is idempotent (no re-registration warning)', () => {
    const before = KERNELS.map((k) => tf.getKernel(k, 'wasm'));
    expect(before.every((k) => k != null)).toBe(true);
    const warn = vi.spyOn(console, 'warn');
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(KERNELS.map((k) => tf.getKernel(k, 'wasm'))).toEqual(before);
    expect(warn).not.toHaveBeenCalled();
  });

  it('no tensor or dataId leak after 100 repeated gradient calls', async () => {
    await tf.setBackend('wasm');
    const backend = tf.engine().backend as unknown as { numDataIds(): number };
    const x = seeded([1, 8, 8, 3], 1) as tf.Tensor4D;
    const w = seeded([3, 3, 3, 4], 2) as tf.Tensor4D;
    const wt = seeded([3, 3, 2, 4], 3) as tf.Tensor4D;
    const wd = seeded([3, 3, 2, 2], 4) as tf.Tensor4D;
    tf.dispose(allGradients(x, w, wt, wd)); // warm-up: first calls may cache
    const tensors = tf.memory().numTensors;
    const dataIds = backend.numDataIds();
    for (let i = 0; i < 100; i++) tf.dispose(allGradients(x, w, wt, wd));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(dataIds);
    tf.dispose([x, w, wt, wd]);
  });

  it.each([
    [
      'Conv2DBackpropFilter',
      () => ({ x: seeded([2, 9, 8, 3], 1), dy: seeded([2, 3, 3, 4], 2) }),
      { strides: 3, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 2, 3, 4] },
    ],
    [
      'DepthwiseConv2dNativeBackpropFilter',
      () => ({ x: seeded([1, 6, 6, 2], 1), dy: seeded([1, 6, 6, 4], 2) }),
      { strides: 1, pad: 'same', dilations: 1, filterShape: [3, 3, 2, 2] },
    ],
    [
      'DepthwiseConv2dNativeBackpropInput',
      () => ({ dy: seeded([1, 6, 6, 4], 1), filter: seeded([3, 3, 2, 2], 2) }),
      { strides: 1, pad: 'same', dilations: 1, inputShape: [1, 6, 6, 2] },
    ],
    [
      'UnsortedSegmentSum',
      () => ({ x: seeded([4, 3], 1), segmentIds: tf.tensor1d([0, 1, 0, 2], 'int32') }),
      { numSegments: 3 },
    ],
    [
      'MaxPoolGrad',
      () => ({ dy: seeded([1, 2, 2, 1], 1), input: seeded([1, 4, 4, 1], 2), output: seeded([1, 2, 2, 1], 3) }),
      { filterSize: 2, strides: 2, pad: 'valid' },
    ],
    [
      'ResizeBilinearGrad',
      () => ({ images: seeded([1, 3, 5, 2], 1), dy: seeded([1, 6, 4, 2], 2) }),
      { alignCorners: false, halfPixelCenters: true },
    ],
  ] as const)('%s adds exactly one dataId (its output) per call', async (name, inputs, attrs) => {
    await tf.setBackend('wasm');
    const backend = tf.engine().backend as unknown as { numDataIds(): number };
    const ins = inputs();
    const before = backend.numDataIds();
    const out = tf.engine().runKernel(name, ins as never, attrs as never) as tf.Tensor;
    expect(backend.numDataIds()).toBe(before + 1);
    out.dispose();
    expect(backend.numDataIds()).toBe(before);
    tf.dispose(Object.values(ins));
  });
});
