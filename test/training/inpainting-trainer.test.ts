// InpaintingTrainer with a tiny two-stage generator ([image, mask] -> [x1, x2]) and a tiny
// spectral-normalised discriminator: hinge losses against an independent computation (D step
// first), no tensor growth, L1 decreasing, exact resume, NaN rollback, mask validation.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { gatedInpaintingGenerator } from '../../src/models/gated-inpainting-generator';
import { snPatchGANDiscriminator } from '../../src/models/sn-patchgan-discriminator';
import { loadTrainer, saveTrainer } from '../../src/node/trainer-files';
import { InpaintingTrainer, type InpaintingLosses } from '../../src/training/inpainting-trainer';
import { describeBackends } from '../harness/backends';
import { copyInpaintingNets, referenceFirstStep, tinyInpaintingNets } from '../harness/tiny-inpainting-networks';

const S = 16;

const build = () => tinyInpaintingNets({ size: S });
const copy = (src: ReturnType<typeof build>) => copyInpaintingNets(src, { size: S });

function batch(seed: number): [tf.Tensor4D, tf.Tensor4D] {
  const images = tf.randomUniform([2, S, S, 3], -1, 1, 'float32', seed) as tf.Tensor4D;
  const masks = tf.tidy(() =>
    tf.cast(tf.greater(tf.randomUniform([2, S, S, 1], 0, 1, 'float32', seed + 1), 0.7), 'float32'),
  ) as tf.Tensor4D;
  return [images, masks];
}

const KEYS: (keyof InpaintingLosses)[] = ['lossD', 'lossG', 'lossGGan', 'lossL1Coarse', 'lossL1Fine'];

