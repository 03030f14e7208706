// DeepFill v2 generator: structure (parameter count, TF layer names, shapes), the input
// construction and stage wiring, cpu/wasm agreement, gradients, leaks and save/load.
// There is no PyTorch reference for DeepFill v2 (the original is TensorFlow 1), so no golden
// values: the parameter count 4,052,478 is derived from the reference's layer list.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { gatedInpaintingGenerator } from '../../src/models/gated-inpainting-generator';
import { completeImage } from '../../src/ops/complete-image';
import { registerLayers } from '../../src/register';
import { initBothBackends, onBackend, seededValues } from '../backend/kernels/compare-backends';
import { describeBackends } from '../harness/backends';

function count(weights: { shape: (number | null)[] }[]): number {
  return weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}

/** Image in [-1, 1) and a binary mask with a rectangular hole plus a few scattered hole pixels. */
function inputs(n: number, h: number, w: number, seed: number): [tf.Tensor4D, tf.Tensor4D] {
  const image = tf.tensor4d(seededValues(n * h * w * 3, seed), [n, h, w, 3]);
  const m = new Float32Array(n * h * w);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const hole =
          (y >= h / 4 + b && y < (3 * h) / 4 && x >= w / 4 && x < w / 2 + b) || (x * 7 + y * 3 + b) % 23 === 0;
        m[(b * h + y) * w + x] = hole ? 1 : 0;
      }
    }
  }
  return [image, tf.tensor4d(m, [n, h, w, 1])];
}

/** Overwrites every trainable weight with seeded values of conv-like scale. */
function seedWeights(model: tfl.LayersModel): void {
  model.trainableWeights.forEach((w, i) => {
    const shape = w.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    const scale = shape.length === 4 ? 1.5 / Math.sqrt(shape[0]! * shape[1]! * shape[2]!) : 0.1;
    const values = seededValues(size, 1000 + i).map((v) => v * scale);
    const t = tf.tensor(values, shape);
    w.write(t);
    t.dispose();
  });
}

const STAGE1 = [
  'conv1',
  'conv2_downsample',
  'conv3',
  'conv4_downsample',
  'conv5',
  'conv6',
  'conv7_atrous',
  'conv8_atrous',
  'conv9_atrous',
  'conv10_atrous',
  'conv11',
  'conv12',
  'conv13_upsample',
  'conv14',
  'conv15_upsample',
  'conv16',
  'conv17',
];
const STAGE2 = [
  'xconv1',
  'xconv2_downsample',
  'xconv3',
  'xconv4_downsample',
  'xconv5',
  'xconv6',
  'xconv7_atrous',
  'xconv8_atrous',
  'xconv9_atrous',
  'xconv10_atrous',
  'pmconv1',
  'pmconv2_downsample',
  'pmconv3',
  'pmconv4_downsample',
  'pmconv5',
  'pmconv6',
  'pmconv9',
  'pmconv10',
  'allconv11',
  'allconv12',
  'allconv13_upsample',
  'allconv14',
  'allconv15_upsample',
  'allconv16',
  'allconv17',
];

