// Memory regression over many steps: after the optimizers' slots and the image pools are filled
// (step 2), every further step of Pix2PixTrainer and CycleGANTrainer leaves tf.memory() exactly
// as it was, in tensor count and in bytes, with a fresh batch per step as a data loader gives;
// and disposing trainer and models returns to the count before. (The per-trainer tests check the
// tensor count over a few steps on one batch; `npm run bench -- memory` measures 200 steps.)
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { describeBackends } from '../harness/backends';
import { unetGenerator } from '../../src/models/unet-generator';
import { patchGANDiscriminator } from '../../src/models/patchgan-discriminator';
import { Pix2PixTrainer } from '../../src/training/pix2pix-trainer';
import { CycleGANTrainer } from '../../src/training/cyclegan-trainer';
import { tinyCycleGANNets } from '../harness/tiny-networks';

const STEPS = 20;

/** Runs `steps` steps on fresh batches; returns tf.memory() after each. */
async function memoryPerStep(
  size: number,
  step: (a: tf.Tensor4D, b: tf.Tensor4D) => Promise<unknown>,
): Promise<Array<{ numTensors: number; numBytes: number }>> {
  const out: Array<{ numTensors: number; numBytes: number }> = [];
  for (let i = 0; i < STEPS; i++) {
    const a = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 2 * i) as tf.Tensor4D;
    const b = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 2 * i + 1) as tf.Tensor4D;
    await step(a, b);
    tf.dispose([a, b]);
    const { numTensors, numBytes } = tf.memory();
    out.push({ numTensors, numBytes });
  }
  return out;
}

function expectConstantAfterStep2(mem: Array<{ numTensors: number; numBytes: number }>): void {
  const ref = mem[1]!;
  for (const [i, m] of mem.entries()) {
    if (i < 2) continue;
    expect({ step: i + 1, ...m }).toEqual({ step: i + 1, ...ref });
  }
}

describeBackends('trainer memory over many steps', () => {
  it(`Pix2PixTrainer: tensors and bytes constant over ${STEPS} steps after step 2`, async () => {
    const start = tf.memory().numTensors;
    const generator = unetGenerator({ ngf: 4, numDowns: 5, norm: 'batch', seed: 1 });
    const discriminator = patchGANDiscriminator({ inputChannels: 6, ndf: 4, nLayers: 2, norm: 'batch', seed: 2 });
    const trainer = new Pix2PixTrainer({ generator, discriminator });
    const mem = await memoryPerStep(32, (a, b) => trainer.step(a, b));
    expectConstantAfterStep2(mem);
    // The optimizers' slots appeared at step 1: the count did grow from before the first step.
    expect(mem[0]!.numTensors).toBeGreaterThan(start);
    trainer.dispose();
    for (const m of [generator, discriminator] as tfl.LayersModel[]) m.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it(`CycleGANTrainer with full image pools: tensors and bytes constant over ${STEPS} steps after step 2`, async () => {
    const start = tf.memory().numTensors;
    // Width 2 and 12x12 images (the PatchGAN's smallest): the cpu backend's filter gradients
    // made 20 steps at width 4 and 16x16 cost over a minute, and what is checked here does not
    // depend on the sizes.
    const nets = tinyCycleGANNets(2);
    // Pools of 2 images: full after step 2, after which they swap images but never grow.
    const trainer = new CycleGANTrainer({ ...nets, poolSize: 2, seed: 3 });
    const mem = await memoryPerStep(12, (a, b) => trainer.step(a, b));
    expectConstantAfterStep2(mem);
    // Step 2 stored a second image in each pool: two more tensors than after step 1.
    expect(mem[1]!.numTensors - mem[0]!.numTensors).toBe(2);
    trainer.dispose();
    for (const m of Object.values(nets)) m.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