describeBackends('InpaintingTrainer', (backend) => {
  it('first step: hinge D loss with the initial weights, then G against the updated D', async () => {
    const [images, masks] = batch(1);
    const nets = build();
    const ref = copy(nets);
    const trainer = new InpaintingTrainer(nets);
    const got = await trainer.step(images, masks);

    const want = referenceFirstStep(ref, images, masks);
    expect(got.lossD).toBeCloseTo(want.lossD, 5);
    expect(got.lossGGan).toBeCloseTo(want.lossGGan, 5);
    expect(got.lossL1Coarse).toBeCloseTo(want.lossL1Coarse, 5);
    expect(got.lossL1Fine).toBeCloseTo(want.lossL1Fine, 5);
    expect(got.lossG).toBeCloseTo(want.lossGGan + want.lossL1Coarse + want.lossL1Fine, 5);
    trainer.dispose();
    for (const m of [nets.generator, nets.discriminator, ref.generator, ref.discriminator]) m.dispose();
    tf.dispose([images, masks]);
  });

  it('steps: tensor count constant after step 1, L1 decreasing; exact resume through saveTrainer', async () => {
    const [images, masks] = batch(2);
    const nets = build();
    const trainer = new InpaintingTrainer({ ...nets, lr: 2e-3 });
    const l1: number[] = [];
    let afterFirst = 0;
    for (let i = 0; i < 20; i++) {
      const l = await trainer.step(images, masks);
      l1.push(l.lossL1Coarse + l.lossL1Fine);
      if (i === 0) afterFirst = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(afterFirst);
    }
    expect(l1[19]!).toBeLessThan(l1[0]! * 0.85); // measured about 0.83x after 12 steps
    const dir = await mkdtemp(join(tmpdir(), 'inpainting-trainer-'));
    await saveTrainer(trainer, dir);
    const cont = [await trainer.step(images, masks), await trainer.step(images, masks)];
    const freshNets = build();
    const fresh = new InpaintingTrainer({ ...freshNets, lr: 2e-3 });
    await loadTrainer(fresh, dir);
    await rm(dir, { recursive: true, force: true });
    expect(fresh.steps).toBe(20);
    const next = [await fresh.step(images, masks), await fresh.step(images, masks)];
    let maxDiff = 0;
    for (let s = 0; s < 2; s++) {
      for (const k of KEYS) {
        maxDiff = Math.max(maxDiff, Math.abs(next[s]![k] - cont[s]![k]));
        // Up to float32 rounding of Adam's bias correction (pow() on load vs repeated products).
        expect(Math.abs(next[s]![k] - cont[s]![k])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(cont[s]![k])));
      }
    }
    console.log(`[${backend}] inpainting resumed vs uninterrupted: max abs loss diff ${maxDiff}`);
    trainer.dispose();
    fresh.dispose();
    for (const m of [nets.generator, nets.discriminator, freshNets.generator, freshNets.discriminator]) m.dispose();
    tf.dispose([images, masks]);
  });

  it('NaN rollback and bad masks', async () => {
    const [images, masks] = batch(3);
    const nets = build();
    const trainer = new InpaintingTrainer(nets);
    await trainer.step(images, masks);
    const before = [...nets.generator.getWeights(), ...nets.discriminator.getWeights()].map((w) =>
      Array.from(w.dataSync()),
    );
    const bad = tf.tidy(() =>
      tf.where(tf.greater(images, 0.9), tf.fill(images.shape, Number.NaN), images),
    ) as tf.Tensor4D;
    await expect(trainer.step(bad, masks)).rejects.toThrow(/InpaintingTrainer\.step: loss\w+ is NaN at step 2/);
    const after = [...nets.generator.getWeights(), ...nets.discriminator.getWeights()].map((w) =>
      Array.from(w.dataSync()),
    );
    after.forEach((w, i) => expect(w).toEqual(before[i]));
    const half = tf.mul(masks, 0.5) as tf.Tensor4D;
    await expect(trainer.step(images, half)).rejects.toThrow(
      /masks must contain only 0 \(known\) and 1 \(hole\) values/,
    );
    const small = tf.zeros([2, S / 2, S / 2, 1]) as tf.Tensor4D;
    await expect(trainer.step(images, small)).rejects.toThrow(/must have the same batch size, height and width/);
    const threeCh = tf.zeros([2, S, S, 3]) as tf.Tensor4D;
    await expect(trainer.step(images, threeCh)).rejects.toThrow(/masks must have 1 channel/);
    expect(trainer.steps).toBe(1);
    trainer.dispose();
    nets.generator.dispose();
    nets.discriminator.dispose();
    tf.dispose([images, masks, bad, half, small, threeCh]);
  });

  it('trains the DeepFill v2 networks (cnum 8, 32x32): finite losses, no tensor growth, spectral-norm vectors advance', async () => {
    const generator = gatedInpaintingGenerator({ cnum: 8, inputShape: [32, 32], seed: 1 });
    const discriminator = snPatchGANDiscriminator({ ndf: 8, inputShape: [32, 32], seed: 2 });
    const trainer = new InpaintingTrainer({ generator, discriminator });
    const images = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 9) as tf.Tensor4D;
    const masks = tf.pad(tf.ones([1, 16, 16, 1]), [
      [0, 0],
      [8, 8],
      [8, 8],
      [0, 0],
    ]) as tf.Tensor4D;
    const u0 = discriminator.weights.filter((w) => !w.trainable).map((w) => Array.from(w.read().dataSync()));
    expect(u0.length).toBeGreaterThan(0);
    let afterFirst = 0;
    // About 15 s per step on cpu (0.5 s on wasm): cpu checks two steps.
    for (let i = 0; i < (backend === 'wasm' ? 3 : 2); i++) {
      const l = await trainer.step(images, masks);
      for (const k of KEYS) expect(Number.isFinite(l[k])).toBe(true);
      if (i === 0) afterFirst = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(afterFirst);
    }
    const u1 = discriminator.weights.filter((w) => !w.trainable).map((w) => Array.from(w.read().dataSync()));
    expect(u1.some((u, i) => u.some((v, j) => v !== u0[i]![j]))).toBe(true);
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
    tf.dispose([images, masks]);
  });
});
