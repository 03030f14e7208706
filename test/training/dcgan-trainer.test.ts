// DCGANTrainer on tiny 16x16 DCGAN networks: losses against an independent computation with the
// same weights, the update order, no tensor growth, a short run lowering D's loss, WGAN clipping
// and n_critic, NaN rollback and input validation.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { dcganDiscriminator } from '../../src/models/dcgan-discriminator';
import { dcganGenerator } from '../../src/models/dcgan-generator';
import { DCGANTrainer, type DCGANLoss } from '../../src/training/dcgan-trainer';
import { loadTrainer, saveTrainer } from '../../src/node/trainer-files';
import { disposeTrainerState } from '../../src/training/trainer-state';
import { describeBackends } from '../harness/backends';

const NZ = 8;

function nets(loss: DCGANLoss = 'bce') {
  return {
    generator: dcganGenerator({ nz: NZ, ngf: 4, imageSize: 16, seed: 21 }),
    discriminator: dcganDiscriminator({ ndf: 4, imageSize: 16, sigmoid: loss === 'bce', seed: 22 }),
  };
}

/** A tiny data set: 8 images of smooth stripes with random phases (seeded). */
function realBatch(seed: number, n = 4): tf.Tensor4D {
  return tf.tidy(() => {
    const phase = tf.randomUniform([n, 1, 1, 1], 0, 6.28, 'float32', seed);
    const xs = tf.reshape(tf.linspace(0, 6.28, 16), [1, 1, 16, 1]);
    const img = tf.sin(tf.add(xs, phase));
    return tf.tile(img, [1, 16, 1, 3]) as tf.Tensor4D;
  });
}

function bceRef(p: Float32Array | number[], target: 0 | 1): number {
  let s = 0;
  for (const v of p) s += Math.max(Math.log(target === 1 ? v : 1 - v), -100);
  return -s / p.length;
}

function mean(p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i]!;
  return s / p.length;
}

async function weightsOf(m: tfl.LayersModel): Promise<Float32Array[]> {
  return Promise.all(m.trainableWeights.map(async (w) => (await w.read().data()) as Float32Array));
}

function same(a: Float32Array[], b: Float32Array[]): boolean {
  return a.every((w, i) => w.every((v, j) => v === b[i]![j]));
}

