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

type Fixture = { cases: { n: number; h: number; w: number; lpips: number[]; lpipsNormalize: number[] }[] };
const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/metrics/lpips.json', import.meta.url), 'utf8')) as Fixture;
// generate_lpips_vgg.py: LPIPS(net='vgg') with its own closed-form weights (rebuilt in vggStateDict).
const VGG_FIXTURE = JSON.parse(
  readFileSync(new URL('../fixtures/metrics/lpips_vgg.json', import.meta.url), 'utf8'),
) as Fixture;

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

/** VGG16's 13 convolutions up to relu5_3: [torchvision index, in channels, out channels]. */
const VGG_CONVS: [number, number, number][] = [
  [0, 3, 64],
  [2, 64, 64],
  [5, 64, 128],
  [7, 128, 128],
  [10, 128, 256],
  [12, 256, 256],
  [14, 256, 256],
  [17, 256, 512],
  [19, 512, 512],
  [21, 512, 512],
  [24, 512, 512],
  [26, 512, 512],
  [28, 512, 512],
];

/** The weights of generate_lpips_vgg.py: entry t, element i, phase fmod(0.7 i i, 6.283) + 1.3 t + 0.1. */
let vggWeights: { features: StateDict; linear: StateDict } | undefined;
function vggStateDict(): { features: StateDict; linear: StateDict } {
  // Built once for both backends (14.7 M sines).
  if (vggWeights) return vggWeights;
  const features: StateDict = new Map();
  const linear: StateDict = new Map();
  const entries: [StateDict, string, number[], (s: number) => number][] = [];
  for (const [index, cin, cout] of VGG_CONVS) {
    const fanIn = cin * 9;
    entries.push([features, `features.${index}.weight`, [cout, cin, 3, 3], (s) => (2 * s) / Math.sqrt(fanIn)]);
    entries.push([features, `features.${index}.bias`, [cout], (s) => 0.1 * s]);
  }
  [64, 128, 256, 512, 512].forEach((c, l) =>
    entries.push([linear, `lin${l}.model.1.weight`, [1, c, 1, 1], (s) => 1 + s]),
  );
  entries.forEach(([sd, key, shape, value], t) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = value(Math.sin(((0.7 * i * i) % 6.283) + 1.3 * t + 0.1));
    sd.set(key, { dtype: 'float32', shape, data });
  });
  vggWeights = { features, linear };
  return vggWeights;
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

function checkAgainst(fixture: Fixture, net: LpipsNetwork, selfDistance: boolean): void {
  for (const c of fixture.cases) {
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
    if (selfDistance) expect(lpips(a, a, net).dataSync()[0]).toBeCloseTo(0, 6);
    tf.dispose([a, b, a01, b01, d]);
  }
}

describeBackends('lpips', () => {
  it('is within 1e-4 of the upstream LPIPS (alex, v0.1) given the same weights, for [-1, 1] and [0, 1] inputs', () => {
    checkAgainst(FIXTURE, loadedNetwork(), true);
  });

  it('is within 1e-4 of the upstream LPIPS (vgg, v0.1) given the same weights, for [-1, 1] and [0, 1] inputs', () => {
    const net = lpipsNetwork({ net: 'vgg', seed: 1 });
    expect(net.channels).toEqual([64, 128, 256, 512, 512]);
    const sd = vggStateDict();
    // Strict: the 13 convolutions and 5 heads, nothing left over (loadTorchStateDict throws otherwise).
    expect(loadTorchStateDict(net.features, sd.features).loaded).toHaveLength(26);
    expect(loadTorchStateDict(net.linear, sd.linear).loaded).toHaveLength(5);
    checkAgainst(VGG_FIXTURE, net, false); // the AlexNet case checks d(a, a) = 0
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
    const vgg = lpipsNetwork({ net: 'vgg', seed: 1 });
    const tiny = tf.zeros([1, 15, 40, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => lpips(small, small, net)).toThrow(
      /lpips: images must be at least 31×31 for the AlexNet trunk, got 30×40/,
    );
    expect(() => lpips(gray, gray, net)).toThrow(/lpips: a and b must be RGB images/);
    expect(() => lpips(ok, ok, {} as never)).toThrow(/lpips: network must be an LpipsNetwork/);
    expect(() => lpips(ok, ok, net, { normalize: 1 as never })).toThrow(/normalize must be a boolean/);
    expect(() => lpipsNetwork({ net: 'squeeze' as never })).toThrow(/lpipsNetwork: net must be one of 'alex', 'vgg'/);
    expect(() => lpips(tiny, tiny, vgg)).toThrow(/lpips: images must be at least 16×16 for the VGG16 trunk, got 15×40/);
    expect(() => lpips(ok, ok, { ...vgg, net: 'squeeze' } as never)).toThrow(/lpips: network must be an LpipsNetwork/);
    expect(tf.memory().numTensors).toBe(before);
    tiny.dispose();
  });
});
