/**
 * Whole networks on wasm against the PyTorch reference on the same machine, in the same run:
 * inference of unet_256 and resnet_9blocks, and full pix2pix training steps (generator + 70x70
 * PatchGAN, Adam, D step then G step) at batch 1, 256x256.
 *
 * Each row times wasm first (interleaved variants, see `timeVariants`), then runs
 * `bench/pytorch/reference.py` for the same work right after, so both sides see nearly the same
 * machine load; only the ratio tfjs / PyTorch of medians is meaningful on a shared machine.
 * Repetitions are small (these steps take seconds): `NETWORKS_REPS` (default 3) timed calls
 * after one warm-up. `NETWORKS_SIZE` (default 256; a power of two, the U-Net gets log2(size) levels) shrinks the images for a quick check.
 *
 * Also reported: the generator's backward + SGD update relative to its forward pass (training
 * mode, L1 loss only) within wasm, and per training step the JS heap, the wasm memory and the
 * tfjs tensor count, whose growth over the measured steps is printed (not asserted).
 *
 * PyTorch comes from Debian's system python (`/usr/bin/python3` with `python3-torch`); when it
 * cannot import torch the PyTorch column is skipped with a hint. The benchmark installs nothing.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/backend/init-backend';
import { registerLayers } from '../src/register';
import { unetGenerator } from '../src/models/unet-generator';
import { resnetGenerator } from '../src/models/resnet-generator';
import { patchGANDiscriminator } from '../src/models/patchgan-discriminator';
import { Pix2PixTrainer } from '../src/training/pix2pix-trainer';
import { median, timeVariants, type VariantTiming } from './timing';
import { medianRatio, type Benchmark, type BenchCase } from './types';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'pytorch', 'reference.py');
const REPS = Number(process.env.NETWORKS_REPS ?? 3);
const SIZE = Number(process.env.NETWORKS_SIZE ?? 256);

type GenKind = 'unet' | 'resnet';

function makeGenerator(kind: GenKind): tfl.LayersModel {
  // Same configuration as the PyTorch side: pix2pix defaults (batch norm), no dropout.
  return kind === 'unet'
    ? unetGenerator({ numDowns: Math.log2(SIZE), ngf: 64, norm: 'batch', dropout: false })
    : resnetGenerator({ ngf: 64, nBlocks: 9, norm: 'batch', dropout: false });
}

function torchAvailable(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Runs the PyTorch reference for one row; its samples become a timing named 'pytorch'. */
function timePytorch(work: string): VariantTiming {
  const r = spawnSync(PYTHON, [SCRIPT, work, '--reps', String(REPS), '--warmup', '1', '--size', String(SIZE)], {
    encoding: 'utf8',
    // One BLAS thread as well as one intra-op thread: the wasm backend is single-threaded.
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`networks bench: ${SCRIPT} ${work} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { samples_ms: number[] };
  return {
    name: 'pytorch',
    repetitions: out.samples_ms.length,
    medianMs: median(out.samples_ms),
    minMs: Math.min(...out.samples_ms),
    samplesMs: out.samples_ms,
  };
}

function wasmHeapBytes(): number {
  const backend = tf.backend() as BackendWasm & { wasm: { HEAPU8: Uint8Array } };
  return backend.wasm.HEAPU8.length;
}

interface MemorySample {
  jsHeapMB: number;
  wasmHeapMB: number;
  numTensors: number;
  tfBytesMB: number;
}

function memorySample(): MemorySample {
  const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  return {
    jsHeapMB: mb(process.memoryUsage().heapUsed),
    wasmHeapMB: mb(wasmHeapBytes()),
    numTensors: tf.memory().numTensors,
    tfBytesMB: mb(tf.memory().numBytes),
  };
}

type NetworkCase = BenchCase & { memoryPerStep?: MemorySample[] };

async function forwardCase(kind: GenKind, withTorch: boolean): Promise<NetworkCase> {
  let G: tfl.LayersModel | undefined;
  let a: tf.Tensor4D | undefined;
  const timings = await timeVariants(
    [
      {
        name: 'wasm',
        setup: () => {
          G = makeGenerator(kind);
          a = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
        },
        run: () => {
          const y = G!.predict(a!) as tf.Tensor;
          y.dataSync();
          y.dispose();
        },
        teardown: () => {
          G?.dispose();
          a?.dispose();
        },
      },
    ],
    { repetitions: REPS, warmup: 1 },
  );
  if (withTorch) timings.push(timePytorch(`${kind}_fwd`));
  return {
    case: `${kind} forward (inference) 1x${SIZE}x${SIZE}`,
    timings,
    ratios: withTorch ? { 'wasm / pytorch': medianRatio(timings, 'wasm', 'pytorch') } : {},
  };
}

async function trainingCase(kind: GenKind, withTorch: boolean): Promise<NetworkCase> {
  let G: tfl.LayersModel | undefined;
  let D: tfl.LayersModel | undefined;
  let trainer: Pix2PixTrainer | undefined;
  let a: tf.Tensor4D | undefined;
  let b: tf.Tensor4D | undefined;
  let gVars: tf.Variable[] = [];
  let opt: tf.SGDOptimizer | undefined;
  const memoryPerStep: MemorySample[] = [];
  const timings = await timeVariants(
    [
      {
        name: 'wasm step',
        setup: () => {
          G = makeGenerator(kind);
          D = patchGANDiscriminator({ inputChannels: 6, ndf: 64, nLayers: 3, norm: 'batch' });
          trainer = new Pix2PixTrainer({ generator: G, discriminator: D });
          a = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
          b = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
          gVars = G.trainableWeights.map((w) => w.read() as tf.Variable);
          // SGD, not Adam: Adam's two slots per weight would add ~440 MB of wasm memory for
          // unet_256 next to the trainer's own state; the update is a small part of the step.
          opt = tf.train.sgd(2e-4);
        },
        run: async () => {
          await trainer!.step(a!, b!);
          memoryPerStep.push(memorySample());
        },
      },
      // Generator alone, training mode: forward, and forward + backward + SGD update of an L1
      // loss, for the ratio backward+update / forward within wasm.
      {
        name: 'wasm G forward',
        run: () => {
          const y = tf.tidy(() => tf.mean(tf.abs(tf.sub(G!.apply(a!, { training: true }) as tf.Tensor, b!))));
          y.dataSync();
          y.dispose();
        },
      },
      {
        name: 'wasm G fwd+bwd+update',
        run: () => {
          const cost = opt!.minimize(
            () => tf.mean(tf.abs(tf.sub(G!.apply(a!, { training: true }) as tf.Tensor, b!))) as tf.Scalar,
            true,
            gVars,
          );
          cost!.dataSync();
          cost!.dispose();
        },
        teardown: () => {
          trainer?.dispose();
          opt?.dispose();
          G?.dispose();
          D?.dispose();
          tf.dispose([a!, b!]);
        },
      },
    ],
    { repetitions: REPS, warmup: 1 },
  );
  if (withTorch) timings.push(timePytorch(`${kind}_step`));
  const fwd = timings.find((t) => t.name === 'wasm G forward')!.medianMs;
  const full = timings.find((t) => t.name === 'wasm G fwd+bwd+update')!.medianMs;
  const ratios: Record<string, number> = { 'G (bwd+update) / fwd': (full - fwd) / fwd };
  if (withTorch) ratios['wasm step / pytorch step'] = medianRatio(timings, 'wasm step', 'pytorch');
  return {
    case: `pix2pix step ${kind} + PatchGAN 1x${SIZE}x${SIZE} (Pix2PixTrainer)`,
    timings,
    ratios,
    memoryPerStep,
  };
}

const bench: Benchmark = {
  name: 'networks',
  description: `unet_256 / resnet_9blocks inference and pix2pix training steps on wasm vs PyTorch (1 thread), batch 1, ${SIZE}x${SIZE}, ${REPS} repetitions`,
  async run(): Promise<BenchCase[]> {
    await initBackend('wasm');
    registerLayers();
    const withTorch = torchAvailable();
    if (!withTorch) {
      console.log(`  ${PYTHON} cannot import torch: PyTorch rows skipped (Debian: apt-get install python3-torch).`);
    }
    const only = process.env.NETWORKS_ONLY?.split(',');
    const cases: NetworkCase[] = [];
    const rows: Array<[string, () => Promise<NetworkCase>]> = [
      ['unet_fwd', () => forwardCase('unet', withTorch)],
      ['resnet_fwd', () => forwardCase('resnet', withTorch)],
      ['unet_step', () => trainingCase('unet', withTorch)],
      ['resnet_step', () => trainingCase('resnet', withTorch)],
    ];
    for (const [name, row] of rows) {
      if (only != null && !only.includes(name)) continue;
      const c = await row();
      cases.push(c);
      // Printed at once as well: a wasm abort (out of memory) in a later row loses the table.
      console.log(
        `  done: ${c.case}: ` +
          c.timings.map((t) => `${t.name} ${(t.medianMs / 1000).toFixed(2)} s`).join(', ') +
          '; ' +
          Object.entries(c.ratios)
            .map(([k, v]) => `${k} ${v.toFixed(2)}x`)
            .join(', '),
      );
      if (c.memoryPerStep != null) {
        // The first sample follows the warm-up step, before the trainer's and the G-only
        // variants' first updates settled; growth is measured over the timed steps only.
        const timed = c.memoryPerStep.slice(1);
        const first = timed[0]!;
        const last = timed.at(-1)!;
        console.log(
          `  ${c.case}: after each step JS heap ${c.memoryPerStep.map((m) => m.jsHeapMB).join(' / ')} MB, ` +
            `wasm memory ${c.memoryPerStep.map((m) => m.wasmHeapMB).join(' / ')} MB, ` +
            `tensors ${c.memoryPerStep.map((m) => m.numTensors).join(' / ')} ` +
            `(growth over the timed steps: ${last.numTensors - first.numTensors} tensors, ` +
            `${(last.wasmHeapMB - first.wasmHeapMB).toFixed(1)} MB wasm)`,
        );
      }
    }
    return cases;
  },
};

export default bench;
