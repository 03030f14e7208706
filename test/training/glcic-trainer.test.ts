// GLCICTrainer (three phases of GLCIC-PyTorch's train.py) and the local-window helpers, on tiny
// stand-in networks (the GLCIC networks themselves are tested in test/models/glcic.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { GLCICTrainer } from '../../src/training/glcic-trainer';
import { cropPatches, localPatchBoxes } from '../../src/training/local-patches';
import { describeBackends } from '../harness/backends';

const S = 32;
const L = 16;

function tinyNets(seed: number) {
  const completion = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [S, S, 4],
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        activation: 'sigmoid',
        kernelInitializer: tfl.initializers.randomNormal({ stddev: 0.3, seed }),
      }),
    ],
  });
  const local = tfl.input({ shape: [L, L, 3] });
  const global = tfl.input({ shape: [S, S, 3] });
  const pooledL = tfl.layers.globalAveragePooling2d({}).apply(local) as tfl.SymbolicTensor;
  const pooledG = tfl.layers.globalAveragePooling2d({}).apply(global) as tfl.SymbolicTensor;
  const both = tfl.layers.concatenate().apply([pooledL, pooledG]) as tfl.SymbolicTensor;
  const out = tfl.layers
    .dense({
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tfl.initializers.randomNormal({ stddev: 1, seed: seed + 1 }),
    })
    .apply(both) as tfl.SymbolicTensor;
  return { completion, discriminator: tfl.model({ inputs: [local, global], outputs: out }) };
}

function boxMasks(boxes: [number, number, number, number][]): tf.Tensor4D {
  const data = new Float32Array(boxes.length * S * S);
  boxes.forEach(([y0, y1, x0, x1], b) => {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data[(b * S + y) * S + x] = 1;
  });
  return tf.tensor4d(data, [boxes.length, S, S, 1]);
}

const flat = (m: tfl.LayersModel) => m.getWeights().flatMap((w) => Array.from(w.dataSync()));

