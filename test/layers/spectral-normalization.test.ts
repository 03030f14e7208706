import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { gatedConv2d } from '../../src/layers/gated-conv2d';
import { SpectralNormalization, spectralNormalization } from '../../src/layers/spectral-normalization';
import { describeBackends } from '../harness/backends';
import { expectScaledClose, maxAbsDiff } from '../harness/compare';
import { expectFiniteDifferences, trainableVariables } from '../harness/finite-differences';
import { runLayerConformance } from '../harness/layer-conformance';

interface SnCase {
  name: string;
  powerIterations: number;
  xShape: number[];
  x: number[];
  kernelShape: number[];
  kernel: number[];
  bias: number[];
  u0: number[];
  v0: number[];
  yShape: number[];
  lossWeights: number[];
  kernelGrad: number[];
  steps: { y: number[]; u: number[]; v: number[] }[];
  yEval: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/layers/spectral_normalization.json', import.meta.url), 'utf8'),
) as { cases: SnCase[] };

const inner: Record<string, () => tfl.layers.Layer> = {
  conv2d: () => tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }),
  conv2d_transpose: () => tfl.layers.conv2dTranspose({ filters: 3, kernelSize: 4, strides: 2, padding: 'same' }),
  dense: () => tfl.layers.dense({ units: 3 }),
  gated_conv2d: () => gatedConv2d({ filters: 2, kernelSize: 3 }),
};

