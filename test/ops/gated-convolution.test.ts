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
