// The op-conformance helper itself, on tfjs ops with hand-computed goldens: it passes a right
// golden and fails a perturbed one, a leaking call, and a wrong gradient.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends } from './backends';
import {
  checkOpGolden,
  expectOnlyOutputsRemain,
  lossWeights,
  type OpFixtureCase,
  type OpGoldenSpec,
} from './op-conformance';

/** y = 2x for x = [1, -2, 3]; loss sum(y * w) has gradient 2w, w = lossWeights([3]). */
function doubling(perturb: { y?: number; grad?: number } = {}): OpFixtureCase {
  const w = [0, 1, 2].map((i) => 0.5 + ((i * 37) % 101) / 101);
  return {
    name: 'double',
    options: {},
    inputs: { x: { shape: [3], values: [1, -2, 3] } },
    outputs: { y: { shape: [3], values: [2, -4, 6 + (perturb.y ?? 0)] } },
    grads: { x: { shape: [3], values: w.map((v, i) => 2 * v + (i === 0 ? (perturb.grad ?? 0) : 0)) } },
  };
}

const spec = (call: OpGoldenSpec['call']): OpGoldenSpec => ({ op: 'double', cases: [], call, tolerance: 1e-6 });
const double = spec((i) => tf.mul(i.x!, 2));

describeBackends('op-conformance helper', () => {
  it('passes a right golden (outputs and gradients)', async () => {
    await checkOpGolden(double, doubling());
  });

  it('fails a perturbed output, a perturbed gradient, a wrong shape and a leaking call', async () => {
    await expect(checkOpGolden(double, doubling({ y: 1e-3 }))).rejects.toThrow(/double 'double' output y/);
    await expect(checkOpGolden(double, doubling({ grad: 1e-3 }))).rejects.toThrow(/gradient d\/dx/);
    await expect(
      checkOpGolden(
        spec((i) => tf.reshape(tf.mul(i.x!, 2), [3, 1])),
        doubling(),
      ),
    ).rejects.toThrow();
    const leaky = spec((i) => {
      tf.ones([1]); // left behind
      return tf.mul(i.x!, 2);
    });
    await expect(checkOpGolden(leaky, doubling())).rejects.toThrow(/tensors left besides the outputs/);
    expect(() => expectOnlyOutputsRemain(() => (tf.ones([2]), tf.zeros([2])))).toThrow(
      /tensors left besides the outputs/,
    );
    // The failed gradient check left its variables behind.
    tf.disposeVariables();
  });

  it('lossWeights follows the fixture formula', async () => {
    const w = lossWeights([2, 2]);
    expect(Array.from(await w.data())).toEqual([0.5, 0.5 + 37 / 101, 0.5 + 74 / 101, 0.5 + 10 / 101].map(Math.fround));
    w.dispose();
  });
});
