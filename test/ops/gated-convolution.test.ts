// gatedConvolution against DeepFill's gen_conv written with torch (conv2d with TF 'SAME' padding
// spelled out, bias, activation(features) * sigmoid(gates)): strides, atrous dilation, 'valid',
// no bias and the raw (activation null) form, with autograd gradients for x, kernel and bias.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gatedConvolution, type GatedConvolutionOptions } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { expectOnlyOutputsRemain, loadOpFixture, runOpGoldens } from '../harness/op-conformance';

describeBackends('gatedConvolution', () => {
  runOpGoldens({
    op: 'gatedConvolution',
    cases: loadOpFixture('gated-conv2d.json').cases,
    call: (i, c) =>
      gatedConvolution(
        i.x as tf.Tensor4D,
        i.kernel as tf.Tensor4D,
        i.bias as tf.Tensor1D | null,
        c.options as GatedConvolutionOptions,
      ),
    tolerance: 1e-5,
  });

  it("defaults to stride 1, 'same', dilation 1 and elu", async () => {
    const x = tf.randomNormal([1, 5, 4, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
    const k = tf.randomNormal([3, 3, 2, 4], 0, 0.5, 'float32', 2) as tf.Tensor4D;
    const a = gatedConvolution(x, k, null);
    const b = gatedConvolution(x, k, null, {
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'elu',
    });
    expect(a.shape).toEqual([1, 5, 4, 2]);
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expectOnlyOutputsRemain(() => gatedConvolution(x, k, null, { dilationRate: [2, 2] }), 'atrous');
    tf.dispose([x, k, a, b]);
  });
});

describeBackends('gatedConvolution input validation', () => {
  it('rejects bad tensors, sizes and options before allocating anything', () => {
    const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    const k = tf.zeros([3, 3, 2, 4]) as tf.Tensor4D;
    const b = tf.zeros([4]) as tf.Tensor1D;
    const x3 = tf.zeros([4, 4, 2]);
    const k3in = tf.zeros([3, 3, 3, 4]) as tf.Tensor4D;
    const kOdd = tf.zeros([3, 3, 2, 5]) as tf.Tensor4D;
    const b3 = tf.zeros([3]) as tf.Tensor1D;
    const b2d = tf.zeros([2, 2]);
    const cases: [() => unknown, RegExp][] = [
      [() => gatedConvolution(null as never, k, b), /^gatedConvolution: x must be a tf\.Tensor, got null\.$/],
      [
        () => gatedConvolution(x3 as never, k, b),
        /gatedConvolution: x must be rank 4 \[n, h, w, in\], got shape \[4, 4, 2\]\./,
      ],
      [() => gatedConvolution(x, [1, 2] as never, b), /gatedConvolution: kernel must be a tf\.Tensor, got \[1,2\]\./],
      [
        () => gatedConvolution(x, k3in, b),
        /kernel must have 2 input channels \(x's last axis\) in axis 2, got shape \[3, 3, 3, 4\]/,
      ],
      [
        () => gatedConvolution(x, kOdd, null),
        /kernel must have an even number of output channels .* got shape \[3, 3, 2, 5\]/,
      ],
      [
        () => gatedConvolution(x, k, b3),
        /gatedConvolution: bias must have 4 values \(kernel's output channels\) in axis 0, got shape \[3\]/,
      ],
      [() => gatedConvolution(x, k, b2d as never), /gatedConvolution: bias must be rank 1 \[out\], got shape \[2, 2\]/],
      [
        () => gatedConvolution(x, k, b, null as never),
        /gatedConvolution: options must be an options object or undefined, got null\./,
      ],
      [
        () => gatedConvolution(x, k, b, { activation: 'gelu' as never }),
        /gatedConvolution: activation must be one of 'elu', .*'linear', null, got "gelu"\./,
      ],
      [
        () => gatedConvolution(x, k, b, { padding: 'full' as never }),
        /gatedConvolution: padding must be one of 'same', 'valid', got "full"\./,
      ],
      [
        () => gatedConvolution(x, k, b, { strides: [0, 1] }),
        /gatedConvolution: strides must be a positive integer or a pair of them, got \[0,1\]\./,
      ],
      [
        () => gatedConvolution(x, k, b, { dilationRate: [1.5, 1] }),
        /gatedConvolution: dilationRate must be a positive integer or a pair of them/,
      ],
    ];
    for (const [call, message] of cases) {
      const n = tf.memory().numTensors;
      expect(call).toThrow(message);
      expect(tf.memory().numTensors).toBe(n);
    }
    // The raw form (activation null) takes an odd number of output channels.
    const raw = gatedConvolution(x, kOdd, null, { activation: null });
    expect(raw.shape).toEqual([1, 4, 4, 5]);
    tf.dispose([x, k, b, x3, k3in, kOdd, b3, b2d, raw]);
  });
});
