import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { dilatedConv2d } from '../../src/ops';
import { DILATION_AWARE_FILTER_GRADIENTS } from '../../src/core/kernel-capabilities';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff } from '../harness/compare';
import { expectFiniteDifferences } from '../harness/finite-differences';
import { loadOpFixture, runOpGoldens } from '../harness/op-conformance';

type Padding = Parameters<typeof dilatedConv2d>[3];

describeBackends('dilatedConv2d', () => {
  // torch conv2d with TF 'SAME' / 'valid' / explicit padding spelled out as F.pad: dilations 2-4
  // (one anisotropic), an even kernel side, and dilation 1 with stride 2; autograd gradients for
  // x and the kernel (tf.conv2d has none for dilation > 1).
  runOpGoldens({
    op: 'dilatedConv2d',
    cases: loadOpFixture('dilated-conv2d.json').cases,
    call: (i, c) =>
      dilatedConv2d(
        i.x as tf.Tensor4D,
        i.kernel as tf.Tensor4D,
        c.options.strides as [number, number],
        c.options.padding as Padding,
        c.options.dilation as [number, number],
      ),
    tolerance: 1e-5,
  });

  it("equals tf.conv2d's forward for dilation 2..4, 'same' / 'valid', odd and even sizes", async () => {
    const cases: [number, number, number, 'same' | 'valid'][] = [
      [9, 8, 2, 'same'],
      [7, 10, 3, 'same'],
      [16, 16, 4, 'same'],
      [11, 9, 2, 'valid'],
      [12, 13, 3, 'valid'],
    ];
    for (const [h, w, d, padding] of cases) {
      const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', h);
      const k = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', w);
      const ours = dilatedConv2d(x as tf.Tensor4D, k as tf.Tensor4D, [1, 1], padding, [d, d]);
      const ref = tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, padding, 'NHWC', d);
      expect(await maxAbsDiff(ours, ref), `${h}x${w} d${d} ${padding}`).toBeLessThanOrEqual(1e-5);
      tf.dispose([x, k, ours, ref]);
    }
  });

  it('explicit padding equals tf.pad + tf.conv2d valid', async () => {
    const x = tf.randomNormal([1, 7, 6, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
    const k = tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
    const ours = dilatedConv2d(
      x,
      k,
      [1, 1],
      [
        [2, 2],
        [2, 2],
      ],
      [2, 2],
    );
    const ref = tf.conv2d(
      tf.pad(x, [
        [0, 0],
        [2, 2],
        [2, 2],
        [0, 0],
      ]),
      k,
      1,
      'valid',
      'NHWC',
      2,
    );
    expect(await maxAbsDiff(ours, ref)).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, k, ours, ref]);
  });

  it('is differentiable with dilation > 1 (central differences, h = 1e-2, rel tol 2e-2)', async () => {
    const x = tf.variable(tf.randomNormal([1, 9, 8, 2], 0, 1, 'float32', 3));
    const k = tf.variable(tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 4));
    const w = tf.randomUniform([1, 9, 8, 2], 0.5, 1.5, 'float32', 5);
    const loss = () =>
      tf.tidy(
        () => tf.sum(tf.mul(dilatedConv2d(x as tf.Tensor4D, k as tf.Tensor4D, [1, 1], 'same', [2, 2]), w)) as tf.Scalar,
      );
    await expectFiniteDifferences(loss, [x, k], 2e-2);
    tf.dispose([x, k, w]);
  });

  it("gives the same gradients by both filter-gradient routes (the backend's kernel with dilations, or the strided convolution)", async () => {
    const x = tf.randomNormal([2, 11, 9, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const k = tf.randomNormal([3, 2, 3, 4], 0, 1, 'float32', 7) as tf.Tensor4D;
    const w = tf.randomNormal([2, 11, 9, 4], 0, 1, 'float32', 8);
    const grads = () =>
      tf.grads((xv: tf.Tensor, kv: tf.Tensor) =>
        tf.sum(tf.mul(dilatedConv2d(xv as tf.Tensor4D, kv as tf.Tensor4D, [1, 1], 'same', [3, 2]), w)),
      )([x, k]);
    const kernel = tf.getKernel('Conv2DBackpropFilter', tf.getBackend());
    const aware = kernel != null && DILATION_AWARE_FILTER_GRADIENTS.has(kernel.kernelFunc);
    const byDefault = grads();
    if (aware) DILATION_AWARE_FILTER_GRADIENTS.delete(kernel.kernelFunc);
    let strided: tf.Tensor[];
    try {
      strided = grads();
    } finally {
      if (aware) DILATION_AWARE_FILTER_GRADIENTS.add(kernel.kernelFunc);
    }
    expect(await maxAbsDiff(byDefault[0]!, strided[0]!)).toBeLessThanOrEqual(1e-4);
    expect(await maxAbsDiff(byDefault[1]!, strided[1]!)).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, k, w, ...byDefault, ...strided]);
  });

  it('explicit padding wider than the dilated kernel (space-to-batch route) equals tf.pad + valid, with gradients', async () => {
    const x = tf.randomNormal([1, 7, 6, 2], 0, 1, 'float32', 9) as tf.Tensor4D;
    const k = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 10) as tf.Tensor4D;
    const pads: [[number, number], [number, number]] = [
      [6, 1],
      [0, 7],
    ];
    const wide = (xv: tf.Tensor, kv: tf.Tensor) =>
      dilatedConv2d(xv as tf.Tensor4D, kv as tf.Tensor4D, [1, 1], pads, [2, 3]);
    const padded = (xv: tf.Tensor, kv: tf.Tensor) =>
      dilatedConv2d(tf.pad(xv, [[0, 0], ...pads, [0, 0]]) as tf.Tensor4D, kv as tf.Tensor4D, [1, 1], 'valid', [2, 3]);
    const w = tf.randomNormal(wide(x, k).shape, 0, 1, 'float32', 11);
    const loss = (f: typeof wide) => (xv: tf.Tensor, kv: tf.Tensor) => tf.sum(tf.mul(f(xv, kv), w));
    const a = [wide(x, k), ...tf.grads(loss(wide))([x, k])];
    const b = [padded(x, k), ...tf.grads(loss(padded))([x, k])];
    for (let i = 0; i < 3; i++) expect(await maxAbsDiff(a[i]!, b[i]!)).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, k, w, ...a, ...b]);
  });

  it('rejects strides > 1 with dilation > 1', () => {
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    const k = tf.zeros([3, 3, 1, 1]) as tf.Tensor4D;
    expect(() => dilatedConv2d(x, k, [2, 2], 'same', [2, 2])).toThrow(/dilatedConv2d: strides \[2, 2\] must be 1/);
    tf.dispose([x, k]);
  });
});

