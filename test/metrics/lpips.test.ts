// LPIPS parity with the upstream code (test/fixtures/metrics/generate_lpips.py, which documents
// the closed-form weights and images rebuilt here).
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import type { StateDict } from '../../src/io/state-dict';
import { lpips } from '../../src/metrics/lpips';
import { type LpipsNetwork, lpipsNetwork } from '../../src/metrics/lpips-network';
import { describeBackends } from '../harness/backends';

const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/metrics/lpips.json', import.meta.url), 'utf8')) as {
  cases: { n: number; h: number; w: number; lpips: number[]; lpipsNormalize: number[] }[];
};

/** [key, shape, fan-in] in the fixture script's order; lin weights have no fan-in. */
const ENTRIES: [string, number[], number | null][] = [
  ['features.0.weight', [64, 3, 11, 11], 363],
  ['features.0.bias', [64], 363],
  ['features.3.weight', [192, 64, 5, 5], 1600],
  ['features.3.bias', [192], 1600],
  ['features.6.weight', [384, 192, 3, 3], 1728],
  ['features.6.bias', [384], 1728],
  ['features.8.weight', [256, 384, 3, 3], 3456],
  ['features.8.bias', [256], 3456],
  ['features.10.weight', [256, 256, 3, 3], 2304],
  ['features.10.bias', [256], 2304],
  ...[64, 192, 384, 256, 256].map((c, l): [string, number[], null] => [`lin${l}.model.1.weight`, [1, c, 1, 1], null]),
];

function stateDict(): { features: StateDict; linear: StateDict } {
  const features: StateDict = new Map();
  const linear: StateDict = new Map();
  ENTRIES.forEach(([key, shape, fanIn], t) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const s = Math.sin(0.7 * i + 1.3 * t + 0.1);
      data[i] = fanIn === null ? 0.05 * (1 + s) : s / Math.sqrt(fanIn);
    }
    (fanIn === null ? linear : features).set(key, { dtype: 'float32', shape, data });
  });
  return { features, linear };
}

function images(n: number, h: number, w: number): [tf.Tensor4D, tf.Tensor4D] {
  const a = new Float32Array(n * h * w * 3);
  const b = new Float32Array(n * h * w * 3);
  for (let k = 0; k < n; k++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < 3; c++) {
          const i = ((k * h + y) * w + x) * 3 + c;
          const av = Math.fround(0.9 * Math.sin(0.05 * y * (c + 1) + 0.07 * x + k));
          a[i] = av;
          b[i] = Math.min(
            1,
            Math.max(
              -1,
              0.9 * Math.sin(0.05 * y * (c + 1) + 0.07 * x + k) + 0.3 * Math.cos(0.11 * y - 0.13 * x * (c + 1) + k),
            ),
          );
        }
  return [tf.tensor4d(a, [n, h, w, 3]), tf.tensor4d(b, [n, h, w, 3])];
}

function loadedNetwork(): LpipsNetwork {
  const net = lpipsNetwork({ seed: 1 });
  const sd = stateDict();
  // Strict: every trunk weight and every lin weight found, nothing left over.
  expect(loadTorchStateDict(net.features, sd.features).loaded).toHaveLength(10);
  expect(loadTorchStateDict(net.linear, sd.linear).loaded).toHaveLength(5);
  return net;
}

describeBackends('lpips', () => {
  it('is within 1e-4 of the upstream LPIPS (alex, v0.1) given the same weights, for [-1, 1] and [0, 1] inputs', () => {
    const net = loadedNetwork();
    for (const c of FIXTURE.cases) {
      const [a, b] = images(c.n, c.h, c.w);
      const before = tf.memory().numTensors;
      const d = lpips(a, b, net);
      expect(tf.memory().numTensors).toBe(before + 1);
      const got = d.dataSync();
      c.lpips.forEach((want, i) => expect(Math.abs(got[i]! - want)).toBeLessThan(1e-4));
      const a01 = tf.div(tf.add(a, 1), 2) as tf.Tensor4D;
      const b01 = tf.div(tf.add(b, 1), 2) as tf.Tensor4D;
      const got01 = lpips(a01, b01, net, { normalize: true }).dataSync();
      c.lpipsNormalize.forEach((want, i) => expect(Math.abs(got01[i]! - want)).toBeLessThan(1e-4));
      expect(lpips(a, a, net).dataSync()[0]).toBeCloseTo(0, 6);
      tf.dispose([a, b, a01, b01, d]);
    }
  });

  it('is differentiable, so it can serve as a loss', () => {
    const net = loadedNetwork();
    const [a, b] = images(1, 32, 32);
    const g = tf.grad((x: tf.Tensor) => tf.mean(lpips(x as tf.Tensor4D, b, net)))(a);
    const norm = tf.norm(g).dataSync()[0]!;
    expect(Number.isFinite(norm) && norm > 0).toBe(true);
  });

  it('rejects bad arguments before allocating', () => {
    const net = lpipsNetwork({ seed: 1 });
    const small = tf.zeros([1, 30, 40, 3]) as tf.Tensor4D;
    const gray = tf.zeros([1, 40, 40, 1]) as tf.Tensor4D;
    const ok = tf.zeros([1, 40, 40, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => lpips(small, small, net)).toThrow(
      /lpips: images must be at least 31×31 for the AlexNet trunk, got 30×40/,
    );
    expect(() => lpips(gray, gray, net)).toThrow(/lpips: a and b must be RGB images/);
    expect(() => lpips(ok, ok, {} as never)).toThrow(/lpips: network must be an LpipsNetwork/);
    expect(() => lpips(ok, ok, net, { normalize: 1 as never })).toThrow(/normalize must be a boolean/);
    expect(() => lpipsNetwork({ net: 'squeeze' as never })).toThrow(/lpipsNetwork: net must be one of 'alex'/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
