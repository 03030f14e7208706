import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBothBackends, onBackend, onBothBackends, relativeError, seeded } from './compare-backends';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  mult: number;
  stride: number;
  pad: Pad;
  dilation?: number;
}

const CASES: Case[] = [
  { x: [1, 8, 8, 3], k: [3, 3], mult: 1, stride: 1, pad: 'same' },
  { x: [2, 7, 9, 2], k: [3, 2], mult: 2, stride: 2, pad: 'valid' },
  { x: [1, 10, 7, 4], k: [4, 4], mult: 1, stride: 3, pad: 1 },
  {
    x: [2, 9, 10, 1],
    k: [2, 3],
    mult: 3,
    stride: 2,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { x: [2, 8, 7, 2], k: [3, 3], mult: 2, stride: 2, pad: 'same' },
];
const TOLERANCE = 1e-4;

describe('depthwise conv gradients on wasm equal cpu', () => {
  beforeAll(initBothBackends);

  it.each(CASES)('tf.grads of depthwiseConv2d, $x $k x$mult stride $stride pad $pad', async (c) => {
    const { cpu, wasm } = await onBothBackends(() => {
      const x = seeded(c.x, 11) as tf.Tensor4D;
      const w = seeded([...c.k, c.x[3], c.mult], 12) as tf.Tensor4D;
      const loss = (a: tf.Tensor, f: tf.Tensor) => {
        const y = tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad);
        return tf.sum(tf.mul(y, seeded(y.shape, 13)));
      };
      return tf.grads(loss)([x, w]);
    });
    expect(relativeError(wasm[0]!, cpu[0]!), 'dx').toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(wasm[1]!, cpu[1]!), 'dW').toBeLessThanOrEqual(TOLERANCE);
  });

  it('tf.grads of separableConv2d', async () => {
    const { cpu, wasm } = await onBothBackends(() => {
      const x = seeded([2, 9, 8, 3], 14) as tf.Tensor4D;
      const dw = seeded([3, 3, 3, 2], 15) as tf.Tensor4D;
      const pw = seeded([1, 1, 6, 4], 16) as tf.Tensor4D;
      const loss = (a: tf.Tensor, f: tf.Tensor, g: tf.Tensor) =>
        tf.sum(tf.square(tf.separableConv2d(a as tf.Tensor4D, f as tf.Tensor4D, g as tf.Tensor4D, 2, 'same')));
      return tf.grads(loss)([x, dw, pw]);
    });
    for (let i = 0; i < 3; i++) expect(relativeError(wasm[i]!, cpu[i]!), `grad ${i}`).toBeLessThanOrEqual(TOLERANCE);
  });

  // tfjs-core's depthwise gradient rejects dilation > 1, so the kernels are run directly. The
  // cpu kernels are no reference here: tfjs-backend-cpu 4.22's DepthwiseConv2dNativeBackpropFilter
  // ignores `dilations`. A dilated filter is a dense filter of the effective size with zeros
  // between taps, so the reference runs the cpu kernels undilated on that dense filter: dx
  // directly, dW sampled every d-th tap.
  it.each([
    { x: [1, 9, 9, 2], k: [3, 3], mult: 2, stride: 1, pad: 'same', dilation: 2 },
    { x: [2, 11, 10, 3], k: [3, 2], mult: 1, stride: 1, pad: 'valid', dilation: 2 },
    {
      x: [1, 10, 12, 1],
      k: [2, 3],
      mult: 3,
      stride: 1,
      pad: [
        [0, 0],
        [2, 1],
        [1, 3],
        [0, 0],
      ],
      dilation: 2,
    },
  ] as Case[])('both kernels with dilation 2, $x $k x$mult pad $pad', async (c) => {
    const d = c.dilation!;
    const [kh, kw] = c.k;
    const filterShape: [number, number, number, number] = [kh, kw, c.x[3], c.mult];
    const dense: [number, number, number, number] = [(kh - 1) * d + 1, (kw - 1) * d + 1, c.x[3], c.mult];
    const info = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.stride, d, c.pad, undefined, true);
    const inputs = () => ({ x: seeded(c.x, 18), dy: seeded(info.outShape, 17), filter: seeded(filterShape, 19) });
    const [dW, dx] = await onBackend('wasm', () => {
      const { x, dy, filter } = inputs();
      const attrs = { strides: c.stride, pad: c.pad, dilations: d };
      return [
        tf
          .engine()
          .runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape } as never) as tf.Tensor,
        tf
          .engine()
          .runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, {
            ...attrs,
            inputShape: c.x,
          } as never) as tf.Tensor,
      ];
    });
    const [refW, refX] = await onBackend('cpu', () => {
      const { x, dy, filter } = inputs();
      const attrs = { strides: c.stride, pad: c.pad, dilations: 1 };
      // Zeros between taps: [KH, 1, KW, 1, C, M] padded to [KH, d, KW, d, C, M], cropped to `dense`.
      const spread = tf.pad(tf.reshape(filter, [kh, 1, kw, 1, c.x[3], c.mult]), [
        [0, 0],
        [0, d - 1],
        [0, 0],
        [0, d - 1],
        [0, 0],
        [0, 0],
      ]);
      const denseFilter = tf.slice(tf.reshape(spread, [kh * d, kw * d, c.x[3], c.mult]), [0, 0, 0, 0], dense);
      const full = tf
        .engine()
        .runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, {
          ...attrs,
          filterShape: dense,
        } as never) as tf.Tensor4D;
      return [
        tf.stridedSlice(full, [0, 0, 0, 0], dense, [d, d, 1, 1]),
        tf
          .engine()
          .runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: denseFilter }, {
            ...attrs,
            inputShape: c.x,
          } as never) as tf.Tensor,
      ];
    });
    expect(relativeError(dW!, refW!), 'dW').toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(dx!, refX!), 'dx').toBeLessThanOrEqual(TOLERANCE);
  });

  it('names the kernel and both shapes when dy does not fit', async () => {
    await tf.setBackend('wasm');
    expect(() =>
      tf
        .engine()
        .runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.ones([1, 4, 4, 2]), dy: tf.ones([1, 3, 3, 2]) }, {
          strides: 1,
          pad: 'same',
          dilations: 1,
          filterShape: [3, 3, 2, 1],
        } as never),
    ).toThrow(/DepthwiseConv2dNativeBackpropFilter \(wasm\): dy has shape \[1,3,3,2\], expected \[1,4,4,2\]/);
  });
});