describeBackends('dilatedConv2d input validation', () => {
  it('rejects bad ranks, channels, strides, dilation and padding before allocating anything', () => {
    const x = tf.zeros([1, 6, 6, 2]) as tf.Tensor4D;
    const k = tf.zeros([3, 3, 2, 1]) as tf.Tensor4D;
    const x3 = tf.zeros([6, 6, 2]);
    const k2 = tf.zeros([3, 3]);
    const kc = tf.zeros([3, 3, 4, 1]) as tf.Tensor4D;
    const cases: [() => unknown, RegExp][] = [
      [
        () => dilatedConv2d(x3 as never, k, [1, 1], 'same', [2, 2]),
        /dilatedConv2d: x must be rank 4 \[n, h, w, in\], got shape \[6, 6, 2\]\./,
      ],
      [
        () => dilatedConv2d(x, k2 as never, [1, 1], 'same', [1, 1]),
        /dilatedConv2d: kernel must be rank 4 \[kh, kw, in, out\], got shape \[3, 3\]\./,
      ],
      [
        () => dilatedConv2d(x, kc, [1, 1], 'same', [2, 2]),
        /dilatedConv2d: kernel must have 2 input channels \(x's last axis\) in axis 2, got shape \[3, 3, 4, 1\]\./,
      ],
      [
        () => dilatedConv2d('x' as never, k, [1, 1], 'same', [2, 2]),
        /dilatedConv2d: x must be a tf\.Tensor, got "x"\./,
      ],
      [
        () => dilatedConv2d(x, k, [1, 1], 'same', [0, 2]),
        /dilatedConv2d: dilation must be a positive integer or a pair of them, got \[0,2\]\./,
      ],
      [
        () => dilatedConv2d(x, k, [1, Number.NaN], 'same', [1, 1]),
        /dilatedConv2d: strides must be a positive integer or a pair of them, got \[1,NaN\]\./,
      ],
      [
        () => dilatedConv2d(x, k, [1, 1], 'full' as never, [2, 2]),
        /dilatedConv2d: padding must be 'same', 'valid' or \[\[top, bottom\], \[left, right\]\] of integers >= 0, got "full"\./,
      ],
      [
        () =>
          dilatedConv2d(
            x,
            k,
            [1, 1],
            [
              [1, -1],
              [0, 0],
            ],
            [1, 1],
          ),
        /dilatedConv2d: padding must be .*, got an array of length 2\./,
      ],
      [
        () => dilatedConv2d(x, k, [1, 1], [[1, 1]] as never, [2, 2]),
        /dilatedConv2d: padding must be .*, got an array of length 1\./,
      ],
    ];
    for (const [call, message] of cases) {
      const n = tf.memory().numTensors;
      expect(call).toThrow(message);
      expect(tf.memory().numTensors).toBe(n);
    }
    tf.dispose([x, k, x3, k2, kc]);
  });
});