describeBackends('GLCICTrainer', () => {
  it('runs phase 1 (C alone, masked MSE), phase 2 (D alone), then phase 3 (both)', async () => {
    const { completion, discriminator } = tinyNets(3);
    const trainer = new GLCICTrainer({
      completion,
      discriminator,
      localSize: [L, L],
      phase1Steps: 1,
      phase2Steps: 1,
      seed: 5,
      alpha: 0.5,
    });
    const images = tf.randomUniform([2, S, S, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const masks = boxMasks([
      [4, 12, 6, 15],
      [18, 29, 10, 20],
    ]);
    // Phase 1: the loss is the masked MSE of C's output before the update; D is untouched.
    const want = tf.tidy(() => {
      const filled = tf.add(tf.mul(images, tf.sub(1, masks)), tf.mul(tf.tensor1d([0.5, 0.5, 0.5]), masks));
      const out = completion.apply(tf.concat([filled, masks], 3), { training: true }) as tf.Tensor;
      return tf.mean(tf.square(tf.sub(tf.mul(out, masks), tf.mul(images, masks)))).dataSync()[0]!;
    });
    const c0 = flat(completion);
    const d0 = flat(discriminator);
    expect(trainer.phase).toBe(1);
    const before = tf.memory().numTensors;
    const l1 = await trainer.step(images, masks);
    expect(l1.phase).toBe(1);
    expect(l1.lossC).toBeCloseTo(want, 6);
    expect(l1.lossD).toBeNaN();
    expect(flat(discriminator)).toEqual(d0);
    const c1 = flat(completion);
    expect(c1).not.toEqual(c0);
    // Phase 2: D moves, C does not.
    expect(trainer.phase).toBe(2);
    const l2 = await trainer.step(images, masks);
    expect(l2.phase).toBe(2);
    expect(l2.lossD).toBeGreaterThan(0);
    expect(l2.lossC).toBeNaN();
    expect(flat(completion)).toEqual(c1);
    const d2 = flat(discriminator);
    expect(d2).not.toEqual(d0);
    // Phase 3: both move; lossC = (lossMSE + alpha * lossGAN) / 2.
    const l3 = await trainer.step(images, masks);
    expect(l3.phase).toBe(3);
    expect(l3.lossC).toBeCloseTo((l3.lossMSE + 0.5 * l3.lossGAN) / 2, 6);
    expect(l3.lossD).toBeGreaterThan(0);
    expect(flat(completion)).not.toEqual(c1);
    expect(flat(discriminator)).not.toEqual(d2);
    expect(trainer.steps).toBe(3);
    trainer.dispose(); // releases the optimizers' slots: nothing else of the steps is left
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([images, masks]);
  });

  it('rejects bad input naming the argument, and a failed step changes nothing', async () => {
    const { completion, discriminator } = tinyNets(4);
    const trainer = new GLCICTrainer({ completion, discriminator, localSize: [L, L], seed: 1 });
    const images = tf.randomUniform([2, S, S, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const ok = boxMasks([
      [4, 12, 6, 15],
      [18, 29, 10, 20],
    ]);
    const w0 = flat(completion);
    const small = tf.zeros([2, S, S - 4, 1]) as tf.Tensor4D;
    await expect(trainer.step(images, small)).rejects.toThrow(/GLCICTrainer.step: .*images.*masks/);
    const empty = boxMasks([
      [4, 12, 6, 15],
      [-1, -2, 0, 0],
    ]);
    await expect(trainer.step(images, empty)).rejects.toThrow(
      /GLCICTrainer.step: masks \(image 1\) must have at least one hole pixel/,
    );
    const full = tf.ones([2, S, S, 1]) as tf.Tensor4D;
    await expect(trainer.step(images, full)).rejects.toThrow(
      /GLCICTrainer.step: masks \(image 0\) must keep at least one known pixel/,
    );
    const wide = boxMasks([
      [4, 12, 0, 20],
      [18, 29, 10, 20],
    ]);
    await expect(trainer.step(images, wide)).rejects.toThrow(
      /GLCICTrainer.step: the holes of masks \(image 0\) span 9x21 pixels, more than the 16x16 window/,
    );
    const gray = tf.zeros([2, S, S, 1]) as tf.Tensor4D;
    await expect(trainer.step(gray, ok)).rejects.toThrow(/GLCICTrainer.step: images must have 3 channels/);
    expect(trainer.steps).toBe(0);
    expect(flat(completion)).toEqual(w0);
    expect(() => new GLCICTrainer({ completion, discriminator: null as never })).toThrow(
      /GLCICTrainer: discriminator must be a tf.LayersModel/,
    );
    expect(() => new GLCICTrainer({ completion, discriminator, alpha: -1 })).toThrow(/GLCICTrainer: alpha/);
    expect(() => new GLCICTrainer({ completion, discriminator, mpv: [0.5, 0.5] as never })).toThrow(
      /GLCICTrainer: mpv must be three finite numbers/,
    );
    expect(() => new GLCICTrainer({ completion, discriminator, phase1Steps: 1.5 })).toThrow(
      /GLCICTrainer: phase1Steps/,
    );
    tf.dispose([images, ok, small, empty, full, wide, gray]);
    trainer.dispose();
  });
});

describeBackends('localPatchBoxes and cropPatches', () => {
  it("places a seeded window around every image's holes, inside the image", async () => {
    const masks = boxMasks([
      [4, 12, 6, 15],
      [20, 31, 22, 31],
      [0, 0, 0, 0],
    ]);
    const a = await localPatchBoxes(masks, { size: [L, L], seed: 11 });
    const b = await localPatchBoxes(masks, { size: [L, L], seed: 11 });
    expect(a).toEqual(b);
    const holes: [number, number, number, number][] = [
      [4, 12, 6, 15],
      [20, 31, 22, 31],
      [0, 0, 0, 0],
    ];
    a.forEach((box, i) => {
      const [y0, y1, x0, x1] = holes[i]!;
      expect(box.y).toBeLessThanOrEqual(y0);
      expect(box.x).toBeLessThanOrEqual(x0);
      expect(box.y + L - 1).toBeGreaterThanOrEqual(y1);
      expect(box.x + L - 1).toBeGreaterThanOrEqual(x1);
      expect(box.y + L).toBeLessThanOrEqual(S);
      expect(box.x + L).toBeLessThanOrEqual(S);
    });
    // The window is drawn, not fixed: over seeds image 0's corner takes several positions.
    const corners = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const [box] = await localPatchBoxes(masks, { size: [L, L], seed });
      corners.add(`${box!.y},${box!.x}`);
    }
    expect(corners.size).toBeGreaterThan(3);
    // The crop holds the image's pixels at the box.
    const images = tf.tensor4d(
      Float32Array.from({ length: 3 * S * S }, (_, i) => i),
      [3, S, S, 1],
    );
    const patches = cropPatches(images, a, [L, L]);
    expect(patches.shape).toEqual([3, L, L, 1]);
    const p = await patches.data();
    expect(p[(1 * L + 2) * L + 3]).toBe((1 * S + a[1]!.y + 2) * S + a[1]!.x + 3);
    tf.dispose([masks, images, patches]);
  });

  it('rejects bad masks, sizes and boxes naming the argument', async () => {
    const masks = boxMasks([[4, 12, 6, 15]]);
    await expect(localPatchBoxes(masks, { size: [64, 16] })).rejects.toThrow(
      /localPatchBoxes: options.size must be at most the masks' \[32, 32\]/,
    );
    await expect(localPatchBoxes(tf.zeros([1, S, S, 1]) as tf.Tensor4D)).rejects.toThrow(
      /localPatchBoxes: options.size/,
    );
    await expect(localPatchBoxes(tf.zeros([1, S, S, 1]) as tf.Tensor4D, { size: [8, 8] })).rejects.toThrow(
      /localPatchBoxes: masks \(image 0\) must have at least one hole pixel/,
    );
    await expect(localPatchBoxes(tf.ones([1, S, S, 1]) as tf.Tensor4D, { size: [8, 8] })).rejects.toThrow(
      /localPatchBoxes: masks \(image 0\) must keep at least one known pixel/,
    );
    await expect(localPatchBoxes(masks, { size: [L, L], seed: -1 })).rejects.toThrow(/localPatchBoxes: options.seed/);
    await expect(localPatchBoxes(tf.zeros([1, S, S, 2]) as tf.Tensor4D)).rejects.toThrow(
      /localPatchBoxes: masks must have 1 channel/,
    );
    const images = tf.zeros([1, S, S, 3]) as tf.Tensor4D;
    expect(() => cropPatches(images, [{ y: 20, x: 0 }], [L, L])).toThrow(/cropPatches: boxes\[0\] must be/);
    expect(() => cropPatches(images, [], [L, L])).toThrow(/cropPatches: boxes must be an array of 1 boxes/);
    expect(() => cropPatches(images, [{ y: 0, x: 0 }], [0, L])).toThrow(/cropPatches: size/);
    tf.dispose([masks, images]);
  });
});