describeBackends('SpectralNormalization', () => {
  runLayerConformance({
    make: () => spectralNormalization({ layer: tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }) }),
    inputShape: [2, 5, 5, 2],
    expectedOutputShape: [2, 5, 5, 3],
    trainableWeights: 2,
    nonTrainableWeights: 2,
    trainingInGradientCheck: true,
  });

  runLayerConformance({
    make: () => spectralNormalization({ layer: gatedConv2d({ filters: 2, kernelSize: 3 }), powerIterations: 2 }),
    inputShape: [1, 4, 4, 3],
    expectedOutputShape: [1, 4, 4, 2],
    trainableWeights: 2,
    nonTrainableWeights: 2,
  });

  it('matches torch.nn.utils.spectral_norm: outputs, u, v over 3 training calls, kernel gradient, eval (<= 1e-5)', async () => {
    for (const c of fixture.cases) {
      const layer = spectralNormalization({ layer: inner[c.name]!(), powerIterations: c.powerIterations });
      const x = tf.tensor(c.x, c.xShape);
      tf.dispose(layer.apply(x) as tf.Tensor); // build (inference: u, v untouched)
      const start = [tf.tensor(c.kernel, c.kernelShape), tf.tensor1d(c.bias), tf.tensor1d(c.u0), tf.tensor1d(c.v0)];
      layer.setWeights(start);
      expect(layer.nonTrainableWeights.map((w) => w.shape)).toEqual([[c.u0.length], [c.v0.length]]);
      const lossW = tf.tensor(c.lossWeights, c.yShape);
      const kernelVar = layer.trainableWeights[0]!.read() as tf.Variable;
      let y1: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const y = layer.apply(x, { training: true }) as tf.Tensor;
        y1 = tf.keep(tf.clone(y));
        return tf.sum(tf.mul(y, lossW)) as tf.Scalar;
      }, [kernelVar]);
      expect(await maxAbsDiff(y1!, c.steps[0]!.y), `${c.name} step 1 y`).toBeLessThanOrEqual(1e-5);
      // The kernel gradient sums N*H*W*C float32 products and reaches |g| ~ 50, where one float32
      // ulp is ~4e-6: compare with 1e-5 relative to the largest entry instead of absolutely.
      await expectScaledClose(grads[kernelVar.name]!, c.kernelGrad, 1e-5, `${c.name} kernel grad`);
      tf.dispose([value, y1!, ...Object.values(grads)]);
      const [u, v] = layer.nonTrainableWeights.map((w) => w.read());
      expect(await maxAbsDiff(u!, c.steps[0]!.u), `${c.name} step 1 u`).toBeLessThanOrEqual(1e-5);
      expect(await maxAbsDiff(v!, c.steps[0]!.v), `${c.name} step 1 v`).toBeLessThanOrEqual(1e-5);
      for (let k = 1; k < c.steps.length; k++) {
        const y = layer.apply(x, { training: true }) as tf.Tensor;
        const [uk, vk] = layer.nonTrainableWeights.map((w) => w.read());
        expect(await maxAbsDiff(y, c.steps[k]!.y), `${c.name} step ${k + 1} y`).toBeLessThanOrEqual(1e-5);
        expect(await maxAbsDiff(uk!, c.steps[k]!.u), `${c.name} step ${k + 1} u`).toBeLessThanOrEqual(1e-5);
        expect(await maxAbsDiff(vk!, c.steps[k]!.v), `${c.name} step ${k + 1} v`).toBeLessThanOrEqual(1e-5);
        y.dispose();
      }
      // Inference: no iteration, u and v unchanged.
      const last = c.steps[c.steps.length - 1]!;
      const yEval = layer.apply(x) as tf.Tensor;
      const [ue, ve] = layer.nonTrainableWeights.map((w) => w.read());
      expect(await maxAbsDiff(yEval, c.yEval), `${c.name} eval y`).toBeLessThanOrEqual(1e-5);
      expect(await maxAbsDiff(ue!, last.u)).toBeLessThanOrEqual(1e-5);
      expect(await maxAbsDiff(ve!, last.v)).toBeLessThanOrEqual(1e-5);
      // The stored kernel is the unnormalised one (torch's weight_orig), untouched by the calls.
      expect(await maxAbsDiff(layer.trainableWeights[0]!.read(), c.kernel)).toBeLessThanOrEqual(0);
      tf.dispose([x, lossW, yEval, ...start]);
      layer.dispose();
    }
  });

  it('inference calls leave u and v unchanged and need no power iteration', async () => {
    const layer = spectralNormalization({ layer: tfl.layers.dense({ units: 3 }) });
    const x = tf.randomNormal([2, 4], 0, 1, 'float32', 1);
    tf.dispose(layer.apply(x) as tf.Tensor);
    const before = layer.nonTrainableWeights.map((w) => w.read().arraySync());
    for (let i = 0; i < 3; i++) tf.dispose(layer.apply(x) as tf.Tensor);
    expect(layer.nonTrainableWeights.map((w) => w.read().arraySync())).toEqual(before);
    tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
    expect(layer.nonTrainableWeights.map((w) => w.read().arraySync())).not.toEqual(before);
    x.dispose();
    layer.dispose();
  });

  it('gradients match central finite differences (input and kernel, inference mode)', async () => {
    // Inference mode keeps u, v fixed, so the loss is a smooth function of x and the kernel
    // (through W / sigma). Central differences, h = 1e-2, relative tolerance 2e-2 (float32).
    // Seeded kernel, u and v: the check is the same every run.
    const layer = spectralNormalization({
      layer: tfl.layers.conv2d({
        filters: 2,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 6 }),
      }),
      seed: 7,
    });
    const x = tf.variable(tf.randomNormal([1, 4, 4, 2], 0, 1, 'float32', 2));
    tf.dispose(layer.apply(x, { training: true }) as tf.Tensor); // a reasonable u, v
    const w = tf.randomUniform([1, 4, 4, 2], 0.5, 1.5, 'float32', 3);
    const loss = () => tf.tidy(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar);
    await expectFiniteDifferences(loss, [x, ...trainableVariables(layer)], 2e-2, { samples: 6, h: 1e-2 });
    tf.dispose([x, w]);
    layer.dispose();
  });

  runLayerConformance({
    make: () => spectralNormalization({ layer: tfl.layers.dense({ units: 3 }), seed: 5 }),
    inputShape: [2, 4],
    expectedOutputShape: [2, 3],
    trainableWeights: 2,
    nonTrainableWeights: 2,
  });

  it('seed: the same seed gives the same initial u and v, another seed others; the config keeps it', () => {
    const uv = (seed?: number) => {
      const sn = spectralNormalization({ layer: tfl.layers.conv2d({ filters: 4, kernelSize: 3 }), seed });
      // An inference call builds the layer and leaves u and v as initialised.
      const x = tf.zeros([1, 8, 8, 2]);
      tf.dispose([x, sn.apply(x) as tf.Tensor]);
      const out = sn.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
      const config = sn.getConfig();
      sn.dispose();
      return { out, config };
    };
    const a = uv(3);
    const b = uv(3);
    const c = uv(4);
    expect(a.out).toHaveLength(2);
    expect(a.out).toEqual(b.out);
    expect(a.out[0]).not.toEqual(c.out[0]);
    expect(a.out[1]).not.toEqual(c.out[1]);
    // u and v are unit vectors (torch normalises them at registration).
    for (const v of a.out) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    expect(a.config.seed).toBe(3);
    expect('seed' in uv().config).toBe(false);
    expect(uv().out[0]).not.toEqual(uv().out[0]);
  });

  it('rejects layers without a kernel and bad arguments', () => {
    expect(() => spectralNormalization({ layer: tfl.layers.dense({ units: 2 }), seed: 0.5 })).toThrow(
      /SpectralNormalization: seed must be an integer, got 0.5/,
    );
    expect(() => spectralNormalization({ layer: tfl.layers.batchNormalization({}) })).toThrow(
      /SpectralNormalization: cannot wrap layer '.*' of class BatchNormalization: it has no supported kernel/,
    );
    expect(() => spectralNormalization({ layer: tfl.layers.dense({ units: 2 }), powerIterations: 0 })).toThrow(
      /SpectralNormalization: powerIterations must be a positive integer, got 0/,
    );
    expect(() => spectralNormalization({ layer: tfl.layers.dense({ units: 2 }), epsilon: -1 })).toThrow(
      /SpectralNormalization: epsilon must be positive, got -1/,
    );
    expect(() => new SpectralNormalization({ layer: {} as tfl.layers.Layer })).toThrow(
      /SpectralNormalization: layer must be a tfjs-layers Layer/,
    );
  });
});
