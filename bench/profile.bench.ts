/**
 * Per-kernel CPU profile (`kernel-profile.ts`) of rows of the networks bench on wasm, one thread:
 * the DeepFill v2 gated generator's forward (cnum 48, contextual attention) on an image with a
 * centred hole of half the size, an `InpaintingTrainer` step with the SN-PatchGAN discriminator,
 * and the pix2pix step of the networks bench (`Pix2PixTrainer`, unet_256 or resnet_9blocks + the
 * 70x70 PatchGAN, batch norm, no dropout), batch 1 at `PROFILE_SIZE` (default 256). One warm-up
 * call, then `PROFILE_REPS` (default 1) profiled calls, each printed with its `PROFILE_TOP`
 * (default 25) largest kernel calls by shape.
 * `PROFILE_ONLY=deepfill_fwd,deepfill_step,unet_step,resnet_step` picks rows (default: the two
 * DeepFill rows and unet_step).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init-backend';
import { registerLayers } from '../src/register';
import { gatedInpaintingGenerator } from '../src/models/gated-inpainting-generator';
import { snPatchGANDiscriminator } from '../src/models/sn-patchgan-discriminator';
import { InpaintingTrainer } from '../src/training/inpainting-trainer';
import { Pix2PixTrainer } from '../src/training/pix2pix-trainer';
import { centredHoleMask, makeDiscriminator, makeGenerator, type GenKind } from './networks.bench';
import { printProfile, profileKernels } from './kernel-profile';
import type { Benchmark, BenchCase } from './types';

const SIZE = Number(process.env.PROFILE_SIZE ?? 256);
const REPS = Number(process.env.PROFILE_REPS ?? 1);
const TOP = Number(process.env.PROFILE_TOP ?? 25);

/** Runs `run` once to warm up, then `REPS` profiled calls; returns the case of CPU times. */
async function profiled(title: string, label: string, run: () => Promise<void>): Promise<BenchCase> {
  await run();
  const samples: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const p = await profileKernels(run);
    printProfile(`${title}, call ${i + 1}`, p, TOP);
    samples.push(p.cpuMs);
  }
  return {
    case: `${label} (CPU ms per profiled call)`,
    timings: [
      {
        name: 'wasm CPU',
        repetitions: samples.length,
        medianMs: [...samples].sort((a, b) => a - b)[samples.length >> 1]!,
        minMs: Math.min(...samples),
        samplesMs: samples,
      },
    ],
    ratios: {},
  };
}

/** The networks bench's pix2pix step (`Pix2PixTrainer`, Adam), batch 1 at SIZE. */
async function pix2pix(kind: GenKind): Promise<BenchCase> {
  const G = makeGenerator(kind, SIZE);
  const D = makeDiscriminator(SIZE);
  const trainer = new Pix2PixTrainer({ generator: G, discriminator: D });
  const a = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const b = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
  try {
    const name = kind === 'unet' ? `unet_${SIZE}` : 'resnet_9blocks';
    return await profiled(
      `pix2pix step ${name} + PatchGAN 1x${SIZE}x${SIZE}`,
      `pix2pix step ${name} 1x${SIZE}x${SIZE}`,
      async () => {
        await trainer.step(a, b);
      },
    );
  } finally {
    trainer.dispose();
    G.dispose();
    D.dispose();
    tf.dispose([a, b]);
  }
}

async function deepfill(what: 'fwd' | 'step'): Promise<BenchCase> {
  const G = gatedInpaintingGenerator({ cnum: 48, inputShape: [SIZE, SIZE], seed: 1 });
  const image = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const mask = centredHoleMask(SIZE);
  const D = what === 'step' ? snPatchGANDiscriminator({ inputShape: [SIZE, SIZE], seed: 2 }) : undefined;
  const trainer = D == null ? undefined : new InpaintingTrainer({ generator: G, discriminator: D });
  const run = async () => {
    if (trainer != null) {
      await trainer.step(image, mask);
      return;
    }
    const y = tf.tidy(() => {
      const incomplete = tf.mul(image, tf.sub(1, mask));
      return (G.predict([incomplete, mask]) as tf.Tensor[])[1]!;
    });
    y.dataSync();
    y.dispose();
  };
  try {
    const label = `DeepFill v2 ${what} 1x${SIZE}x${SIZE}`;
    return await profiled(`DeepFill v2 ${what === 'fwd' ? 'forward' : 'step'} 1x${SIZE}x${SIZE}`, label, run);
  } finally {
    trainer?.dispose();
    G.dispose();
    D?.dispose();
    tf.dispose([image, mask]);
  }
}

const bench: Benchmark = {
  name: 'profile',
  description: `per-kernel CPU profile of the DeepFill v2 forward and training step and the pix2pix steps on wasm (1 thread), ${SIZE}x${SIZE}`,
  async run(): Promise<BenchCase[]> {
    await initBackend('wasm');
    registerLayers();
    const only = process.env.PROFILE_ONLY?.split(',');
    const cases: BenchCase[] = [];
    if (only == null || only.includes('deepfill_fwd')) cases.push(await deepfill('fwd'));
    if (only == null || only.includes('deepfill_step')) cases.push(await deepfill('step'));
    if (only == null || only.includes('unet_step')) cases.push(await pix2pix('unet'));
    if (only?.includes('resnet_step') === true) cases.push(await pix2pix('resnet'));
    return cases;
  },
};

export default bench;
