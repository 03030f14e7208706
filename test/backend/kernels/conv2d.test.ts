import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  conv2DGemmKernel,
  conv2DPath,
  CONV2D_UNPACKED_MAX_PIXELS,
  forceConv2DGemmKernel,
  forceConv2DPath,
  type Conv2DPath,
} from '../../../src/backend/kernels/conv2d';
import { initBothBackends, onBackend, onBothBackends, relativeError, seeded } from './compare-backends';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  outC: number;
  stride: number | [number, number];
  pad: Pad;
  dilation?: number | [number, number];
}

// Small images through many filters (the 'gemm' route by the rule) and cases on the other side
// of the rule; odd sizes, strides 1-3 and mixed, every padding kind, dilation, batch 1 and 2.
const CASES: Case[] = [
  { x: [1, 8, 8, 16], k: [4, 4], outC: 32, stride: 2, pad: 1 },
  { x: [2, 5, 7, 6], k: [3, 3], outC: 40, stride: 1, pad: 'same' },
  { x: [1, 9, 7, 5], k: [3, 2], outC: 24, stride: [2, 3], pad: 'valid' },
  { x: [1, 4, 4, 8], k: [4, 4], outC: 16, stride: 2, pad: 'same' },
  { x: [1, 2, 2, 8], k: [4, 4], outC: 8, stride: 2, pad: 1 },
  { x: [1, 7, 8, 3], k: [3, 3], outC: 64, stride: 1, pad: 'same', dilation: 2 },
  { x: [2, 6, 9, 4], k: [2, 3], outC: 32, stride: 1, pad: 'valid', dilation: [2, 1] },
  {
    x: [1, 9, 9, 4],
    k: [3, 3],
    outC: 24,
    stride: 2,
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
  { x: [1, 16, 16, 4], k: [3, 3], outC: 8, stride: 1, pad: 'same' },
];
const TOLERANCE = 1e-4;
const label = (c: Case) =>
  `x [${c.x}] k ${c.k.join('x')}->${c.outC} stride ${c.stride} pad ${JSON.stringify(c.pad)} dilation ${c.dilation ?? 1}`;
const filterShape = (c: Case): [number, number, number, number] => [...c.k, c.x[3], c.outC];
const conv = (c: Case, x: tf.Tensor, w: tf.Tensor) =>
  tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride as never, c.pad as never, 'NHWC', c.dilation as never);