describeBackends('DCGANTrainer', () => {
  it.each(['bce', 'wgan'] as const)(
    '%s: losses equal the loss functions on the same weights; D first, then G against the updated D',
    async (loss) => {
      const { generator, discriminator } = nets(loss);
      const gRef = nets(loss).generator; // same seed: the generator's weights before the step
      const trainer = new DCGANTrainer({ generator, discriminator, loss, nCritic: 1, lr: 0.01 });
      const real = realBatch(1);
      const noise = tf.randomNormal([4, NZ], 0, 1, 'float32', 5) as tf.Tensor2D;
      // Expected D losses with the weights before the step (training mode: batch statistics).
      const pReal = await tf.tidy(() => discriminator.apply(real, { training: true }) as tf.Tensor).data();
      const pFake = await tf
        .tidy(
          () =>
            discriminator.apply(generator.apply(noise, { training: true }) as tf.Tensor, {
              training: true,
            }) as tf.Tensor,
        )
        .data();
      const losses = await trainer.step(real, { noise });
      const wantReal = loss === 'bce' ? bceRef(pReal as Float32Array, 1) : -mean(pReal);
      const wantFake = loss === 'bce' ? bceRef(pFake as Float32Array, 0) : mean(pFake);
      expect(losses.lossDReal).toBeCloseTo(wantReal, 5);
      expect(losses.lossDFake).toBeCloseTo(wantFake, 5);
      expect(losses.lossD).toBeCloseTo(wantReal + wantFake, 5);
      expect(losses.lossGP).toBe(0);
      // lossG: D after its update, G before its update.
      const pG = await tf
        .tidy(
          () =>
            discriminator.apply(gRef.apply(noise, { training: true }) as tf.Tensor, { training: true }) as tf.Tensor,
        )
        .data();
      const wantG = loss === 'bce' ? bceRef(pG as Float32Array, 1) : -mean(pG);
      expect(losses.lossG).toBeCloseTo(wantG, 5);
      // ...and not against the D before the update (the lr is large enough to tell them apart).
      const before = loss === 'bce' ? bceRef(pFake as Float32Array, 1) : -mean(pFake);
      expect(Math.abs(wantG - before)).toBeGreaterThan(1e-3);
      tf.dispose([real, noise]);
      trainer.dispose();
      [generator, discriminator, gRef].forEach((m) => m.dispose());
    },
  );

  it("keeps a constant tensor count after the first step, and a short seeded run lowers D's loss", async () => {
    const { generator, discriminator } = nets();
    const trainer = new DCGANTrainer({ generator, discriminator, seed: 7 });
    const data = [realBatch(1), realBatch(2)];
    const progress: number[] = [];
    const lossesD: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < 40; i++) {
      const l = await trainer.step(data[i % 2]!);
      lossesD.push(l.lossD);
      progress.push(trainer.steps);
      counts.push(tf.memory().numTensors);
      expect(l.lossG).not.toBeNull();
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    const first = mean(lossesD.slice(0, 5));
    const last = mean(lossesD.slice(-5));
    console.info(`DCGANTrainer bce: mean lossD of steps 1-5 ${first.toFixed(4)}, of steps 36-40 ${last.toFixed(4)}`);
    expect(last).toBeLessThan(first);
    expect(progress.at(-1)).toBe(40);
    tf.dispose(data);
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
  });

  it('wgan: every critic weight is within [-c, c] after each critic step; nCritic critic steps per generator step', async () => {
    const { generator, discriminator } = nets('wgan');
    const seen: (number | null)[] = [];
    const trainer = new DCGANTrainer({
      generator,
      discriminator,
      loss: 'wgan',
      nCritic: 3,
      clipValue: 0.005,
      lr: 1e-3,
      seed: 3,
      onProgress: ({ losses }) => seen.push(losses.lossG),
    });
    const real = realBatch(4);
    // Before any step some weights lie outside [-0.005, 0.005] (init N(0, 0.02), gamma N(1, 0.02)).
    expect((await weightsOf(discriminator)).some((w) => w.some((v) => Math.abs(v) > 0.005))).toBe(true);
    let g = await weightsOf(generator);
    for (let i = 1; i <= 7; i++) {
      expect(trainer.nextStepUpdatesGenerator).toBe(i % 3 === 0);
      const l = await trainer.step(real);
      for (const w of await weightsOf(discriminator)) {
        for (const v of w) expect(Math.abs(v)).toBeLessThanOrEqual(0.005);
      }
      const g2 = await weightsOf(generator);
      expect(same(g, g2)).toBe(i % 3 !== 0);
      expect(l.lossG === null).toBe(i % 3 !== 0);
      g = g2;
    }
    expect(seen.map((v) => v === null)).toEqual([true, true, false, true, true, false, true]);
    // The state holds RMSprop's slots and resumes.
    const state = await trainer.getState();
    await trainer.setState(state);
    // A state from a trainer with another loss (another optimizer) or nCritic is refused.
    const other = new DCGANTrainer({ ...nets('wgan-gp'), loss: 'wgan-gp', nCritic: 3 });
    await expect(other.setState(state)).rejects.toThrow(
      /DCGANTrainer.setState: the state was written with loss "wgan" and nCritic 3, this trainer has 'wgan-gp' and 3/,
    );
    other.dispose();
    other.generator.dispose();
    other.discriminator.dispose();
    disposeTrainerState(state);
    tf.dispose(real);
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
  });

  it('wgan: saveTrainer / loadTrainer resume exactly (RMSprop slots, step count, next generator update)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfjs-synth-dcgan-'));
    const real = realBatch(5);
    const noise = tf.randomNormal([4, NZ], 0, 1, 'float32', 8) as tf.Tensor2D;
    const a = new DCGANTrainer({ ...nets('wgan'), loss: 'wgan', nCritic: 2, lr: 1e-3 });
    await a.step(real, { noise });
    await saveTrainer(a, dir);
    const b = new DCGANTrainer({ ...nets('wgan'), loss: 'wgan', nCritic: 2, lr: 1e-3 });
    await loadTrainer(b, dir);
    expect(b.steps).toBe(1);
    expect(b.nextStepUpdatesGenerator).toBe(true);
    const la = await a.step(real, { noise });
    const lb = await b.step(real, { noise });
    expect(lb).toEqual(la);
    expect(same(await weightsOf(a.discriminator), await weightsOf(b.discriminator))).toBe(true);
    expect(same(await weightsOf(a.generator), await weightsOf(b.generator))).toBe(true);
    tf.dispose([real, noise]);
    for (const t of [a, b]) {
      t.dispose();
      t.generator.dispose();
      t.discriminator.dispose();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('wgan-gp: the critic loss includes the gradient penalty; no clipping', async () => {
    const { generator, discriminator } = nets('wgan-gp');
    const trainer = new DCGANTrainer({ generator, discriminator, loss: 'wgan-gp', nCritic: 2, seed: 9 });
    const real = realBatch(6);
    const l1 = await trainer.step(real);
    expect(l1.lossGP).toBeGreaterThan(0);
    expect(l1.lossD).toBeCloseTo(l1.lossDReal + l1.lossDFake + l1.lossGP, 5);
    expect(l1.lossG).toBeNull();
    const l2 = await trainer.step(real);
    expect(l2.lossG).not.toBeNull();
    expect((await weightsOf(discriminator)).some((w) => w.some((v) => Math.abs(v) > 0.01))).toBe(true);
    tf.dispose(real);
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
  });

  it('a NaN loss throws naming it and leaves the models as before the step', async () => {
    const { generator, discriminator } = nets();
    const trainer = new DCGANTrainer({ generator, discriminator, seed: 1 });
    const bad = tf.fill([2, 16, 16, 3], Number.NaN) as tf.Tensor4D;
    const g = await weightsOf(generator);
    const d = await weightsOf(discriminator);
    await expect(trainer.step(bad)).rejects.toThrow(
      /DCGANTrainer.step: lossDReal is NaN at step 1; the models were left as before the step/,
    );
    expect(same(g, await weightsOf(generator))).toBe(true);
    expect(same(d, await weightsOf(discriminator))).toBe(true);
    expect(trainer.steps).toBe(0);
    bad.dispose();
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
  });

  it('rejects bad arguments with the class, argument and value named', async () => {
    const bce = nets('bce');
    const critic = nets('wgan').discriminator;
    expect(() => new DCGANTrainer({ ...bce, discriminator: critic })).toThrow(
      /DCGANTrainer: loss 'bce' needs a discriminator that ends with a sigmoid/,
    );
    expect(() => new DCGANTrainer({ ...bce, loss: 'wgan' })).toThrow(
      /DCGANTrainer: loss 'wgan' needs a critic without a final sigmoid/,
    );
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => new DCGANTrainer({ ...bce, loss: 'hinge' })).toThrow(
      /DCGANTrainer: loss must be one of 'bce', 'wgan', 'wgan-gp', got "hinge"/,
    );
    expect(() => new DCGANTrainer({ ...bce, nCritic: 0 })).toThrow(
      /DCGANTrainer: nCritic must be an integer in \[1, 1000\], got 0/,
    );
    expect(
      () => new DCGANTrainer({ generator: bce.generator, discriminator: critic, loss: 'wgan', clipValue: -1 }),
    ).toThrow(/DCGANTrainer: clipValue must be/);
    expect(() => new DCGANTrainer({ ...bce, seed: -1 })).toThrow(/DCGANTrainer: seed must be/);
    expect(() => new DCGANTrainer({ ...bce, lr: Number.NaN })).toThrow(/DCGANTrainer: lr must be/);
    // @ts-expect-error: a bad value from an untyped caller
    expect(() => new DCGANTrainer({ ...bce, generator: {} })).toThrow(
      /DCGANTrainer: generator must be a tf.LayersModel/,
    );
    expect(() => new DCGANTrainer({ generator: bce.discriminator, discriminator: bce.discriminator })).toThrow(
      /DCGANTrainer: generator must take one input z of shape \[batch, nz\]/,
    );
    const trainer = new DCGANTrainer({ ...bce, seed: 1 });
    const real = realBatch(1, 2);
    const z = tf.zeros([3, NZ]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    await expect(trainer.step(real, { noise: z })).rejects.toThrow(
      /DCGANTrainer.step: noise must be a live float32 tensor \[2, 8\], got shape \[3, 8\] float32/,
    );
    await expect(trainer.step(tf.zeros([16, 16, 3]) as unknown as tf.Tensor4D)).rejects.toThrow(
      /DCGANTrainer.step: real must be NHWC/,
    );
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(trainer.steps).toBe(0);
    tf.dispose([real, z]);
    trainer.dispose();
    [bce.generator, bce.discriminator, critic].forEach((m) => m.dispose());
  });
});
