import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ContextualAttention, contextualAttention } from '../../src/layers/contextual-attention';
import { describeBackends } from '../harness/backends';
import { expectScaledClose, maxAbsDiff } from '../harness/compare';
import { expectFiniteDifferences } from '../harness/finite-differences';
import { runLayerConformance } from '../harness/layer-conformance';

interface CaCase {
  name: string;
  sameInput: boolean;
  fShape: number[];
  f: number[];
  b: number[];
  maskShape: number[];
  mask: number[];
  y: number[];
  gradF: number[];
  gradB: number[] | null;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/layers/contextual_attention.json', import.meta.url), 'utf8'),
) as { cases: CaCase[] };

/** The loss weights of the fixture script: 0.5 + ((37 i) mod 101) / 101 over the flat index. */
function lossWeights(shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: size }, (_, i) => 0.5 + ((i * 37) % 101) / 101),
    shape,
  );
}

function boxMask(n: number, h: number, w: number): tf.Tensor {
  return tf.tidy(() =>
    tf.pad(tf.ones([n, h / 2, w / 2, 1]), [
      [0, 0],
      [h / 4, h / 4],
      [w / 4, w / 4],
      [0, 0],
    ]),
  );
}

describeBackends('ContextualAttention', () => {
  runLayerConformance({
    make: () => contextualAttention(),
    inputShape: [
      [2, 16, 16, 3],
      [2, 16, 16, 3],
      [2, 16, 16, 1],
    ],
    expectedOutputShape: [2, 16, 16, 3],
    trainableWeights: 0,
    makeInputs: () => [
      tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 1),
      tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 2),
      // A 4x4 hole in the bottom-right corner leaves background patches without hole pixels.
      tf.pad(tf.ones([2, 4, 4, 1]), [
        [0, 0],
        [12, 0],
        [12, 0],
        [0, 0],
      ]),
    ],
    // The mask only selects background patches (an equality test): no gradient, as in DeepFill.
    nonDifferentiableInputs: [2],
  });

  it('matches the DeepFill reference (torch translation): output and gradients w.r.t. f and b', async () => {
    for (const c of fixture.cases) {
      const f = tf.variable(tf.tensor(c.f, c.fShape));
      const b = c.sameInput ? f : tf.variable(tf.tensor(c.b, c.fShape));
      const mask = tf.tensor(c.mask, c.maskShape);
      const layer = contextualAttention();
      const y = layer.apply([f, b, mask]) as tf.Tensor;
      expect(y.shape).toEqual(c.fShape);
      // Softmax scale 10 sharpens the attention; outputs are O(1): 1e-5 absolute holds.
      expect(await maxAbsDiff(y, c.y), `${c.name} y`).toBeLessThanOrEqual(1e-5);
      const lw = lossWeights(c.fShape);
      const vars = c.sameInput ? [f] : [f, b as tf.Variable];
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(layer.apply([f, b, mask]) as tf.Tensor, lw)) as tf.Scalar,
        vars,
      );
      const expected = c.sameInput ? [c.gradF] : [c.gradF, c.gradB!];
      for (let i = 0; i < vars.length; i++) {
        // The gradient passes through softmax(10 * scores) and sums over all patches that use a
        // pixel; float32 accumulation: compare with 1e-5 relative to the largest entry.
        await expectScaledClose(grads[vars[i]!.name]!, expected[i]!, 1e-5, `${c.name} grad ${i}`);
      }
      tf.dispose([value, ...Object.values(grads), y, lw, mask, f, ...(c.sameInput ? [] : [b])]);
      layer.dispose();
    }
  });

  it('attends to no background patch that touches the hole: an all-hole mask gives zeros', async () => {
    // mm = 0 for every patch, so the attention map (softmax * mm) and the pasted output vanish.
    const x = tf.randomUniform([1, 8, 8, 2], -1, 1, 'float32', 11);
    const mask = tf.ones([1, 8, 8, 1]);
    const y = contextualAttention().apply([x, x, mask]) as tf.Tensor;
    expect(await maxAbsDiff(y, new Array(y.size).fill(0))).toBe(0);
    // Without holes the output is a mix of background patches: non-zero.
    const noHole = tf.zeros([1, 8, 8, 1]);
    const y2 = contextualAttention().apply([x, x, noHole]) as tf.Tensor;
    expect(await maxAbsDiff(y2, new Array(y2.size).fill(0))).toBeGreaterThan(0.1);
    tf.dispose([x, mask, y, noHole, y2]);
  });

  it('gradients match central finite differences (softmaxScale 1 keeps float32 differences well conditioned)', async () => {
    // With the default scale 10 the softmax is sharp and float32 central differences are noisy;
    // the golden test above already checks the gradients at scale 10 against PyTorch autograd.
    const layer = contextualAttention({ softmaxScale: 1 });
    const f = tf.variable(tf.randomNormal([1, 16, 16, 2], 0, 1, 'float32', 21));
    const b = tf.variable(tf.randomNormal([1, 16, 16, 2], 0, 1, 'float32', 22));
    const mask = boxMask(1, 16, 16); // an 8x8 central hole; the border patches stay valid
    const w = tf.randomUniform([1, 16, 16, 2], 0.5, 1.5, 'float32', 23);
    const loss = () => tf.tidy(() => tf.sum(tf.mul(layer.apply([f, b, mask]) as tf.Tensor, w)) as tf.Scalar);
    const results = await expectFiniteDifferences(loss, [f, b], 2e-2, { samples: 8, h: 1e-2 });
    for (const [i, r] of results.entries()) {
      const name = [f, b][i]!.name;
      expect(Math.max(...r.analytic.map(Math.abs)), `${name}: some sampled gradient is non-zero`).toBeGreaterThan(1e-3);
    }
    tf.dispose([f, b, mask, w]);
  });

  it('rejects bad arguments and inputs with clear errors', () => {
    expect(() => contextualAttention({ kernelSize: 4 })).toThrow(
      /ContextualAttention: kernelSize must be a positive odd integer, got 4/,
    );
    expect(() => contextualAttention({ rate: 0 })).toThrow(
      /ContextualAttention: rate must be a positive integer, got 0/,
    );
    expect(() => new ContextualAttention({ softmaxScale: -1 })).toThrow(
      /ContextualAttention: softmaxScale must be positive, got -1/,
    );
    const layer = contextualAttention();
    const x = tf.zeros([1, 8, 8, 2]);
    const badMask = tf.zeros([1, 6, 8, 1]);
    expect(() => layer.apply([x, x, badMask])).toThrow(
      /ContextualAttention: mask must be \[1 or 1, 8, 8, 1\].*got \[1, 6, 8, 1\]/,
    );
    const odd = tf.zeros([1, 7, 8, 2]);
    const oddMask = tf.zeros([1, 7, 8, 1]);
    expect(() => contextualAttention().apply([odd, odd, oddMask])).toThrow(
      /ContextualAttention: f height 7 must be a multiple of rate 2/,
    );
    expect(() => contextualAttention().apply([x, x])).toThrow(/ContextualAttention: expected three inputs/);
    tf.dispose([x, badMask, odd, oddMask]);
  });
});
