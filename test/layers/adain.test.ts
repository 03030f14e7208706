import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { AdaIN, adain } from '../../src/layers/adain';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff } from '../harness/compare';
import { expectFiniteDifferences } from '../harness/finite-differences';
import { runLayerConformance } from '../harness/layer-conformance';

interface AdaINCase {
  name: string;
  alpha: number;
  unbiased: boolean;
  epsilon: number;
  contentShape: number[];
  styleShape: number[];
  content: number[];
  style: number[];
  y: number[];
  r: number[];
  dContent: number[];
  dStyle: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/layers/adain.json', import.meta.url), 'utf8')) as {
  cases: AdaINCase[];
};

describeBackends('AdaIN', () => {
  runLayerConformance({
    make: () => adain(),
    inputShape: [
      [2, 4, 5, 3],
      [2, 3, 6, 3],
    ],
    expectedOutputShape: [2, 4, 5, 3],
    trainableWeights: 0,
  });
  runLayerConformance({
    make: () => adain({ alpha: 0.5, unbiased: false }),
    inputShape: [
      [2, 4, 4, 3],
      // model.predict slices every input by the same batch, so the style batch-1 broadcast is
      // covered by the golden cases instead.
      [2, 5, 5, 3],
    ],
    expectedOutputShape: [2, 4, 4, 3],
    trainableWeights: 0,
  });

  it('matches pytorch-AdaIN (default) and the Torch original (unbiased: false), max abs diff <= 1e-5', async () => {
    expect(fixture.cases.length).toBeGreaterThan(0);
    for (const c of fixture.cases) {
      const layer = new AdaIN({ alpha: c.alpha, unbiased: c.unbiased, epsilon: c.epsilon });
      const content = tf.tensor(c.content, c.contentShape);
      const style = tf.tensor(c.style, c.styleShape);
      const y = layer.apply([content, style]) as tf.Tensor;
      expect(y.shape, c.name).toEqual(c.contentShape);
      expect(await maxAbsDiff(y, c.y), c.name).toBeLessThanOrEqual(1e-5);
      tf.dispose([content, style, y]);
    }
  });

  it('gradients for content and style match torch (max abs diff <= 1e-4)', async () => {
    // Backward through two normalisations: float32 cancellation costs about one digit more than
    // the forward pass on values of order 1-10.
    for (const c of fixture.cases) {
      const layer = adain({ alpha: c.alpha, unbiased: c.unbiased, epsilon: c.epsilon });
      const content = tf.variable(tf.tensor(c.content, c.contentShape));
      const style = tf.variable(tf.tensor(c.style, c.styleShape));
      const r = tf.tensor(c.r, c.contentShape);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(layer.apply([content, style]) as tf.Tensor, r)) as tf.Scalar,
        [content, style],
      );
      expect(await maxAbsDiff(grads[content.name]!, c.dContent), `${c.name} dContent`).toBeLessThanOrEqual(1e-4);
      expect(await maxAbsDiff(grads[style.name]!, c.dStyle), `${c.name} dStyle`).toBeLessThanOrEqual(1e-4);
      tf.dispose([content, style, r, value, ...Object.values(grads)]);
    }
  });

  it('gradients match finite differences (content and style, both conventions)', async () => {
    // Central differences, h = 1e-2, 8 coordinates; zero-mean loss weights keep |L| small so
    // float32 rounding of L stays far below the checked gradients; relative tolerance 2e-2.
    for (const unbiased of [true, false]) {
      const layer = adain({ alpha: 0.7, unbiased });
      const content = tf.variable(tf.randomUniform([2, 3, 3, 2], -1, 1, 'float32', 41));
      const style = tf.variable(tf.randomUniform([2, 4, 2, 2], -2, 2, 'float32', 42));
      const r = tf.randomUniform([2, 3, 3, 2], -1, 1, 'float32', 43);
      const loss = (): tf.Scalar => tf.sum(tf.mul(tf.square(layer.apply([content, style]) as tf.Tensor), r));
      await expectFiniteDifferences(loss, [content, style], 2e-2, { samples: 8, h: 1e-2 }, `unbiased=${unbiased} `);
      tf.dispose([content, style, r]);
    }
  });

  it('alpha = 0 returns the content (the op test checks the style statistics)', async () => {
    const content = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 51);
    const style = tf.randomNormal([1, 8, 8, 2], 3, 2, 'float32', 52);
    const same = adain({ alpha: 0 }).apply([content, style]) as tf.Tensor;
    expect(await maxAbsDiff(same, Array.from(await content.data()))).toBeLessThan(1e-6);
    tf.dispose([content, style, same]);
  });

  it('works symbolically inside a two-input model', () => {
    const c = tfl.input({ shape: [8, 8, 4] });
    const s = tfl.input({ shape: [6, 10, 4] });
    const out = adain().apply([c, s]) as tfl.SymbolicTensor;
    expect(out.shape).toEqual([null, 8, 8, 4]);
    const model = tfl.model({ inputs: [c, s], outputs: out });
    const y = model.predict([tf.ones([2, 8, 8, 4]), tf.ones([2, 6, 10, 4])]) as tf.Tensor;
    expect(y.shape).toEqual([2, 8, 8, 4]);
    tf.dispose(y);
    model.dispose();
  });

  it('rejects bad arguments and inputs with clear errors', () => {
    expect(() => adain({ alpha: 1.5 })).toThrow(/AdaIN: alpha must be a number in \[0, 1\], got 1.5/);
    expect(() => adain({ unbiased: 'no' as never })).toThrow(/AdaIN: unbiased must be a boolean, got "no"/);
    expect(() => adain({ epsilon: -1 })).toThrow(/AdaIN: epsilon must be .* got -1/);
    const c = tf.zeros([2, 4, 4, 3]);
    const s4 = tf.zeros([2, 4, 4, 4]);
    const s3b = tf.zeros([3, 4, 4, 3]);
    expect(() => adain().apply([c, s4])).toThrow(
      /AdaIN: content and style must have the same number of channels, got content \[2, 4, 4, 3\] and style \[2, 4, 4, 4\]/,
    );
    expect(() => adain().apply([c, s3b])).toThrow(
      /AdaIN: the style batch must equal the content batch \(or be 1\), got content \[2, 4, 4, 3\] and style \[3, 4, 4, 3\]/,
    );
    expect(() => adain().apply(c)).toThrow(/AdaIN: expected two inputs \[content, style\]/);
    expect(() => adain().apply([tfl.input({ shape: [4, 4, 3] }), tfl.input({ shape: [4, 4, 5] })])).toThrow(
      /AdaIN: content and style must have the same number of channels, got content \[null, 4, 4, 3\] and style \[null, 4, 4, 5\]/,
    );
    const flat = tf.zeros([2, 4, 3]);
    expect(() => adain().apply([c, flat])).toThrow(/AdaIN: expected a rank-4 NHWC style, got shape \[2, 4, 3\]/);
    tf.dispose([c, s4, s3b, flat]);
  });
});
