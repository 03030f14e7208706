// instanceNorm against torch's F.instance_norm (= nn.InstanceNorm2d, track_running_stats False):
// affine, no affine, gamma only with another epsilon; autograd gradients for x, gamma, beta;
// argument errors.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { instanceNorm } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { loadOpFixture, runOpGoldens } from '../harness/op-conformance';

describeBackends('instanceNorm', () => {
  runOpGoldens({
    op: 'instanceNorm',
    cases: loadOpFixture('instance-norm.json').cases,
    call: (i, c) =>
      instanceNorm(i.x as tf.Tensor4D, {
        gamma: (i.gamma ?? null) as tf.Tensor1D | null,
        beta: (i.beta ?? null) as tf.Tensor1D | null,
        epsilon: c.options.epsilon as number,
      }),
    tolerance: 1e-5,
  });

  it('rejects bad inputs and options with Errors naming the argument', () => {
    const x3 = tf.zeros([2, 4, 3]);
    expect(() => instanceNorm(x3 as never)).toThrow(
      /instanceNorm: expected a rank-4 NHWC input, got shape \[2, 4, 3\]/,
    );
    const x = tf.zeros([1, 2, 2, 3]);
    const g = tf.ones([4]);
    expect(() => instanceNorm(x as tf.Tensor4D, { gamma: g as tf.Tensor1D })).toThrow(
      /instanceNorm: gamma must have shape \[3\], got \[4\]/,
    );
    expect(() => instanceNorm(x as tf.Tensor4D, { beta: g as tf.Tensor1D })).toThrow(
      /instanceNorm: beta must have shape \[3\], got \[4\]/,
    );
    for (const epsilon of [-1, NaN, Infinity]) {
      expect(() => instanceNorm(x as tf.Tensor4D, { epsilon })).toThrow(
        /instanceNorm: epsilon must be a finite number >= 0/,
      );
    }
    tf.dispose([x3, x, g]);
  });
});
