// contextualPatchAttention. Golden: DeepFill's inpaint_ops.contextual_attention translated to torch
// ops (test/fixtures/layers/generate_contextual_attention.py, the ContextualAttention layer's
// fixture, read here as op cases): outputs and autograd gradients for f and b at DeepFill's
// defaults. The other options are checked by defining properties: with fuse off and a sharp
// softmax every position attends to its own patch, so the paste rebuilds the input; an all-hole
// mask attends to nothing; a per-item mask batch equals per-item calls. Then argument errors.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { contextualPatchAttention } from '../../src/ops';
import { describeBackends } from '../harness/backends';
import { maxAbsDiff } from '../harness/compare';
import {
  expectOnlyOutputsRemain,
  logError,
  runOpGoldens,
  type FixtureTensor,
  type OpFixtureCase,
} from '../harness/op-conformance';

/** A case of the layer fixture: flat NHWC values, shaped by fShape (mask: maskShape). */
type LayerFixtureCase = Record<'f' | 'b' | 'mask' | 'y' | 'gradF', number[]> &
  Record<'fShape' | 'maskShape', number[]> & { name: string; sameInput: boolean; gradB: number[] | null };

/** The layer fixture's cases as op cases (same loss weights: 0.5 + ((37 i) mod 101) / 101). */
function layerFixtureAsOpCases(): OpFixtureCase[] {
  const raw = JSON.parse(
    readFileSync(new URL('../fixtures/layers/contextual_attention.json', import.meta.url), 'utf8'),
  ) as { cases: LayerFixtureCase[] };
  return raw.cases.map((c) => {
    const t = (values: number[], shape = c.fShape): FixtureTensor => ({ shape, values });
    return {
      name: c.name,
      options: {},
      inputs: { f: t(c.f), ...(c.sameInput ? {} : { b: t(c.b) }), mask: t(c.mask, c.maskShape) },
      outputs: { y: t(c.y) },
      grads: { f: t(c.gradF), ...(c.sameInput ? {} : { b: t(c.gradB!) }) },
    };
  });
}

