// partialConvolution against NVIDIA's PartialConv2d forward written with torch (mask ratio and
// updated mask under no_grad): single- and multi-channel masks, strides, dilation, with and
// without bias; outputs, updated masks and autograd gradients for x, kernel and bias.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { partialConvolution, type PartialConvolutionOptions } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { loadOpFixture, runOpGoldens } from '../harness/op-conformance';

describeBackends('partialConvolution', () => {
  runOpGoldens({
    op: 'partialConvolution',
    cases: loadOpFixture('partial-conv2d.json').cases,
    call: (i, c) =>
      partialConvolution(
        i.x as tf.Tensor4D,
        i.mask as tf.Tensor4D,
        i.kernel as tf.Tensor4D,
        i.bias as tf.Tensor1D | null,
        c.options as PartialConvolutionOptions,
      ),
    // The updated mask is 0 or 1 exactly; outputs are O(1) sums of float32 products.
    tolerance: 1e-5,
  });

  it('without holes equals a zero-padded conv renormalised at the borders (corner ratio 9/4 for 3x3)', async () => {
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const k = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    const { output, updatedMask } = partialConvolution(x, tf.onesLike(x), k, null, { padding: [1, 1] });
    // Every window sums its valid ones (4 at a corner) and is rescaled to 9 valid pixels.
    expect(Array.from(await output.data()).every((v) => Math.abs(v - 9) < 1e-5)).toBe(true);
    expect(Array.from(await updatedMask.data()).every((v) => v === 1)).toBe(true);
    tf.dispose([x, k, output, updatedMask]);
  });

  it('a window without valid pixels gives 0 (bias included) and a 0 in the updated mask', async () => {
    const x = tf.randomNormal([1, 3, 3, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
    const mask = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
    const k = tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
    const bias = tf.tensor1d([0.5, -1]);
    const { output, updatedMask } = partialConvolution(x, mask, k, bias, { padding: [1, 1] });
    // (-0 where the bias is negative: (0 + b) * 0.)
    expect(Array.from(await output.data()).every((v) => v === 0)).toBe(true);
    expect(Array.from(await updatedMask.data()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, mask, k, bias, output, updatedMask]);
  });

  it('no gradient flows through the mask ratio: d/dmask is that of conv(x * mask) * ratio alone', async () => {
    // With a constant ratio (full mask, no padding) the output is conv(x * mask) * 1, so the mask
    // gradient equals x times the gradient of the conv input.
    const x = tf.randomNormal([1, 4, 4, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const k = tf.randomNormal([3, 3, 1, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const mask = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const viaOp = tf.grad((m: tf.Tensor) => tf.sum(partialConvolution(x, m as tf.Tensor4D, k, null).output))(mask);
    const viaConv = tf.grad((m: tf.Tensor) => tf.sum(tf.conv2d(tf.mul(x, m) as tf.Tensor4D, k, 1, 'valid')))(mask);
    expect(Array.from(await viaOp.data())).toEqual(Array.from(await viaConv.data()));
    tf.dispose([x, k, mask, viaOp, viaConv]);
  });

  it('rejects inconsistent shapes with Errors naming the argument', () => {
    const x = tf.zeros([1, 6, 6, 3]) as tf.Tensor4D;
    const k = tf.zeros([3, 3, 3, 2]) as tf.Tensor4D;
    const m5 = tf.ones([1, 5, 6, 1]) as tf.Tensor4D;
    const m2 = tf.ones([1, 6, 6, 2]) as tf.Tensor4D;
    const flat = tf.ones([6, 6, 1]);
    expect(() => partialConvolution(x, m5, k, null)).toThrow(
      /partialConvolution: mask \[1, 5, 6, 1\] must have the batch and spatial size of x \[1, 6, 6, 3\]/,
    );
    expect(() => partialConvolution(x, m2, k, null)).toThrow(
      /partialConvolution: mask must have 1 channel or the 3 channels of x, got 2/,
    );
    expect(() => partialConvolution(x, flat as never, k, null)).toThrow(
      /partialConvolution: x and mask must be rank 4 \(NHWC\)/,
    );
    tf.dispose([x, k, m5, m2, flat]);
  });
});
