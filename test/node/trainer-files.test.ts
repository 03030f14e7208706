// saveTrainer / loadTrainer: full and weights-only checkpoints, the sizes they report against the
// sizes the models and Adam's slots imply, loading weights-only files, and bad input.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { patchGANDiscriminator } from '../../src/models/patchgan-discriminator';
import { resnetGenerator } from '../../src/models/resnet-generator';
import { unetGenerator } from '../../src/models/unet-generator';
import { loadTrainer, saveTrainer } from '../../src/node/trainer-files';
import { CycleGANTrainer } from '../../src/training/cyclegan-trainer';
import { Pix2PixTrainer } from '../../src/training/pix2pix-trainer';
import { describeBackends } from '../harness/backends';

const SIZE = 32;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfjs-synth-trainer-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function pix2pixModels(seed: number): { generator: tfl.LayersModel; discriminator: tfl.LayersModel } {
  return {
    generator: unetGenerator({ ngf: 4, numDowns: 5, inputShape: [SIZE, SIZE], seed }),
    discriminator: patchGANDiscriminator({
      inputChannels: 6,
      ndf: 4,
      nLayers: 2,
      inputShape: [SIZE, SIZE],
      seed: seed + 1,
    }),
  };
}

/** Parameters of the models: all weights (running statistics included) and the trainable ones. */
function parameters(...models: tfl.LayersModel[]): { all: number; trainable: number } {
  const count = (ws: tfl.LayerVariable[]) => ws.reduce((n, w) => n + w.shape.reduce((a, b) => a! * b!, 1)!, 0);
  return {
    all: models.reduce((n, m) => n + count(m.weights), 0),
    trainable: models.reduce((n, m) => n + count(m.trainableWeights), 0),
  };
}

function pair(seed: number): [tf.Tensor4D, tf.Tensor4D] {
  const a = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', seed) as tf.Tensor4D;
  const b = tf.tidy(() => tf.tanh(tf.reverse(a, 3))) as tf.Tensor4D;
  return [a, b];
}

async function weightsOf(model: tfl.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (w) => (await w.read().data()) as Float32Array));
}