describeBackends('gatedInpaintingGenerator structure', () => {
  it('has 4,052,478 parameters (stage 1 1,631,151) with cnum 48, all trainable, with or without attention', () => {
    for (const contextualAttention of [true, false]) {
      const g = gatedInpaintingGenerator({ contextualAttention });
      expect(count(g.trainableWeights)).toBe(4_052_478);
      expect(count(g.nonTrainableWeights)).toBe(0);
      expect(count(STAGE1.flatMap((n) => g.getLayer(n).weights))).toBe(1_631_151);
      g.dispose();
    }
  });

  it('names its convolutions after the TF variable scopes, with DeepFill channel widths', () => {
    const g = gatedInpaintingGenerator({ inputShape: [256, 256] });
    const withWeights = g.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
    expect(withWeights.sort()).toEqual([...STAGE1, ...STAGE2].sort());
    // [kernel shape] of a few layers: gen_conv(x, cnum) has cnum conv channels, cnum / 2 outputs.
    const kernel = (name: string) => g.getLayer(name).weights[0]!.shape;
    expect(kernel('conv1')).toEqual([5, 5, 5, 48]);
    expect(kernel('conv4_downsample')).toEqual([3, 3, 48, 192]);
    expect(kernel('conv16')).toEqual([3, 3, 24, 24]);
    expect(kernel('conv17')).toEqual([3, 3, 12, 3]);
    expect(kernel('xconv1')).toEqual([5, 5, 3, 48]);
    expect(kernel('pmconv4_downsample')).toEqual([3, 3, 48, 192]);
    expect(kernel('allconv11')).toEqual([3, 3, 192, 192]);
    expect(g.getLayer('pmconv6').getConfig().activation).toBe('relu');
    expect(g.getLayer('conv7_atrous').getConfig().dilationRate).toEqual([2, 2]);
    expect(g.getLayer('xconv10_atrous').getConfig().dilationRate).toEqual([16, 16]);
    expect(g.getLayer('conv17').getConfig().activation).toBeNull();
    expect(g.outputs.map((o) => o.shape)).toEqual([
      [null, 256, 256, 3],
      [null, 256, 256, 3],
    ]);
    expect(g.getLayer('mask_s').output).toHaveProperty('shape', [null, 64, 64, 1]);
    g.dispose();
  });

  it('computes output shapes for 64x64 and unknown sizes', () => {
    const g = gatedInpaintingGenerator({ cnum: 8 });
    expect(
      g.computeOutputShape([
        [null, 64, 64, 3],
        [null, 64, 64, 1],
      ]),
    ).toEqual([
      [null, 64, 64, 3],
      [null, 64, 64, 3],
    ]);
    expect(g.outputs.map((o) => o.shape)).toEqual([
      [null, null, null, 3],
      [null, null, null, 3],
    ]);
    g.dispose();
  });

  it('contextualAttention: false drops only the attention layer: same weights give the same x1 and another x2', async () => {
    const withCA = gatedInpaintingGenerator({ cnum: 4 });
    const without = gatedInpaintingGenerator({ cnum: 4, contextualAttention: false });
    expect(withCA.layers.some((l) => l.getClassName() === 'ContextualAttention')).toBe(true);
    expect(without.layers.some((l) => l.getClassName() === 'ContextualAttention')).toBe(false);
    seedWeights(withCA);
    // By layer name: the two models order their layers differently.
    for (const l of withCA.layers) if (l.weights.length > 0) without.getLayer(l.name).setWeights(l.getWeights());
    const [image, mask] = inputs(1, 32, 32, 17);
    const [a1, a2] = withCA.predict([image, mask]) as tf.Tensor[];
    const [b1, b2] = without.predict([image, mask]) as tf.Tensor[];
    expect(Array.from(await b1!.data())).toEqual(Array.from(await a1!.data()));
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a2!, b2!))).dataSync()[0]!);
    expect(diff).toBeGreaterThan(1e-6);
    tf.dispose([image, mask, a1!, a2!, b1!, b2!]);
    withCA.dispose();
    without.dispose();
  });

  it('rejects bad arguments and sizes with Errors naming them', () => {
    expect(() => gatedInpaintingGenerator({ cnum: 6 })).toThrow(
      /gatedInpaintingGenerator: cnum must be a positive multiple of 4, got 6/,
    );
    expect(() => gatedInpaintingGenerator({ inputShape: [60, 64] })).toThrow(
      /gatedInpaintingGenerator: inputShape must be \[height, width\], positive multiples of 8, got \[60,64\]/,
    );
    const g = gatedInpaintingGenerator({ cnum: 4 });
    const before = tf.memory().numTensors;
    const [image, mask] = inputs(1, 36, 32, 1);
    expect(() => g.predict([image, mask])).toThrow(
      /gatedInpaintingGenerator: input height and width must be multiples of 8, got 36x32/,
    );
    const wrongMask = tf.zeros([1, 32, 32, 3]);
    const image32 = tf.zeros([1, 32, 32, 3]);
    // tfjs' own input check names the mask input and its expected shape.
    expect(() => g.predict([image32, wrongMask])).toThrow(/mask.*\[null,null,null,1\]/);
    tf.dispose([image, mask, wrongMask, image32]);
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
  });
}, ['cpu']);

