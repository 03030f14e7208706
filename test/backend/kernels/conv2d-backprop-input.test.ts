import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  conv2DBackpropInputPath,
  forceConv2DBackpropInputPath,
  useXnnpackPath,
  type Conv2DBackpropInputPath,
} from '../../../src/backend/kernels/conv2d-backprop-input';
import { initBothBackends, onBackend, onBothBackends, relativeError, seeded } from './compare-backends';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  /** The forward conv's input shape, i.e. dx's shape. */
  x: [number, number, number, number];
  k: [number, number];
  /** The forward conv's output channels (dy's channels). */
  outC: number;
  stride: number | [number, number];
  pad: Pad;
}

// Strides 1-3 (and mixed), every padding kind, odd and even sizes, batch 1 and 2, square and
// oblong kernels; sizes and channel counts on both sides of the route rule (stride 1: XNNPACK
// from a 32x32 dx with >= 4 channels; strided: sub-pixel from a 16x16 dx).
const CASES: Case[] = [
  { x: [1, 32, 32, 4], k: [3, 3], outC: 6, stride: 1, pad: 'same' },
  { x: [2, 33, 35, 5], k: [3, 2], outC: 4, stride: 1, pad: 'valid' },
  { x: [1, 36, 33, 4], k: [5, 5], outC: 8, stride: 1, pad: 2 },
  { x: [1, 32, 32, 8], k: [4, 4], outC: 16, stride: 2, pad: 'same' },
  { x: [1, 32, 32, 16], k: [4, 4], outC: 8, stride: 2, pad: 1 },
  { x: [2, 35, 37, 4], k: [3, 3], outC: 5, stride: 2, pad: 'valid' },
  { x: [1, 39, 34, 6], k: [4, 3], outC: 4, stride: 2, pad: 'same' },
  { x: [1, 34, 36, 4], k: [3, 3], outC: 7, stride: 3, pad: 'same' },
  { x: [2, 37, 35, 5], k: [4, 4], outC: 4, stride: 3, pad: 'valid' },
  {
    x: [1, 36, 34, 4],
    k: [3, 4],
    outC: 5,
    stride: [2, 3],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  {
    x: [1, 33, 33, 4],
    k: [3, 3],
    outC: 4,
    stride: 2,
    pad: [
      [0, 0],
      [2, 0],
      [1, 2],
      [0, 0],
    ],
  },
  // RGB output (sub-pixel by the rule), small strided image (stock).
  { x: [1, 32, 32, 3], k: [4, 4], outC: 8, stride: 2, pad: 1 },
  { x: [2, 9, 8, 32], k: [4, 4], outC: 16, stride: 2, pad: 'same' },
  // Top padding larger than KH - 1: not expressible as a padded convolution, stock kernel.
  {
    x: [1, 32, 32, 4],
    k: [2, 2],
    outC: 4,
    stride: 1,
    pad: [
      [0, 0],
      [3, 0],
      [0, 0],
      [0, 0],
    ],
  },
];
// Sub-pixel cases: k not a multiple of s (3x3 s2, 5x5 s3), padding beyond the kernel the
// zero-dilated route cannot express, one stride 1 axis, dy rows the forward pass skipped (valid
// with a remainder), outputs that need no crop, the U-Net and ResNet up-conv settings.
const SUBPIXEL_CASES: Case[] = [
  { x: [1, 16, 16, 8], k: [4, 4], outC: 16, stride: 2, pad: 1 },
  { x: [2, 16, 16, 8], k: [3, 3], outC: 6, stride: 2, pad: 1 },
  { x: [1, 15, 17, 5], k: [3, 3], outC: 4, stride: 2, pad: 'same' },
  { x: [1, 14, 13, 3], k: [5, 5], outC: 4, stride: 3, pad: 'same' },
  { x: [1, 13, 11, 4], k: [5, 3], outC: 3, stride: [3, 2], pad: 'valid' },
  { x: [2, 12, 10, 3], k: [4, 4], outC: 5, stride: [1, 2], pad: 'same' },
  {
    x: [1, 12, 12, 4],
    k: [2, 2],
    outC: 4,
    stride: 2,
    pad: [
      [0, 0],
      [3, 1],
      [2, 4],
      [0, 0],
    ],
  },
  { x: [1, 8, 8, 4], k: [2, 2], outC: 4, stride: 2, pad: 'valid' },
  { x: [1, 2, 2, 16], k: [4, 4], outC: 8, stride: 2, pad: 1 },
];
const TOLERANCE = 1e-4;
const label = (c: Case) => `x [${c.x}] k ${c.k.join('x')}->${c.outC} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;

function filterShape(c: Case): [number, number, number, number] {
  return [...c.k, c.x[3], c.outC];
}

describe('Conv2DBackpropInput on wasm equals cpu', () => {
  beforeAll(initBothBackends);

  it.each(CASES)('kernel directly, $x $k -> $outC stride $stride pad $pad', async (c) => {
    const fwd = tf.backend_util.computeConv2DInfo(c.x, filterShape(c), c.stride, 1, c.pad);
    const { cpu, wasm } = await onBothBackends(() => {
      const dy = seeded(fwd.outShape, 1);
      const w = seeded(filterShape(c), 2);
      return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
        strides: c.stride,
        pad: c.pad,
        dataFormat: 'NHWC',
        inputShape: c.x,
      } as never) as tf.Tensor;
    });
    expect(wasm[0]!.length).toBe(c.x.reduce((a, b) => a * b, 1));
    expect(relativeError(wasm[0]!, cpu[0]!), label(c)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(CASES)('conv2dTranspose forward and gradients, $x $k -> $outC stride $stride pad $pad', async (c) => {
    // conv2dTranspose(x', w) maps dy-shaped x' to c.x: its forward is this kernel, its input
    // gradient is a Conv2D and its filter gradient a Conv2DBackpropFilter.
    const fwd = tf.backend_util.computeConv2DInfo(c.x, filterShape(c), c.stride, 1, c.pad);
    const { cpu, wasm } = await onBothBackends(() => {
      const a = seeded(fwd.outShape, 4) as tf.Tensor4D;
      const w = seeded(filterShape(c), 5) as tf.Tensor4D;
      const f = (p: tf.Tensor, q: tf.Tensor) =>
        tf.conv2dTranspose(p as tf.Tensor4D, q as tf.Tensor4D, c.x, c.stride as never, c.pad as never);
      const y = f(a, w);
      const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(f(p, q), seeded(c.x, 6))))([a, w]);
      return [y, ...grads];
    });
    for (const [i, what] of ['forward', 'dx', 'dW'].entries()) {
      expect(relativeError(wasm[i]!, cpu[i]!), `${what} ${label(c)}`).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  describe('with every call forced onto each route', () => {
    afterEach(() => forceConv2DBackpropInputPath(undefined));
    const routes: Conv2DBackpropInputPath[] = ['subpixel', 'dilated', 'stock'];
    const table = routes.flatMap((route) => [...CASES, ...SUBPIXEL_CASES].map((c) => ({ route, ...c })));

    it.each(table)('$route: $x $k -> $outC stride $stride pad $pad', async ({ route, ...c }) => {
      const fwd = tf.backend_util.computeConv2DInfo(c.x, filterShape(c), c.stride, 1, c.pad);
      const run = () =>
        tf
          .engine()
          .runKernel('Conv2DBackpropInput', { dy: seeded(fwd.outShape, 11), filter: seeded(filterShape(c), 12) }, {
            strides: c.stride,
            pad: c.pad,
            dataFormat: 'NHWC',
            inputShape: c.x,
          } as never) as tf.Tensor;
      const cpu = await onBackend('cpu', run);
      forceConv2DBackpropInputPath(route);
      const wasm = await onBackend('wasm', run);
      expect(relativeError(wasm[0]!, cpu[0]!), `${route} ${label(c)}`).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  it('conv2d input gradient through the engine (tf.grad) matches cpu', async () => {
    const { cpu, wasm } = await onBothBackends(() => {
      const x = seeded([1, 33, 31, 8], 7) as tf.Tensor4D;
      const w = seeded([4, 4, 8, 16], 8) as tf.Tensor4D;
      return tf.grad((p: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(p as tf.Tensor4D, w, 2, 'same'), seeded([1, 17, 16, 16], 9))),
      )(x);
    });
    expect(relativeError(wasm[0]!, cpu[0]!)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('frees every temporary on both paths (numDataIds and tf.memory unchanged)', async () => {
    await tf.setBackend('wasm');
    const subpixel = [SUBPIXEL_CASES[1]!, SUBPIXEL_CASES[4]!, SUBPIXEL_CASES[6]!, SUBPIXEL_CASES[7]!];
    for (const [c, route] of [
      ...[CASES[3]!, CASES[9]!, CASES[11]!].map((c) => [c, undefined] as const),
      ...subpixel.map((c) => [c, 'subpixel'] as const),
    ]) {
      forceConv2DBackpropInputPath(route);
      const fwd = tf.backend_util.computeConv2DInfo(c.x, filterShape(c), c.stride, 1, c.pad);
      const dy = seeded(fwd.outShape, 1);
      const w = seeded(filterShape(c), 2);
      const ids = tf.backend().numDataIds();
      const tensors = tf.memory().numTensors;
      const out = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
        strides: c.stride,
        pad: c.pad,
        dataFormat: 'NHWC',
        inputShape: c.x,
      } as never) as tf.Tensor;
      out.dataSync();
      out.dispose();
      expect(tf.backend().numDataIds(), label(c)).toBe(ids);
      expect(tf.memory().numTensors, label(c)).toBe(tensors);
      tf.dispose([dy, w]);
    }
    forceConv2DBackpropInputPath(undefined);
  });

  it('stride 1: XNNPACK from a 6x6 dx up whatever the channels, the stock loop below', () => {
    expect(useXnnpackPath(6, 6)).toBe(true);
    expect(useXnnpackPath(256, 256)).toBe(true);
    expect(useXnnpackPath(4, 4)).toBe(false);
    expect(useXnnpackPath(35, 1)).toBe(false);
    expect(conv2DBackpropInputPath(64, 64, 1, 1)).toBe('dilated');
    expect(conv2DBackpropInputPath(16, 16, 1, 1)).toBe('dilated');
    expect(conv2DBackpropInputPath(3, 3, 1, 1)).toBe('stock');
  });

  it('strided: sub-pixel from a 16x16 dx up (RGB outputs included), the stock loop below', () => {
    expect(conv2DBackpropInputPath(16, 16, 2, 2)).toBe('subpixel');
    expect(conv2DBackpropInputPath(256, 256, 2, 2)).toBe('subpixel');
    expect(conv2DBackpropInputPath(128, 128, 2, 1)).toBe('subpixel');
    expect(conv2DBackpropInputPath(8, 8, 2, 2)).toBe('stock');
    expect(conv2DBackpropInputPath(2, 2, 2, 2)).toBe('stock');
  });

  it('rejects NCHW with an error naming the kernel', async () => {
    await tf.setBackend('wasm');
    const dy = tf.zeros([1, 4, 4, 16]);
    const w = tf.zeros([3, 3, 16, 16]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NCHW',
        inputShape: [1, 16, 4, 4],
      } as never),
    ).toThrow(/Conv2DBackpropInput \(wasm\).*NCHW/);
    tf.dispose([dy, w]);
  });
});
