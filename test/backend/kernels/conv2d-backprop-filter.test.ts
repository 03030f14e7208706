import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  conv2DBackpropFilterPath,
  forceConv2DBackpropFilterPath,
  setIm2colMaxFloats,
  type Conv2DBackpropFilterPath,
} from '../../../src/backend/kernels/conv2d-backprop-filter';
import { fillIm2col } from '../../../src/backend/kernels/im2col';
import { initBothBackends, onBackend, onBothBackends, relativeError, seeded } from './compare-backends';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  outC: number;
  stride: number;
  pad: Pad;
}

// Odd and even sizes, batch 1 and 2, strides 1-3, every padding kind, square and oblong kernels.
const CASES: Case[] = [];
const PADS: Pad[] = [
  'same',
  'valid',
  1,
  [
    [0, 0],
    [1, 2],
    [0, 1],
    [0, 0],
  ],
];
const SHAPES: Array<[Case['x'], Case['k'], number]> = [
  [[1, 8, 8, 3], [3, 3], 4],
  [[2, 7, 9, 2], [3, 2], 3],
  [[1, 10, 7, 4], [4, 4], 2],
  [[2, 9, 10, 1], [1, 3], 5],
];
let n = 0;
for (const stride of [1, 2, 3]) {
  for (const pad of PADS) {
    const [x, k, outC] = SHAPES[n++ % SHAPES.length]!;
    CASES.push({ x, k, outC, stride, pad });
  }
}
const label = (c: Case) => `x [${c.x}] k ${c.k.join('x')}->${c.outC} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
const TOLERANCE = 1e-4;

describe('Conv2DBackpropFilter on wasm equals cpu', () => {
  beforeAll(initBothBackends);

  it.each(CASES)('conv2d gradients, $x $k stride $stride pad $pad', async (c) => {
    const { cpu, wasm } = await onBothBackends(() => {
      const x = seeded(c.x, 1) as tf.Tensor4D;
      const w = seeded([...c.k, c.x[3], c.outC], 2) as tf.Tensor4D;
      // A weighted loss so dy is not constant.
      const loss = (a: tf.Tensor, f: tf.Tensor) => {
        const y = tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad);
        return tf.sum(tf.mul(y, seeded(y.shape, 3)));
      };
      return tf.grads(loss)([x, w]);
    });
    expect(relativeError(wasm[0]!, cpu[0]!), `dx ${label(c)}`).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(wasm[1]!, cpu[1]!), `dW ${label(c)}`).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(CASES)('conv2dTranspose gradients, $x $k stride $stride pad $pad', async (c) => {
    const { cpu, wasm } = await onBothBackends(() => {
      // c.x is the transpose's output; its input is what a forward conv would make of c.x.
      const filterShape: [number, number, number, number] = [...c.k, c.x[3], c.outC];
      const fwd = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.stride, 1, c.pad);
      const x = seeded(fwd.outShape, 4) as tf.Tensor4D;
      const w = seeded(filterShape, 5) as tf.Tensor4D;
      const loss = (a: tf.Tensor, f: tf.Tensor) => {
        const y = tf.conv2dTranspose(a as tf.Tensor4D, f as tf.Tensor4D, c.x, c.stride, c.pad);
        return tf.sum(tf.mul(y, seeded(y.shape, 6)));
      };
      return tf.grads(loss)([x, w]);
    });
    expect(relativeError(wasm[0]!, cpu[0]!), `dx ${label(c)}`).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(wasm[1]!, cpu[1]!), `dW ${label(c)}`).toBeLessThanOrEqual(TOLERANCE);
  });

  // tfjs-core's conv2d gradient rejects dilation > 1 on every backend, so the kernel is run
  // directly with a `dilations` attribute. Reference: a dilated filter is a dense filter of the
  // effective size with zeros between taps, so its gradient is the cpu dense-filter gradient
  // sampled every d-th tap (same padding, same dy shape).
  it.each([
    { x: [1, 9, 9, 2], k: [3, 3], outC: 3, stride: 1, pad: 'same' },
    { x: [2, 10, 11, 3], k: [3, 2], outC: 2, stride: 2, pad: 'valid' },
    { x: [1, 12, 10, 2], k: [2, 3], outC: 4, stride: 3, pad: 'same' },
    {
      x: [2, 8, 9, 1],
      k: [3, 3],
      outC: 2,
      stride: 2,
      pad: [
        [0, 0],
        [2, 1],
        [1, 3],
        [0, 0],
      ],
    },
  ] as Case[])('dilation 2 through the kernel, $x $k stride $stride pad $pad', async (c) => {
    const d = 2;
    const filterShape: [number, number, number, number] = [...c.k, c.x[3], c.outC];
    const dense: [number, number, number, number] = [(c.k[0] - 1) * d + 1, (c.k[1] - 1) * d + 1, c.x[3], c.outC];
    const info = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.stride, d, c.pad);
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' };
    const dilatedOn = async (route: 'gemm' | 'conv') => {
      forceConv2DBackpropFilterPath(route);
      try {
        const [values] = await onBackend(
          'wasm',
          () =>
            tf.engine().runKernel('Conv2DBackpropFilter', { x: seeded(c.x, 7), dy: seeded(info.outShape, 8) }, {
              ...attrs,
              filterShape,
              dilations: d,
            } as never) as tf.Tensor,
        );
        return values!;
      } finally {
        forceConv2DBackpropFilterPath(undefined);
      }
    };
    const [reference] = await onBackend('cpu', () => {
      const full = tf.engine().runKernel('Conv2DBackpropFilter', { x: seeded(c.x, 7), dy: seeded(info.outShape, 8) }, {
        ...attrs,
        filterShape: dense,
      } as never) as tf.Tensor4D;
      return tf.stridedSlice(full, [0, 0, 0, 0], dense, [d, d, 1, 1]);
    });
    for (const route of ['gemm', 'conv'] as const) {
      expect(relativeError(await dilatedOn(route), reference!), route).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  // With a numeric pad, dimRoundingMode 'ceil' (and here 'round') adds an output row whose
  // window runs past the padded input, i.e. pads the bottom by one more. tfjs-core's gradient
  // does not forward dimRoundingMode, and the cpu kernel then drops that row's contribution, so
  // the reference is the cpu gradient of the same conv written with explicit padding.
  it.each([
    ['floor', 1],
    ['round', 2],
    ['ceil', 2],
  ] as const)("numeric pad 1 with dimRoundingMode '%s' (bottom pad %i)", async (mode, bottom) => {
    const x = () => seeded([2, 8, 9, 3], 41) as tf.Tensor4D;
    const w = () => seeded([3, 3, 3, 2], 42) as tf.Tensor4D;
    const dW = (f: (a: tf.Tensor4D, k: tf.Tensor4D) => tf.Tensor4D) =>
      tf.grad((k: tf.Tensor) => {
        const y = f(x(), k as tf.Tensor4D);
        return tf.sum(tf.mul(y, seeded(y.shape, 43)));
      })(w());
    const [explicit] = await onBackend('cpu', () =>
      dW((a, k) =>
        tf.conv2d(a, k, 2, [
          [0, 0],
          [1, bottom],
          [1, 1],
          [0, 0],
        ]),
      ),
    );
    for (const route of ['gemm', 'conv'] as const) {
      forceConv2DBackpropFilterPath(route);
      const [rounded] = await onBackend('wasm', () => dW((a, k) => tf.conv2d(a, k, 2, 1, 'NHWC', 1, mode)));
      forceConv2DBackpropFilterPath(undefined);
      expect(relativeError(rounded!, explicit!), route).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('gradients of dilated conv2d are rejected by tfjs-core on both backends alike', async () => {
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const x = seeded([1, 6, 6, 1], 1) as tf.Tensor4D;
      const w = seeded([3, 3, 1, 1], 2) as tf.Tensor4D;
      expect(() => tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same', 'NHWC', 2)))(w)).toThrow(
        /dilation rates greater than 1/,
      );
      tf.dispose([x, w]);
    }
  });

  it('returns zeros when every window lies in the padding', async () => {
    await tf.setBackend('wasm');
    // H = W = 1 with pad 3 and stride 10: the single output window never reaches x.
    const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.ones([1, 1, 1, 2]), dy: tf.ones([1, 1, 1, 3]) }, {
      strides: 10,
      pad: 3,
      dataFormat: 'NHWC',
      filterShape: [1, 1, 2, 3],
    } as never) as tf.Tensor;
    expect(dW.shape).toEqual([1, 1, 2, 3]);
    expect(Array.from(dW.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('names the kernel and the bad value for NCHW', async () => {
    await tf.setBackend('wasm');
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.ones([1, 2, 4, 4]), dy: tf.ones([1, 2, 4, 4]) }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NCHW',
        filterShape: [1, 1, 2, 2],
      } as never),
    ).toThrow(/Conv2DBackpropFilter \(wasm\): dataFormat 'NCHW'/);
  });
});

// Shapes for the im2col GEMM route: batch 1 and 2, stride 1 and 2, kernels 3/4/7, 'same', 'valid'
// and explicit pads, odd sizes, plus one channel count that is not a multiple of 4.
const GEMM_CASES: Case[] = [
  { x: [1, 9, 11, 3], k: [3, 3], outC: 5, stride: 1, pad: 'same' },
  { x: [2, 9, 11, 3], k: [3, 3], outC: 5, stride: 2, pad: 'same' },
  { x: [1, 13, 12, 6], k: [4, 4], outC: 7, stride: 2, pad: 1 },
  { x: [2, 11, 13, 5], k: [4, 4], outC: 4, stride: 1, pad: 'valid' },
  { x: [1, 17, 15, 3], k: [7, 7], outC: 8, stride: 1, pad: 'valid' },
  { x: [2, 15, 17, 2], k: [7, 7], outC: 3, stride: 2, pad: 'same' },
  {
    x: [1, 10, 9, 4],
    k: [3, 4],
    outC: 6,
    stride: 2,
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
  {
    x: [2, 12, 12, 8],
    k: [4, 3],
    outC: 9,
    stride: 1,
    pad: [
      [0, 0],
      [0, 2],
      [3, 1],
      [0, 0],
    ],
  },
];

describe('Conv2DBackpropFilter on wasm, every route', () => {
  beforeAll(initBothBackends);
  afterEach(() => {
    forceConv2DBackpropFilterPath(undefined);
    setIm2colMaxFloats(undefined);
  });

  const routes: Conv2DBackpropFilterPath[] = ['gemm', 'conv'];
  const table = routes.flatMap((route) => [...CASES, ...GEMM_CASES].map((c) => ({ route, ...c })));
  /** The case's filter gradient on seeded inputs, and the forward conv's geometry. */
  const dWOf = (c: (typeof GEMM_CASES)[number], seed: number) => {
    const filterShape: [number, number, number, number] = [...c.k, c.x[3], c.outC];
    const info = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.stride, 1, c.pad);
    const dW = () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: seeded(c.x, seed), dy: seeded(info.outShape, seed + 1) }, {
        strides: c.stride,
        pad: c.pad,
        dataFormat: 'NHWC',
        filterShape,
      } as never) as tf.Tensor;
    return { dW, info };
  };

  it.each(table)('$route: $x $k -> $outC stride $stride pad $pad', async ({ route, ...c }) => {
    const { dW } = dWOf(c, 11);
    const [reference] = await onBackend('cpu', dW);
    forceConv2DBackpropFilterPath(route);
    const [wasm] = await onBackend('wasm', dW);
    expect(relativeError(wasm!, reference!), `${route} ${label(c)}`).toBeLessThanOrEqual(TOLERANCE);
  });

  // A budget of one tap's rows makes the route run one GEMM per tap and concatenate them; a
  // budget of 2.5 taps leaves a shorter last group.
  it.each([1, 2.5])('gemm in groups of %s taps equals cpu', async (tapsPerGroup) => {
    const c = GEMM_CASES[5]!;
    const { dW, info } = dWOf(c, 13);
    const [reference] = await onBackend('cpu', dW);
    forceConv2DBackpropFilterPath('gemm');
    setIm2colMaxFloats(Math.floor(tapsPerGroup * c.x[3] * info.batchSize * info.outHeight * info.outWidth));
    const [wasm] = await onBackend('wasm', dW);
    expect(relativeError(wasm!, reference!)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(routes)('%s: repeated calls leave no wasm data behind', async (route) => {
    await tf.setBackend('wasm');
    forceConv2DBackpropFilterPath(route);
    setIm2colMaxFloats(3 * 4 * 6 * 6); // several groups on the gemm route
    const backend = tf.backend();
    const x = seeded([2, 12, 12, 4], 15);
    const dy = seeded([2, 6, 6, 5], 16);
    const call = () =>
      tf.dispose(
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          strides: 2,
          pad: 'same',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 4, 5],
        } as never) as tf.Tensor,
      );
    call();
    const ids = backend.numDataIds();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) call();
    expect(backend.numDataIds()).toBe(ids);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([x, dy]);
  });

  it('fillIm2col: the centre tap of a 3x3 same conv is x, border taps carry zeros', () => {
    const info = tf.backend_util.computeConv2DInfo([1, 4, 4, 1], [3, 3, 1, 1], 1, 1, 'same');
    const xT = Float32Array.from({ length: 16 }, (_, i) => i + 1);
    const dst = new Float32Array(9 * 16).fill(NaN);
    fillIm2col(dst, xT, info, 4, 4, 0, 9);
    expect(Array.from(dst.subarray(4 * 16, 5 * 16))).toEqual(Array.from(xT));
    // Tap (0, 0) reads x shifted down-right by one: first row and column are padding.
    expect(Array.from(dst.subarray(0, 16))).toEqual([0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11]);
    expect(() => fillIm2col(new Float32Array(10), xT, info, 4, 4, 0, 9)).toThrow(/fillIm2col: dst holds 10 floats/);
  });

  it('the measured rule: gemm at batch 1-2 from 8 output channels unless tiny, else conv', () => {
    expect(conv2DBackpropFilterPath(1, 128, 128 * 128 * 9 * 64 * 128)).toBe('gemm');
    expect(conv2DBackpropFilterPath(2, 16, 2 * 32 * 32 * 9 * 16 * 16)).toBe('gemm');
    expect(conv2DBackpropFilterPath(1, 8, 16 * 16 * 9 * 8 * 8)).toBe('conv');
    expect(conv2DBackpropFilterPath(4, 64, 4 * 32 * 32 * 16 * 32 * 64)).toBe('conv');
    expect(conv2DBackpropFilterPath(1, 3, 256 * 256 * 49 * 64 * 3)).toBe('conv');
    forceConv2DBackpropFilterPath('gemm');
    expect(conv2DBackpropFilterPath(16, 1, 1)).toBe('gemm');
  });

  it('setIm2colMaxFloats names the bad value', () => {
    expect(() => setIm2colMaxFloats(0)).toThrow(/setIm2colMaxFloats: floats must be >= 1, got 0/);
  });
});
