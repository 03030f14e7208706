// The cpu backend's Conv2DBackpropFilter (replaced by initBackend('cpu') with a faster kernel)
// against the stock tfjs-backend-cpu kernel it replaces: the same values bit for bit, for both
// layouts, every padding kind, strides 1-3, batches 1 and 2.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv2DBackpropFilterCpuConfig } from '../../../src/backend/kernels/conv2d-backprop-filter-cpu';
import { initBackend } from '../../../src/backend/init-backend';
import { seeded } from './compare-backends';

// Taken before initBackend('cpu') replaces it.
const STOCK = tf.getKernel('Conv2DBackpropFilter', 'cpu');

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  x: [number, number, number, number];
  dy: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
}

/** The dy shape of a convolution (NHWC), from tfjs' own shape logic. */
function nhwcCase(x: Case['x'], k: [number, number], outC: number, strides: Case['strides'], pad: Pad): Case {
  const filterShape: Case['filterShape'] = [k[0], k[1], x[3], outC];
  const info = tf.backend_util.computeConv2DInfo(x, filterShape, strides, 1, pad as 'same');
  return { x, dy: info.outShape as Case['dy'], filterShape, strides, pad, dataFormat: 'NHWC' };
}

const CASES: Case[] = [
  nhwcCase([1, 8, 8, 3], [3, 3], 4, 1, 'same'),
  nhwcCase([2, 7, 9, 2], [3, 2], 3, 2, 'same'),
  nhwcCase([1, 10, 7, 4], [4, 4], 2, 2, 'valid'),
  nhwcCase([2, 9, 10, 1], [1, 3], 5, [3, 1], 1),
  nhwcCase([1, 11, 9, 3], [7, 7], 2, 1, 3),
  nhwcCase([2, 8, 9, 2], [3, 3], 3, 2, [
    [0, 0],
    [1, 2],
    [0, 1],
    [0, 0],
  ]),
  // Channels first: x [1, 3, 6, 7] (NCHW), a 3x2 filter, stride 1, 'same' -> dy [1, 4, 6, 7].
  { x: [1, 3, 6, 7], dy: [1, 4, 6, 7], filterShape: [3, 2, 3, 4], strides: 1, pad: 'same', dataFormat: 'NCHW' },
];

function run(kernel: tf.KernelConfig, c: Case): Float32Array {
  const x = seeded([...c.x], 11);
  const dy = seeded([...c.dy], 12);
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat, filterShape: c.filterShape };
  const backend = tf.backend();
  const out = kernel.kernelFunc({ inputs: { x, dy }, attrs, backend }) as tf.TensorInfo;
  const values = Float32Array.from(backend.readSync(out.dataId) as Float32Array);
  backend.disposeData(out.dataId);
  tf.dispose([x, dy]);
  return values;
}

describe('Conv2DBackpropFilter on cpu', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('replaces the stock cpu kernel', () => {
    expect(STOCK).toBeDefined();
    expect(STOCK).not.toBe(conv2DBackpropFilterCpuConfig);
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).toBe(conv2DBackpropFilterCpuConfig);
  });

  it.each(CASES)(
    'equals the stock kernel bit for bit: x $x ($dataFormat), filter $filterShape, strides $strides, pad $pad',
    (c) => {
      const want = run(STOCK!, c);
      const got = run(conv2DBackpropFilterCpuConfig, c);
      expect(got.length).toBe(c.filterShape.reduce((a, b) => a * b, 1));
      expect(got).toEqual(want);
      expect(got.some((v) => v !== 0)).toBe(true);
    },
  );

  it('is the kernel tf.grad of conv2d and conv2dTranspose use on cpu, with no tensor leak', () => {
    const x = seeded([2, 9, 8, 3], 1) as tf.Tensor4D;
    const w = seeded([3, 3, 3, 4], 2) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const grads = tf.grads((f: tf.Tensor, ft: tf.Tensor) => {
      const y = tf.conv2d(x, f as tf.Tensor4D, 2, 'same');
      return tf.sum(tf.conv2dTranspose(y, ft as tf.Tensor4D, [2, 9, 8, 3], 2, 'same'));
    })([w, w]);
    expect(grads.map((g) => g.shape)).toEqual([
      [3, 3, 3, 4],
      [3, 3, 3, 4],
    ]);
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a dy that does not fit x', () => {
    const x = tf.zeros([1, 6, 6, 2]);
    const dy = tf.zeros([1, 5, 6, 3]);
    expect(() =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] },
        ),
    ).toThrow(/Conv2DBackpropFilter \(cpu\): dy has shape \[1,5,6,3\], expected \[1,6,6,3\] for x \[1,6,6,2\]/);
    tf.dispose([x, dy]);
  });
});
