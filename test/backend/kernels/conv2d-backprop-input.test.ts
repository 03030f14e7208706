import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  clearConv2DBackpropInputFilterCache,
  conv2DBackpropInputFilterCacheSize,
  conv2DBackpropInputPath,
  forceConv2DBackpropInputPath,
  setConv2DBackpropInputFilterCacheMaxFloats,
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
  // dy with at least half as many channels as pixels: the 'gemm' route by the rule (deep,
  // small images; odd sizes, 3x3 stride 2, stride 1, batch 2).
  { x: [1, 8, 8, 16], k: [4, 4], outC: 32, stride: 2, pad: 1 },
  { x: [2, 7, 5, 6], k: [3, 3], outC: 24, stride: 2, pad: 'same' },
  { x: [1, 5, 6, 8], k: [3, 3], outC: 20, stride: 1, pad: 'same' },
  { x: [1, 9, 7, 4], k: [4, 3], outC: 16, stride: [3, 2], pad: 'valid' },
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
    const routes: Conv2DBackpropInputPath[] = ['gemm', 'subpixel', 'dilated', 'stock'];
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

  it('frees every temporary on every route (numDataIds and tf.memory back once the filter cache is cleared)', async () => {
    await tf.setBackend('wasm');
    clearConv2DBackpropInputFilterCache();
    const backend = tf.backend();
    const subpixel = [SUBPIXEL_CASES[1]!, SUBPIXEL_CASES[4]!, SUBPIXEL_CASES[6]!, SUBPIXEL_CASES[7]!];
    for (const [c, route] of [
      ...[CASES[3]!, CASES[9]!, CASES[11]!, CASES[13]!, CASES[15]!].map((c) => [c, undefined] as const),
      ...subpixel.map((c) => [c, 'subpixel'] as const),
      ...[CASES[1]!, CASES[5]!, SUBPIXEL_CASES[3]!].map((c) => [c, 'gemm'] as const),
    ]) {
      forceConv2DBackpropInputPath(route);
      const fwd = tf.backend_util.computeConv2DInfo(c.x, filterShape(c), c.stride, 1, c.pad);
      const dy = seeded(fwd.outShape, 1);
      const w = seeded(filterShape(c), 2);
      const ids = backend.numDataIds();
      const tensors = tf.memory().numTensors;
      const out = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
        strides: c.stride,
        pad: c.pad,
        dataFormat: 'NHWC',
        inputShape: c.x,
      } as never) as tf.Tensor;
      out.dataSync();
      out.dispose();
      // At most the rearranged filter of w stays (the 'subpixel' and 'dilated' routes keep it).
      const kept = conv2DBackpropInputFilterCacheSize().entries;
      expect(kept, label(c)).toBeLessThanOrEqual(1);
      expect(backend.numDataIds(), label(c)).toBe(ids + kept);
      expect(tf.memory().numTensors, label(c)).toBe(tensors);
      tf.dispose([dy, w]);
      clearConv2DBackpropInputFilterCache();
      expect(backend.numDataIds(), label(c)).toBe(ids - 2);
    }
    forceConv2DBackpropInputPath(undefined);
  });

  describe('the rearranged filters kept per weight tensor', () => {
    afterEach(() => {
      setConv2DBackpropInputFilterCacheMaxFloats(undefined);
      clearConv2DBackpropInputFilterCache();
    });
    // Strided 32x32 dx (sub-pixel by the rule) and stride 1 (zero-dilated by the rule).
    const strided = CASES[3]!;
    const stride1 = CASES[0]!;
    const runOn = (c: Case, dy: tf.Tensor, w: tf.Tensor) =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
        strides: c.stride,
        pad: c.pad,
        dataFormat: 'NHWC',
        inputShape: c.x,
      } as never) as tf.Tensor;
    const dyOf = (c: Case, seed: number) =>
      seeded(tf.backend_util.computeConv2DInfo(c.x, filterShape(c), c.stride, 1, c.pad).outShape, seed);

    it('keeps one per weight tensor while it lives and frees it at the first call after it is disposed', async () => {
      await tf.setBackend('wasm');
      clearConv2DBackpropInputFilterCache();
      const backend = tf.backend();
      const ids = backend.numDataIds();
      const dy = dyOf(strided, 1);
      const w1 = seeded(filterShape(strided), 2);
      const first = runOn(strided, dy, w1);
      expect(conv2DBackpropInputFilterCacheSize().entries).toBe(1);
      const withFilter = backend.numDataIds();
      const again = runOn(strided, dy, w1);
      // The second call adds only its output: nothing is rearranged again.
      expect(backend.numDataIds()).toBe(withFilter + 1);
      expect(Array.from(again.dataSync())).toEqual(Array.from(first.dataSync()));
      w1.dispose();
      expect(conv2DBackpropInputFilterCacheSize().entries).toBe(1);
      const w2 = seeded(filterShape(strided), 3);
      const other = runOn(strided, dy, w2);
      // w1's entry went at this call, w2's came.
      expect(conv2DBackpropInputFilterCacheSize().entries).toBe(1);
      expect(Array.from(other.dataSync())).not.toEqual(Array.from(first.dataSync()));
      tf.dispose([dy, w2, first, again, other]);
      clearConv2DBackpropInputFilterCache();
      expect(backend.numDataIds()).toBe(ids);
    });

    it.each([
      ['sub-pixel', strided],
      ['zero-dilated', stride1],
    ] as const)('%s: follows a variable whose values change (assign) and equals cpu before and after', async (_, c) => {
      const results: Record<string, Float32Array[]> = {};
      for (const name of ['cpu', 'wasm'] as const) {
        await tf.setBackend(name);
        const dy = dyOf(c, 7);
        const w = tf.variable(seeded(filterShape(c), 8));
        const before = runOn(c, dy, w);
        const next = seeded(filterShape(c), 9);
        w.assign(next);
        const after = runOn(c, dy, w);
        results[name] = [Float32Array.from(before.dataSync()), Float32Array.from(after.dataSync())];
        tf.dispose([dy, w, before, next, after]);
      }
      expect(relativeError(results.wasm![0]!, results.cpu![0]!), label(c)).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(results.wasm![1]!, results.cpu![1]!), label(c)).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(results.cpu![1]!, results.cpu![0]!)).toBeGreaterThan(0.1);
    });

    it('stays within its budget: evicts the least recently used, keeps nothing larger than the budget', async () => {
      const c = strided;
      const run = (ws: tf.Tensor[]) => async () => {
        const dy = dyOf(c, 11);
        const out = ws.map((w) => runOn(c, dy, w));
        dy.dispose();
        return out;
      };
      const ws = [21, 22, 23].map((seed) => () => seeded(filterShape(c), seed));
      // Reference: cpu, each weight tensor once.
      await tf.setBackend('cpu');
      const wCpu = ws.map((f) => f());
      const expected = (await run(wCpu)()).map((t) => Float32Array.from(t.dataSync()));
      await tf.setBackend('wasm');
      clearConv2DBackpropInputFilterCache();
      const wW = ws.map((f) => f());
      // One sub-pixel filter of this case: [2, 2, 16, 4 * 8] floats.
      const one = 2 * 2 * filterShape(c)[3] * 4 * filterShape(c)[2];
      setConv2DBackpropInputFilterCacheMaxFloats(2 * one);
      const outs = [...(await run(wW)()), ...(await run([wW[0]!])())];
      expect(conv2DBackpropInputFilterCacheSize()).toEqual({ entries: 2, floats: 2 * one });
      setConv2DBackpropInputFilterCacheMaxFloats(one - 1);
      outs.push(...(await run([wW[1]!])()));
      expect(conv2DBackpropInputFilterCacheSize()).toEqual({ entries: 0, floats: 0 });
      const got = outs.map((t) => Float32Array.from(t.dataSync()));
      for (const [i, g] of got.entries()) {
        const e = expected[[0, 1, 2, 0, 1][i]!]!;
        expect(relativeError(g, e)).toBeLessThanOrEqual(TOLERANCE);
      }
      tf.dispose([...outs, ...wW]);
      await tf.setBackend('cpu');
      tf.dispose(wCpu);
    });

    it('validates the budget', () => {
      expect(() => setConv2DBackpropInputFilterCacheMaxFloats(-1)).toThrow(/floats must be an integer >= 0, got -1/);
      expect(() => setConv2DBackpropInputFilterCacheMaxFloats(Number.NaN)).toThrow(/got NaN/);
    });
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

  it('gemm while dy has at most 2 pixels per channel, whatever the stride and size', () => {
    expect(conv2DBackpropInputPath(16, 16, 2, 2, { channels: 1024, pixels: 64 })).toBe('gemm');
    expect(conv2DBackpropInputPath(64, 64, 2, 2, { channels: 512, pixels: 1024 })).toBe('gemm');
    expect(conv2DBackpropInputPath(2, 2, 2, 2, { channels: 512, pixels: 1 })).toBe('gemm');
    expect(conv2DBackpropInputPath(8, 8, 1, 1, { channels: 64, pixels: 64 })).toBe('gemm');
    expect(conv2DBackpropInputPath(128, 128, 2, 2, { channels: 256, pixels: 4096 })).toBe('subpixel');
    expect(conv2DBackpropInputPath(256, 256, 2, 2, { channels: 128, pixels: 16384 })).toBe('subpixel');
    expect(conv2DBackpropInputPath(64, 64, 1, 1, { channels: 256, pixels: 4096 })).toBe('dilated');
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
