/**
 * The pix2pix step of the networks bench (`Pix2PixTrainer`, unet_256 + the 70x70 PatchGAN, batch
 * 1 at `STEP_KERNELS_SIZE`, default 256) on wasm, one thread, with and without this library's
 * newest step kernels, in one process, steps interleaved: 'new' runs the kernels as registered;
 * 'old' puts the backend's own `Sum`, `Mean` and `LeakyRelu` back and makes `Conv2D` /
 * `FusedConv2D`'s GEMM route use XNNPACK's GEMM (which packs each new filter) instead of the
 * unpacked one. Same trainer, same inputs; each call reports its wall and CPU time
 * (`process.cpuUsage`). In one process both variants see the same memory layout, caches and
 * load, which separate processes on a shared machine do not. `STEP_KERNELS_REPS` (default 5)
 * timed steps per variant after one warm-up each.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LeakyRelu, Mean, Sum } from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init-backend';
import { forceConv2DGemmKernel } from '../src/backend/kernels/conv2d';
import { stockKernel } from '../src/backend/kernels/stock-kernels';
import { Pix2PixTrainer } from '../src/training/pix2pix-trainer';
import { makeDiscriminator, makeGenerator } from './networks.bench';
import { median, timeVariants } from './timing';
import type { Benchmark, BenchCase } from './types';

const SIZE = Number(process.env.STEP_KERNELS_SIZE ?? 256);
const REPS = Number(process.env.STEP_KERNELS_REPS ?? 5);
const SWAPPED = [Sum, Mean, LeakyRelu];

/** Registers the backend's own kernel (`old`) or this library's (`new`) for each swapped name. */
function useKernels(which: 'old' | 'new', own: Map<string, tf.KernelConfig>): void {
  for (const name of SWAPPED) {
    const config = which === 'old' ? stockKernel(name) : own.get(name)!;
    if (tf.getKernel(name, 'wasm') === config) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
  }
  forceConv2DGemmKernel(which === 'old' ? 'xnnpack' : undefined);
}

const bench: Benchmark = {
  name: 'step-kernels',
  description: `the unet_${SIZE} pix2pix step on wasm with and without the unpacked GEMM and the Sum/Mean/LeakyRelu kernels, one process, ${REPS} repetitions`,
  async run(): Promise<BenchCase[]> {
    await initBackend('wasm');
    const own = new Map(SWAPPED.map((n) => [n, tf.getKernel(n, 'wasm')!]));
    const G = makeGenerator('unet', SIZE);
    const D = makeDiscriminator(SIZE);
    const trainer = new Pix2PixTrainer({ generator: G, discriminator: D });
    const a = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const b = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    const cpu: Record<string, number[]> = { old: [], new: [] };
    const variant = (which: 'old' | 'new') => ({
      name: which,
      before: () => useKernels(which, own),
      run: async () => {
        const c0 = process.cpuUsage();
        await trainer.step(a, b);
        const c = process.cpuUsage(c0);
        cpu[which]!.push((c.user + c.system) / 1000);
      },
    });
    try {
      const timings = await timeVariants([variant('old'), variant('new')], { repetitions: REPS, warmup: 1 });
      const cpuMs = (w: string) => median(cpu[w]!.slice(1));
      return [
        {
          case: `pix2pix step unet_${SIZE} + PatchGAN: CPU ms median old ${cpuMs('old').toFixed(0)}, new ${cpuMs('new').toFixed(0)} (samples old ${cpu.old!.slice(1).map((x) => x.toFixed(0))}, new ${cpu.new!.slice(1).map((x) => x.toFixed(0))})`,
          timings,
          ratios: {
            'old / new, wall': timings[0]!.medianMs / timings[1]!.medianMs,
            'old / new, CPU': cpuMs('old') / cpuMs('new'),
          },
        },
      ];
    } finally {
      useKernels('new', own);
      trainer.dispose();
      G.dispose();
      D.dispose();
      tf.dispose([a, b]);
    }
  },
};

export default bench;