describeBackends('gatedInpaintingGenerator', () => {
  it('builds the 5-channel input [x * (1 - mask), ones, mask] and feeds stage 2 with x1 pasted into the holes', async () => {
    const g = gatedInpaintingGenerator({ cnum: 4 });
    const probe = tfl.model({
      inputs: g.inputs,
      outputs: ['inpaint_input', 'x1', 'xnow', 'mask_s'].map((n) => g.getLayer(n).output as tfl.SymbolicTensor),
    });
    const [image, mask] = inputs(2, 32, 32, 3);
    const [xin, x1, xnow, maskS] = probe.predict([image, mask]) as tf.Tensor[];
    const [im, m, xi, c1, xn, ms] = await Promise.all([image, mask, xin!, x1!, xnow!, maskS!].map((t) => t.data()));
    let maxErr = 0;
    let mismatches = 0;
    for (let p = 0; p < m.length; p++) {
      const hole = m[p]!;
      if (xi[p * 5 + 3] !== 1 || xi[p * 5 + 4] !== hole) mismatches++;
      for (let c = 0; c < 3; c++) {
        // === so that -0 (a negative pixel times 0) counts as 0.
        if (xi[p * 5 + c] !== (hole === 1 ? 0 : im[p * 3 + c])) mismatches++;
        // Inside the holes the coarse output, elsewhere the input image.
        const expected = hole === 1 ? c1[p * 3 + c]! : im[p * 3 + c]!;
        maxErr = Math.max(maxErr, Math.abs(xn[p * 3 + c]! - expected));
      }
    }
    expect(mismatches).toBe(0);
    expect(maxErr).toBeLessThanOrEqual(1e-7);
    // mask_s: the mask at 1/4 resolution, nearest with align_corners (32 -> 8 picks 0, 4, 9, 13, 18, 22, 27, 31).
    const picks = [0, 4, 9, 13, 18, 22, 27, 31];
    expect(maskS!.shape).toEqual([2, 8, 8, 1]);
    mismatches = 0;
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < 8; i++) {
        for (let j = 0; j < 8; j++)
          if (ms[(b * 8 + i) * 8 + j] !== m[(b * 32 + picks[i]!) * 32 + picks[j]!]) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
    // The mask has holes at this resolution, and not only holes.
    expect(new Set(ms).size).toBe(2);
    tf.dispose([image, mask, xin!, x1!, xnow!, maskS!]);
    g.dispose();
  });

  it('returns [x1, x2] in [-1, 1]; completeImage keeps the unmasked pixels exactly; no leaks across predicts', async () => {
    const g = gatedInpaintingGenerator({ cnum: 4 });
    seedWeights(g);
    const [image, mask] = inputs(1, 64, 64, 5);
    const warm = g.predict([image, mask]) as tf.Tensor[];
    tf.dispose(warm);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const [x1, x2] = g.predict([image, mask]) as tf.Tensor4D[];
      expect(x1!.shape).toEqual([1, 64, 64, 3]);
      expect(x2!.shape).toEqual([1, 64, 64, 3]);
      const all = [...(await x1!.data()), ...(await x2!.data())];
      expect(all.every((v) => Math.abs(v) <= 1)).toBe(true);
      // Not saturated: the seeded weights give a spread of values.
      expect(all.some((v) => Math.abs(v) > 0.05 && Math.abs(v) < 0.95)).toBe(true);
      const done = completeImage(image, mask, x2!);
      const [d, im, m, p] = await Promise.all([done.data(), image.data(), mask.data(), x2!.data()]);
      let mismatches = 0;
      for (let k = 0; k < d.length; k++) {
        const hole = m[Math.floor(k / 3)] === 1;
        if (d[k] !== (hole ? p[k] : im[k])) mismatches++;
      }
      expect(mismatches).toBe(0);
      tf.dispose([x1!, x2!, done]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([image, mask]);
    g.dispose();
  });

  it('gradients of the reconstruction loss reach every trainable weight (cnum 4, 32x32)', () => {
    const g = gatedInpaintingGenerator({ cnum: 4 });
    const [image, mask] = inputs(1, 32, 32, 9);
    const target = tf.tensor4d(seededValues(32 * 32 * 3, 10), [1, 32, 32, 3]);
    const before = tf.memory().numTensors;
    const vars = g.trainableWeights.map((w) => w.read() as tf.Variable);
    expect(vars).toHaveLength(2 * (STAGE1.length + STAGE2.length));
    // DeepFill v2's ae_loss: L1 of both stages against the ground truth over the whole image.
    const { value, grads } = tf.variableGrads(() => {
      const [x1, x2] = g.apply([image, mask], { training: true }) as tf.Tensor[];
      return tf.add(tf.mean(tf.abs(tf.sub(x1!, target))), tf.mean(tf.abs(tf.sub(x2!, target)))) as tf.Scalar;
    }, vars);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const v of vars) {
      const grad = grads[v.name]!;
      expect(grad.shape, v.name).toEqual(v.shape);
      const values = grad.dataSync();
      expect(values.every(Number.isFinite), v.name).toBe(true);
      expect(
        tf.tidy(() => tf.sum(tf.abs(grad)).dataSync()[0]!),
        v.name,
      ).toBeGreaterThan(0);
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([image, mask, target]);
    g.dispose();
  });

  it('round-trips through save/load with identical outputs and the size check kept', async () => {
    registerLayers();
    const g = gatedInpaintingGenerator({ cnum: 4 });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await g.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: JSON.parse(JSON.stringify(artifacts!.modelTopology)),
        weightSpecs: artifacts!.weightSpecs,
        weightData: artifacts!.weightData,
      }),
    );
    expect(loaded.layers.map((l) => l.name)).toEqual(g.layers.map((l) => l.name));
    const [image, mask] = inputs(1, 32, 40, 4);
    const a = g.predict([image, mask]) as tf.Tensor[];
    const b = loaded.predict([image, mask]) as tf.Tensor[];
    for (let i = 0; i < 2; i++) expect(Array.from(await b[i]!.data())).toEqual(Array.from(await a[i]!.data()));
    const bad = inputs(1, 32, 44, 4);
    expect(() => loaded.predict(bad)).toThrow(/gatedInpaintingGenerator: .*multiples of 8, got 32x44/);
    tf.dispose([image, mask, ...a, ...b, ...bad]);
    g.dispose();
    loaded.dispose();
  });
});

describeBackends('gatedInpaintingGenerator cpu/wasm agreement', () => {
  it('cpu and wasm outputs agree within 1e-4 (cnum 8, 2x32x32, seeded weights)', async () => {
    await initBothBackends();
    const g = gatedInpaintingGenerator({ cnum: 8 });
    seedWeights(g);
    const run = () => g.predict(inputs(2, 32, 32, 21)) as tf.Tensor[];
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    let maxDiff = 0;
    for (let i = 0; i < 2; i++) {
      for (let k = 0; k < cpu[i]!.length; k++) maxDiff = Math.max(maxDiff, Math.abs(cpu[i]![k]! - wasm[i]![k]!));
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    g.dispose();
  });
}, ['cpu']);