describe('Conv2D on wasm equals cpu', () => {
  beforeAll(initBothBackends);
  afterEach(() => forceConv2DPath(undefined));

  const routes: Array<Conv2DPath | undefined> = [undefined, 'gemm', 'stock'];
  const table = routes.flatMap((route) => CASES.map((c) => ({ route: route ?? 'rule', ...c })));

  it.each(table)('$route: $x $k -> $outC stride $stride pad $pad dilation $dilation', async ({ route, ...c }) => {
    const run = () => conv(c, seeded(c.x, 1), seeded(filterShape(c), 2));
    const cpu = await onBackend('cpu', run);
    forceConv2DPath(route === 'rule' ? undefined : (route as Conv2DPath));
    const wasm = await onBackend('wasm', run);
    expect(relativeError(wasm[0]!, cpu[0]!), `${route} ${label(c)}`).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(CASES.filter((c) => c.dilation == null))(
    'gradients of a conv2d through it (dx, dW), $x $k -> $outC stride $stride pad $pad',
    async (c) => {
      const { cpu, wasm } = await onBothBackends(() => {
        const x = seeded(c.x, 3);
        const w = seeded(filterShape(c), 4);
        const y = conv(c, x, w);
        const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(conv(c, p, q), seeded(y.shape, 5))))([
          x,
          w,
        ]);
        return [y, ...grads];
      });
      for (const [i, what] of ['forward', 'dx', 'dW'].entries()) {
        expect(relativeError(wasm[i]!, cpu[i]!), `${what} ${label(c)}`).toBeLessThanOrEqual(TOLERANCE);
      }
    },
  );

  it('the input gradient of a conv2dTranspose (a strided conv2d by its weights) equals cpu', async () => {
    const { cpu, wasm } = await onBothBackends(() => {
      const a = seeded([1, 4, 4, 64], 6) as tf.Tensor4D;
      const w = seeded([4, 4, 16, 64], 7) as tf.Tensor4D;
      const f = (p: tf.Tensor) => tf.conv2dTranspose(p as tf.Tensor4D, w, [1, 8, 8, 16], 2, 'same');
      return tf.grad((p: tf.Tensor) => tf.sum(tf.mul(f(p), seeded([1, 8, 8, 16], 8))))(a);
    });
    expect(relativeError(wasm[0]!, cpu[0]!)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('adds exactly one dataId (its output) per call on both routes', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    for (const route of ['gemm', 'stock'] as const) {
      forceConv2DPath(route);
      const c = CASES[0]!;
      const x = seeded(c.x, 1);
      const w = seeded(filterShape(c), 2);
      const ids = backend.numDataIds();
      const y = conv(c, x, w);
      expect(backend.numDataIds(), route).toBe(ids + 1);
      expect(y.shape).toEqual([1, 4, 4, 32]);
      y.dispose();
      expect(backend.numDataIds(), route).toBe(ids);
      tf.dispose([x, w]);
    }
  });

  // FusedConv2D (tfjs-layers' Conv2D with a bias, tf.fused.conv2d): bias and every activation
  // the route applies, on both routes and by the rule; the gradients through it.
  const FUSED: Array<{ c: Case; activation: tf.fused.Activation; bias: boolean }> = [
    { c: CASES[0]!, activation: 'linear', bias: true },
    { c: CASES[1]!, activation: 'relu', bias: true },
    { c: CASES[2]!, activation: 'relu6', bias: false },
    { c: CASES[3]!, activation: 'leakyrelu', bias: true },
    { c: CASES[4]!, activation: 'prelu', bias: true },
    { c: CASES[7]!, activation: 'sigmoid', bias: true },
    { c: CASES[6]!, activation: 'elu', bias: false },
  ];
  const fused = (f: (typeof FUSED)[number], x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor, alpha?: tf.Tensor) =>
    tf.fused.conv2d({
      x: x as tf.Tensor4D,
      filter: w as tf.Tensor4D,
      strides: f.c.stride as never,
      pad: f.c.pad as never,
      dilations: f.c.dilation as never,
      bias: b,
      activation: f.activation,
      preluActivationWeights: alpha,
      leakyreluAlpha: f.activation === 'leakyrelu' ? 0.2 : undefined,
    });
  const fusedTable = routes.flatMap((route) =>
    FUSED.map((f) => ({ route: route ?? 'rule', activation: f.activation, x: f.c.x, f })),
  );
  it.each(fusedTable)('FusedConv2D $route: $x, $activation', async ({ route, f }) => {
    const run = () =>
      fused(
        f,
        seeded(f.c.x, 11),
        seeded(filterShape(f.c), 12),
        f.bias ? seeded([f.c.outC], 13) : undefined,
        f.activation === 'prelu' ? tf.mul(seeded([f.c.outC], 14), 0.3) : undefined,
      );
    const cpu = await onBackend('cpu', run);
    forceConv2DPath(route === 'rule' ? undefined : (route as Conv2DPath));
    const wasm = await onBackend('wasm', run);
    expect(relativeError(wasm[0]!, cpu[0]!), `${route} ${f.activation} ${label(f.c)}`).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(FUSED.filter((f) => f.c.dilation == null && f.activation !== 'prelu'))(
    'gradients of a fused conv2d through it (dx, dW, db), $activation',
    async (f) => {
      const { cpu, wasm } = await onBothBackends(() => {
        const x = seeded(f.c.x, 15);
        const w = seeded(filterShape(f.c), 16);
        const b = seeded([f.c.outC], 17);
        const y = fused(f, x, w, b);
        const grads = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
          tf.sum(tf.mul(fused(f, p, q, r), seeded(y.shape, 18))),
        )([x, w, b]);
        return [y, ...grads];
      });
      for (const [i, what] of ['forward', 'dx', 'dW', 'db'].entries()) {
        expect(relativeError(wasm[i]!, cpu[i]!), `${what} ${f.activation} ${label(f.c)}`).toBeLessThanOrEqual(
          TOLERANCE,
        );
      }
    },
  );

  it('FusedConv2D adds exactly one dataId (its output) per call on both routes', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    for (const route of ['gemm', 'stock'] as const) {
      for (const f of [FUSED[0]!, FUSED[3]!]) {
        forceConv2DPath(route);
        const x = seeded(f.c.x, 1);
        const w = seeded(filterShape(f.c), 2);
        const b = seeded([f.c.outC], 3);
        const ids = backend.numDataIds();
        const y = fused(f, x, w, b);
        expect(backend.numDataIds(), `${route} ${f.activation}`).toBe(ids + 1);
        y.dispose();
        expect(backend.numDataIds(), `${route} ${f.activation}`).toBe(ids);
        tf.dispose([x, w, b]);
      }
    }
  });

  it('gemm while the output has at most 2 pixels per filter, the backend kernel otherwise', () => {
    expect(conv2DPath(64, 1024)).toBe('gemm');
    expect(conv2DPath(1, 512)).toBe('gemm');
    expect(conv2DPath(2048, 1024)).toBe('gemm');
    expect(conv2DPath(2049, 1024)).toBe('stock');
    expect(conv2DPath(65536, 64)).toBe('stock');
  });
});

describe('the unpacked GEMM of the gemm route on wasm', () => {
  beforeAll(initBothBackends);
  afterEach(() => {
    forceConv2DPath(undefined);
    forceConv2DGemmKernel(undefined);
  });

  // Output pixels from 1 to 9 (rows past a multiple of 4 take the padded tile), a filter deep
  // enough for several k blocks (4x4x160 = 2560 rows against blocks of 2^17 / 64 = 2048), Co 8
  // to 64; batch 2.
  const shapes: { x: [number, number, number, number]; k: number; outC: number; stride: number }[] = [
    { x: [1, 2, 2, 16], k: 4, outC: 8, stride: 2 },
    { x: [1, 4, 4, 24], k: 4, outC: 16, stride: 2 },
    { x: [1, 6, 6, 8], k: 3, outC: 40, stride: 2 },
    { x: [1, 8, 8, 160], k: 4, outC: 64, stride: 2 },
    { x: [2, 5, 5, 12], k: 3, outC: 24, stride: 2 },
  ];

  it.each(shapes)(
    'x [$x] k $k -> $outC: the same floats as XNNPACK, plain and fused',
    async ({ x, k, outC, stride }) => {
      const run = () => {
        const xs = seeded(x, 3);
        const w = seeded([k, k, x[3], outC], 4);
        const b = seeded([outC], 5);
        return [
          tf.conv2d(xs as tf.Tensor4D, w as tf.Tensor4D, stride, 'same'),
          tf.fused.conv2d({ x: xs as tf.Tensor4D, filter: w as tf.Tensor4D, strides: stride, pad: 'same', bias: b }),
          tf.fused.conv2d({
            x: xs as tf.Tensor4D,
            filter: w as tf.Tensor4D,
            strides: stride,
            pad: 'same',
            bias: b,
            activation: 'leakyrelu',
            leakyreluAlpha: 0.2,
          }),
        ];
      };
      forceConv2DPath('gemm');
      forceConv2DGemmKernel('unpacked');
      const unpacked = await onBackend('wasm', run);
      forceConv2DGemmKernel('xnnpack');
      const xnnpack = await onBackend('wasm', run);
      const cpu = await onBackend('cpu', run);
      for (const [i, y] of unpacked.entries()) {
        expect(Array.from(y)).toEqual(Array.from(xnnpack[i]!));
        expect(relativeError(y, cpu[i]!)).toBeLessThanOrEqual(TOLERANCE);
      }
    },
  );

  it('the unpacked GEMM for a new filter of few pixels, XNNPACK once the filter is reused or for a clamp', () => {
    expect(conv2DGemmKernel(1, 512, 0, false)).toBe('unpacked');
    expect(conv2DGemmKernel(CONV2D_UNPACKED_MAX_PIXELS, 1024, 1, false)).toBe('unpacked');
    expect(conv2DGemmKernel(CONV2D_UNPACKED_MAX_PIXELS + 1, 1024, 0, false)).toBe('xnnpack');
    expect(conv2DGemmKernel(64, 1024, 2, false)).toBe('xnnpack');
    expect(conv2DGemmKernel(64, 1020, 0, false)).toBe('xnnpack');
    expect(conv2DGemmKernel(64, 1024, 0, true)).toBe('xnnpack');
  });

  it('gives the same values on every call as the filter moves from the unpacked GEMM to XNNPACK, and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const x = seeded([1, 4, 4, 32], 6) as tf.Tensor4D;
    const w = seeded([4, 4, 32, 64], 7) as tf.Tensor4D;
    const ids = backend.numDataIds();
    const first = tf.conv2d(x, w, 2, 'same');
    const values = Array.from(first.dataSync());
    first.dispose();
    for (let i = 0; i < 3; i++) {
      const y = tf.conv2d(x, w, 2, 'same');
      expect(Array.from(y.dataSync())).toEqual(values);
      y.dispose();
    }
    expect(backend.numDataIds()).toBe(ids);
    tf.dispose([x, w]);
  });
});
