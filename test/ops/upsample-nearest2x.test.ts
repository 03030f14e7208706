// upsampleNearest2x against torch's F.interpolate(scale_factor=2, mode='nearest'), values and
// autograd gradients; rank errors.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { upsampleNearest2x } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { loadOpFixture, runOpGoldens } from '../harness/op-conformance';

describeBackends('upsampleNearest2x', () => {
  runOpGoldens({
    op: 'upsampleNearest2x',
    cases: loadOpFixture('upsample-nearest2x.json').cases,
    call: (i) => upsampleNearest2x(i.x as tf.Tensor4D),
    // Pixel repetition copies values; its gradient sums four weights per pixel.
    tolerance: 0,
    gradientTolerance: 1e-6,
  });

  it('rejects a tensor that is not rank 4', () => {
    const x = tf.zeros([2, 2, 1]);
    expect(() => upsampleNearest2x(x as never)).toThrow(
      /upsampleNearest2x: expected a rank-4 NHWC tensor, got shape \[2, 2, 1\]/,
    );
    x.dispose();
  });
});