describeBackends('saveTrainer / loadTrainer', (backend) => {
  it('a full save holds the weights and both Adam moments; a weights-only save the weights alone, and reports both sizes', async () => {
    const models = pix2pixModels(5);
    const trainer = new Pix2PixTrainer(models);
    const [a, b] = pair(1);
    await trainer.step(a, b);
    const before = tf.memory().numTensors;
    const full = await saveTrainer(trainer, join(dir, `${backend}-full`));
    const light = await saveTrainer(trainer, join(dir, `${backend}-weights`), { contents: 'weights' });
    expect(tf.memory().numTensors).toBe(before);
    const p = parameters(models.generator, models.discriminator);
    // float32: 4 bytes a value. Adam: two moments per trainable value plus one iteration count per optimizer (G and D).
    expect(full).toMatchObject({
      contents: 'full',
      modelBytes: 4 * p.all,
      optimizerBytes: 4 * (2 * p.trainable + 2),
      otherBytes: 0,
    });
    expect(light).toMatchObject({ contents: 'weights', modelBytes: 4 * p.all, optimizerBytes: 0, otherBytes: 0 });
    expect(light.tensors).toBe(models.generator.weights.length + models.discriminator.weights.length);
    for (const [info, sub] of [
      [full, 'full'],
      [light, 'weights'],
    ] as const) {
      const onDisk =
        (await stat(join(dir, `${backend}-${sub}`, 'trainer.bin'))).size +
        (await stat(join(dir, `${backend}-${sub}`, 'trainer.json'))).size;
      expect(info.bytes).toBe(onDisk);
      expect((await stat(join(dir, `${backend}-${sub}`, 'trainer.bin'))).size).toBe(
        info.modelBytes + info.optimizerBytes + info.otherBytes,
      );
    }
    // The weights-only files are a little over a third of the full ones (running statistics are saved once).
    expect(light.bytes / full.bytes).toBeGreaterThan(1 / 3);
    expect(light.bytes / full.bytes).toBeLessThan(0.36);
    console.log(
      `[${backend}] ${p.all} weights (${p.trainable} trainable): full save ${full.bytes} bytes, weights-only ${light.bytes} bytes`,
    );
    tf.dispose([a, b]);
    trainer.dispose();
    models.generator.dispose();
    models.discriminator.dispose();
  });

  it("loading a weights-only save gives fresh models the saved weights, step and factor, and keeps the trainer's own optimizer", async () => {
    const models = pix2pixModels(7);
    const trainer = new Pix2PixTrainer(models);
    const [a, b] = pair(2);
    await trainer.step(a, b);
    await trainer.step(a, b);
    trainer.setLearningRateFactor(0.5);
    const path = join(dir, `${backend}-load-weights`);
    await saveTrainer(trainer, path, { contents: 'weights' });

    const freshModels = pix2pixModels(70);
    const fresh = new Pix2PixTrainer(freshModels);
    const before = tf.memory().numTensors;
    await loadTrainer(fresh, path);
    expect(tf.memory().numTensors).toBe(before);
    expect(fresh.steps).toBe(2);
    for (const key of ['generator', 'discriminator'] as const) {
      const [want, got] = [await weightsOf(models[key]), await weightsOf(freshModels[key])];
      got.forEach((w, i) => expect(w).toEqual(want[i]));
    }
    // The fresh trainer's Adam never stepped: its state holds only the two iteration counts.
    const state = await fresh.getState();
    const slots = state.tensors.filter((t) => t.name.startsWith('optimizer/'));
    expect(slots.map((t) => t.tensor.size)).toEqual([1, 1]);
    expect(state.learningRateFactor).toBe(0.5);
    tf.dispose(state.tensors.map((t) => t.tensor));
    // And it trains on from there.
    const losses = await fresh.step(a, b);
    expect(Number.isFinite(losses.lossG)).toBe(true);
    tf.dispose([a, b]);
    for (const t of [trainer, fresh]) t.dispose();
    for (const m of [...Object.values(models), ...Object.values(freshModels)]) m.dispose();
  });

  it("a weights-only CycleGAN save leaves out the image pools; loading it keeps the trainer's pools", async () => {
    const nets = () => ({
      gA: resnetGenerator({ ngf: 4, nBlocks: 1, seed: 1 }),
      gB: resnetGenerator({ ngf: 4, nBlocks: 1, seed: 2 }),
      dA: patchGANDiscriminator({ ndf: 4, nLayers: 2, norm: 'instance', seed: 3 }),
      dB: patchGANDiscriminator({ ndf: 4, nLayers: 2, norm: 'instance', seed: 4 }),
    });
    const n = nets();
    const trainer = new CycleGANTrainer({ ...n, poolSize: 2, seed: 1 });
    const [a, b] = pair(3);
    await trainer.step(a, b);
    const full = await saveTrainer(trainer, join(dir, `${backend}-cyc-full`));
    const light = await saveTrainer(trainer, join(dir, `${backend}-cyc-weights`), { contents: 'weights' });
    // One fake of each side in its pool after one step: 2 images of SIZE x SIZE x 3.
    expect(full.otherBytes).toBe(2 * SIZE * SIZE * 3 * 4);
    expect(light.otherBytes).toBe(0);
    expect(light.optimizerBytes).toBe(0);
    expect(light.modelBytes).toBe(full.modelBytes);
    const n2 = nets();
    const fresh = new CycleGANTrainer({ ...n2, poolSize: 2, seed: 1 });
    await loadTrainer(fresh, join(dir, `${backend}-cyc-weights`));
    expect(fresh.steps).toBe(1);
    expect(await weightsOf(n2.gA)).toEqual(await weightsOf(n.gA));
    const state = await fresh.getState();
    expect(state.tensors.filter((t) => t.name.startsWith('pool/'))).toHaveLength(0);
    tf.dispose(state.tensors.map((t) => t.tensor));
    tf.dispose([a, b]);
    for (const t of [trainer, fresh]) t.dispose();
    for (const m of [...Object.values(n), ...Object.values(n2)]) m.dispose();
  });

  it('rejects bad options before writing anything, and bad files without changing the trainer', async () => {
    const models = pix2pixModels(9);
    const trainer = new Pix2PixTrainer(models);
    const path = join(dir, `${backend}-never`);
    await expect(saveTrainer(trainer, path, { contents: 'optimizer' as never })).rejects.toThrow(
      "saveTrainer: options.contents must be 'full' or 'weights'",
    );
    await expect(saveTrainer(trainer, '')).rejects.toThrow('saveTrainer: dir must be a non-empty string');
    await expect(saveTrainer(trainer, path, null as never)).rejects.toThrow('saveTrainer: options must be an object');
    expect(existsSync(path)).toBe(false);

    // A weights-only file for other architectures: an Error, and the trainer keeps its weights.
    const other = {
      generator: unetGenerator({ ngf: 8, numDowns: 5, inputShape: [SIZE, SIZE], seed: 1 }),
      discriminator: patchGANDiscriminator({ inputChannels: 6, ndf: 4, nLayers: 2, inputShape: [SIZE, SIZE], seed: 2 }),
    };
    const otherTrainer = new Pix2PixTrainer(other);
    const otherPath = join(dir, `${backend}-other`);
    await saveTrainer(otherTrainer, otherPath, { contents: 'weights' });
    const weights = await weightsOf(models.generator);
    const before = tf.memory().numTensors;
    await expect(loadTrainer(trainer, otherPath)).rejects.toThrow(/Pix2PixTrainer\.setState: weight \d+ .* has shape/);
    expect(tf.memory().numTensors).toBe(before);
    expect(await weightsOf(models.generator)).toEqual(weights);

    // A hand-edited header: a full file marked weights-only, and a bad step.
    const json = JSON.parse(await readFile(join(dir, `${backend}-full`, 'trainer.json'), 'utf8'));
    await writeFile(
      join(dir, `${backend}-full`, 'trainer.json'),
      JSON.stringify({ ...json, metadata: { ...json.metadata, contents: 'weights' } }),
    );
    await expect(loadTrainer(trainer, join(dir, `${backend}-full`))).rejects.toThrow(
      'is marked weights-only but holds tensors other than model weights',
    );
    await writeFile(
      join(dir, `${backend}-full`, 'trainer.json'),
      JSON.stringify({ ...json, metadata: { ...json.metadata, step: -1 } }),
    );
    await expect(loadTrainer(trainer, join(dir, `${backend}-full`))).rejects.toThrow(
      'has an invalid step or learningRateFactor',
    );
    expect(tf.memory().numTensors).toBe(before);
    for (const t of [trainer, otherTrainer]) t.dispose();
    for (const m of [...Object.values(models), ...Object.values(other)]) m.dispose();
  });
});
