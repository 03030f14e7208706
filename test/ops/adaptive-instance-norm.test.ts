// adaptiveInstanceNorm against pytorch-AdaIN's calc_mean_std (unbiased) and the Torch/Lua
// original (biased, style std without epsilon), computed with torch: a style of another size,
// a style batch of 1, alpha blends, another epsilon; autograd gradients for content and style.
// Then the defining property (the output has the style's statistics) and argument errors.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { adaptiveInstanceNorm, type AdaptiveInstanceNormOptions } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff } from '../harness/compare';
import { loadOpFixture, runOpGoldens } from '../harness/op-conformance';

describeBackends('adaptiveInstanceNorm', () => {
  runOpGoldens({
    op: 'adaptiveInstanceNorm',
    cases: loadOpFixture('adain.json').cases,
    call: (i, c) =>
      adaptiveInstanceNorm(i.content as tf.Tensor4D, i.style as tf.Tensor4D, c.options as AdaptiveInstanceNormOptions),
    tolerance: 1e-5,
  });

  it('transfers the style statistics and alpha = 0 returns the content', async () => {
    const content = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 51) as tf.Tensor4D;
    const style = tf.randomNormal([1, 8, 8, 2], 3, 2, 'float32', 52) as tf.Tensor4D;
    const t = adaptiveInstanceNorm(content, style, { unbiased: false, epsilon: 0 });
    const mt = tf.moments(t, [1, 2]);
    const ms = tf.moments(style, [1, 2]);
    expect(await maxAbsDiff(mt.mean, Array.from(await ms.mean.data()))).toBeLessThan(1e-4);
    expect(await maxAbsDiff(mt.variance, Array.from(await ms.variance.data()))).toBeLessThan(1e-3);
    const same = adaptiveInstanceNorm(content, style, { alpha: 0 });
    expect(await maxAbsDiff(same, Array.from(await content.data()))).toBeLessThan(1e-6);
    tf.dispose([content, style, t, mt.mean, mt.variance, ms.mean, ms.variance, same]);
  });

  it('rejects bad options and inputs with Errors naming the argument', () => {
    const c = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    expect(() => adaptiveInstanceNorm(c, c, { alpha: 1.5 })).toThrow(
      /adaptiveInstanceNorm: alpha must be a number in \[0, 1\], got 1.5/,
    );
    expect(() => adaptiveInstanceNorm(c, c, { alpha: NaN })).toThrow(
      /adaptiveInstanceNorm: alpha must be a number in \[0, 1\], got NaN/,
    );
    expect(() => adaptiveInstanceNorm(c, c, { unbiased: 'no' as never })).toThrow(
      /adaptiveInstanceNorm: unbiased must be a boolean, got "no"/,
    );
    expect(() => adaptiveInstanceNorm(c, c, { epsilon: -1 })).toThrow(
      /adaptiveInstanceNorm: epsilon must be a finite number >= 0, got -1/,
    );
    const s4 = tf.zeros([2, 4, 4, 4]) as tf.Tensor4D;
    const s3b = tf.zeros([3, 4, 4, 3]) as tf.Tensor4D;
    const flat = tf.zeros([2, 4, 3]);
    const pixel = tf.zeros([2, 1, 1, 3]) as tf.Tensor4D;
    expect(() => adaptiveInstanceNorm(c, s4)).toThrow(
      /adaptiveInstanceNorm: content and style must have the same number of channels, got content \[2, 4, 4, 3\] and style \[2, 4, 4, 4\]/,
    );
    expect(() => adaptiveInstanceNorm(c, s3b)).toThrow(
      /adaptiveInstanceNorm: the style batch must equal the content batch \(or be 1\)/,
    );
    expect(() => adaptiveInstanceNorm(c, flat as never)).toThrow(
      /adaptiveInstanceNorm: expected a rank-4 NHWC style, got shape \[2, 4, 3\]/,
    );
    expect(() => adaptiveInstanceNorm(c, pixel)).toThrow(
      /adaptiveInstanceNorm: the unbiased variance needs at least 2 pixels per channel, got style shape \[2, 1, 1, 3\]/,
    );
    // The biased statistics are defined for a single pixel (std 0).
    const y = adaptiveInstanceNorm(c, pixel, { unbiased: false });
    expect(y.shape).toEqual([2, 4, 4, 3]);
    tf.dispose([c, s4, s3b, flat, pixel, y]);
  });
});