describeBackends('contextualPatchAttention', () => {
  runOpGoldens({
    op: 'contextualPatchAttention',
    cases: layerFixtureAsOpCases(),
    call: (i) => contextualPatchAttention(i.f as tf.Tensor4D, (i.b ?? i.f) as tf.Tensor4D, i.mask as tf.Tensor4D),
    // Softmax scale 10 sharpens the attention; outputs are O(1). Gradients sum over every patch
    // that uses a pixel: 1e-5 relative to the largest entry.
    tolerance: 1e-5,
  });

  it('with fuse off and a sharp softmax, f = b and no hole, rebuilds the input (edges at half weight)', async () => {
    // Normalised matching scores p.q / |q| peak at q = p (Cauchy-Schwarz), so softmax(1000 *
    // scores) picks each position's own patch; the 4x4 raw patches (stride 2) pasted back and
    // divided by 4 give every pixel back, except the outer rows and columns, covered by 2 of
    // the 4 patches (1 at the corners).
    for (const [h, w, c] of [
      [8, 8, 3],
      [12, 10, 4],
    ] as const) {
      const x = tf.randomNormal([1, h, w, c], 0, 1, 'float32', h + w) as tf.Tensor4D;
      const noHole = tf.zeros([1, h, w, 1]) as tf.Tensor4D;
      const y = contextualPatchAttention(x, x, noHole, { fuse: false, softmaxScale: 1000 });
      const edge = (n: number) => [0.5, ...new Array(n - 2).fill(1), 0.5];
      const weight = tf.tidy(() => tf.reshape(tf.outerProduct(edge(h), edge(w)), [1, h, w, 1]));
      const expected = tf.mul(x, weight);
      const err = await maxAbsDiff(y, expected);
      logError('contextualPatchAttention', `self ${h}x${w}x${c}`, 'rebuild', err);
      expect(err, `${h}x${w}x${c}`).toBeLessThan(1e-4);
      tf.dispose([x, noHole, y, weight, expected]);
    }
  });

  it('attends to no background patch that touches the hole: an all-hole mask gives zeros', async () => {
    const x = tf.randomUniform([1, 8, 8, 2], -1, 1, 'float32', 11) as tf.Tensor4D;
    const allHole = tf.ones([1, 8, 8, 1]) as tf.Tensor4D;
    const y = contextualPatchAttention(x, x, allHole, { kernelSize: 5, fuseK: 1 });
    expect(Array.from(await y.data()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, allHole, y]);
  });

  it('a per-item mask batch equals calls item by item; b may differ in size from f', async () => {
    const f = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const b = tf.randomNormal([2, 12, 16, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    // Item 0: a 6x8 hole at rows 3..8, columns 4..11; item 1: no hole.
    const hole = (k: number) =>
      Number(k < 192 && Math.floor(k / 16) >= 3 && Math.floor(k / 16) < 9 && k % 16 >= 4 && k % 16 < 12);
    const masks = tf.tensor4d(
      Float32Array.from({ length: 2 * 12 * 16 }, (_, k) => hole(k)),
      [2, 12, 16, 1],
    );
    const options = { softmaxScale: 5, kernelSize: 3, fuseK: 5 };
    const both = contextualPatchAttention(f, b, masks, options);
    expect(both.shape).toEqual([2, 8, 8, 3]);
    for (const i of [0, 1]) {
      const item = (t: tf.Tensor4D) => tf.slice(t, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
      const [fi, bi, mi, yi] = [item(f), item(b), item(masks), item(both)];
      const single = contextualPatchAttention(fi, bi, mi, options);
      expect(await maxAbsDiff(yi, single), `item ${i}`).toBeLessThanOrEqual(1e-6);
      tf.dispose([fi, bi, mi, yi, single]);
    }
    expectOnlyOutputsRemain(() => contextualPatchAttention(f, b, masks, options), 'per-item masks');
    tf.dispose([f, b, masks, both]);
  });

  it('rejects bad options and inputs with Errors naming the argument', () => {
    const x = tf.zeros([1, 8, 8, 2]) as tf.Tensor4D;
    const m = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    expect(() => contextualPatchAttention(x, x, m, { kernelSize: 4 })).toThrow(
      /contextualPatchAttention: kernelSize must be a positive odd integer, got 4/,
    );
    expect(() => contextualPatchAttention(x, x, m, { fuseK: 0 })).toThrow(
      /contextualPatchAttention: fuseK must be a positive odd integer, got 0/,
    );
    expect(() => contextualPatchAttention(x, x, m, { rate: 1.5 })).toThrow(
      /contextualPatchAttention: rate must be a positive integer, got 1.5/,
    );
    expect(() => contextualPatchAttention(x, x, m, { softmaxScale: NaN })).toThrow(
      /contextualPatchAttention: softmaxScale must be positive, got NaN/,
    );
    const badMask = tf.zeros([1, 6, 8, 1]) as tf.Tensor4D;
    expect(() => contextualPatchAttention(x, x, badMask)).toThrow(
      /contextualPatchAttention: mask must be \[1 or 1, 8, 8, 1\].*got \[1, 6, 8, 1\]/,
    );
    const odd = tf.zeros([1, 7, 8, 2]) as tf.Tensor4D;
    const oddMask = tf.zeros([1, 7, 8, 1]) as tf.Tensor4D;
    expect(() => contextualPatchAttention(odd, odd, oddMask)).toThrow(
      /contextualPatchAttention: f height 7 must be a multiple of rate 2/,
    );
    const b3 = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    expect(() => contextualPatchAttention(x, b3, m)).toThrow(
      /contextualPatchAttention: b \[1, 8, 8, 3\] must have the batch size and channels of f \[1, 8, 8, 2\]/,
    );
    const flat = tf.zeros([8, 8, 2]);
    expect(() => contextualPatchAttention(flat as never, x, m)).toThrow(
      /contextualPatchAttention: f, b and mask must be rank 4 \(NHWC\)/,
    );
    tf.dispose([x, m, badMask, odd, oddMask, b3, flat]);
  });
});
