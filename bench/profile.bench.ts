/**
 * Per-kernel CPU profile (`kernel-profile.ts`) of the DeepFill v2 rows of the networks bench on
 * wasm, one thread: the gated generator's forward (cnum 48, contextual attention) on an image with
 * a centred hole of half the size, and an `InpaintingTrainer` step with the SN-PatchGAN
 * discriminator, batch 1 at `PROFILE_SIZE` (default 256). One warm-up call, then `PROFILE_REPS`
 * (default 1) profiled calls, each printed with its `PROFILE_TOP` (default 25) largest kernel
 * calls by shape. `PROFILE_ONLY=deepfill_fwd,deepfill_step` picks rows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init-backend';
import { registerLayers } from '../src/register';
import { gatedInpaintingGenerator } from '../src/models/gated-inpainting-generator';
import { snPatchGANDiscriminator } from '../src/models/sn-patchgan-discriminator';
import { InpaintingTrainer } from '../src/training/inpainting-trainer';
import { printProfile, profileKernels } from './kernel-profile';
import type { Benchmark, BenchCase } from './types';

const SIZE = Number(process.env.PROFILE_SIZE ?? 256);
const REPS = Number(process.env.PROFILE_REPS ?? 1);
const TOP = Number(process.env.PROFILE_TOP ?? 25);

async function deepfill(what: 'fwd' | 'step'): Promise<BenchCase> {
  const G = gatedInpaintingGenerator({ cnum: 48, inputShape: [SIZE, SIZE], seed: 1 });
  const image = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const mask = tf.tidy(() =>
    tf.pad(tf.ones([1, SIZE / 2, SIZE / 2, 1]), [
      [0, 0],
      [SIZE / 4, SIZE / 4],
      [SIZE / 4, SIZE / 4],
      [0, 0],
    ]),
  ) as tf.Tensor4D;
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
  await run();
  const samples: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const p = await profileKernels(run);
    printProfile(`DeepFill v2 ${what === 'fwd' ? 'forward' : 'step'} 1x${SIZE}x${SIZE}, call ${i + 1}`, p, TOP);
    samples.push(p.cpuMs);
  }
  trainer?.dispose();
  G.dispose();
  D?.dispose();
  tf.dispose([image, mask]);
  return {
    case: `DeepFill v2 ${what} 1x${SIZE}x${SIZE} (CPU ms per profiled call)`,
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

const bench: Benchmark = {
  name: 'profile',
  description: `per-kernel CPU profile of the DeepFill v2 forward and training step on wasm (1 thread), ${SIZE}x${SIZE}`,
  async run(): Promise<BenchCase[]> {
    await initBackend('wasm');
    registerLayers();
    const only = process.env.PROFILE_ONLY?.split(',');
    const cases: BenchCase[] = [];
    if (only == null || only.includes('deepfill_fwd')) cases.push(await deepfill('fwd'));
    if (only == null || only.includes('deepfill_step')) cases.push(await deepfill('step'));
    return cases;
  },
};

export default bench;
