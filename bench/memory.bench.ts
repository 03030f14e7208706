/**
 * Memory over many training steps on wasm: `MEMORY_STEPS` (default 200) steps of
 * `Pix2PixTrainer` (U-Net + 70x70 PatchGAN, batch norm) and of `CycleGANTrainer` (two ResNet
 * generators, two PatchGANs, instance norm, image pools of 50), at `MEMORY_SIZE` x `MEMORY_SIZE`
 * (default 64) with small widths (`MEMORY_NGF`, default 16) so the run stays short.
 *
 * After every step (and a forced full garbage collection, so the JS heap is the live heap and
 * not the collector's schedule) it records the JS heap (`process.memoryUsage().heapUsed`), the
 * resident set size, the wasm memory (`HEAPU8.length`, which only ever grows) and
 * `tf.memory().numTensors` / `numBytes`. Reported per series: first, last and max, and the
 * slope of a least-squares line over the last 150 steps (after the image pools are full), per
 * step and extrapolated to 1000 steps. A leak shows as a positive tensor/byte slope or a wasm
 * memory that keeps growing; the JS heap and RSS wander by a few hundred KB with the allocator.
 *
 * Each step gets a fresh random batch (created and disposed around the step), like a data loader.
 * Env: `MEMORY_STEPS`, `MEMORY_SIZE` (a power of two), `MEMORY_NGF`, `MEMORY_ONLY=pix2pix,cyclegan`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/backend/init-backend';
import { unetGenerator } from '../src/models/unet-generator';
import { resnetGenerator } from '../src/models/resnet-generator';
import { patchGANDiscriminator } from '../src/models/patchgan-discriminator';
import { Pix2PixTrainer } from '../src/training/pix2pix-trainer';
import { CycleGANTrainer } from '../src/training/cyclegan-trainer';
import { median } from './timing';
import type { Benchmark, BenchCase } from './types';

const STEPS = Number(process.env.MEMORY_STEPS ?? 200);
const SIZE = Number(process.env.MEMORY_SIZE ?? 64);
const NGF = Number(process.env.MEMORY_NGF ?? 16);
/** Steps at the end the slope is fitted over (after the pools of 50 are full). */
const FIT = Math.min(150, Math.max(2, STEPS - 1));

// `--expose-gc` cannot be passed through `npm run bench`; this enables it at run time.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** One row per step. */
interface StepMemory {
  step: number;
  ms: number;
  heapUsed: number;
  rss: number;
  wasmMemory: number;
  numTensors: number;
  numBytes: number;
}

type Series = Exclude<keyof StepMemory, 'step' | 'ms'>;
const SERIES: Series[] = ['heapUsed', 'rss', 'wasmMemory', 'numTensors', 'numBytes'];

interface SeriesSummary {
  first: number;
  last: number;
  max: number;
  /** Least-squares slope over the last FIT steps, units per step. */
  slopePerStep: number;
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function summarize(rows: readonly StepMemory[]): Record<Series, SeriesSummary> {
  const tail = rows.slice(-FIT);
  const out = {} as Record<Series, SeriesSummary>;
  for (const s of SERIES) {
    const ys = rows.map((r) => r[s]);
    out[s] = {
      first: ys[0]!,
      last: ys.at(-1)!,
      max: Math.max(...ys),
      slopePerStep: slope(
        tail.map((r) => r.step),
        tail.map((r) => r[s]),
      ),
    };
  }
  return out;
}

function sample(step: number, ms: number): StepMemory {
  gc();
  const backend = tf.backend() as BackendWasm & { wasm: { HEAPU8: Uint8Array } };
  const mem = process.memoryUsage();
  const tfm = tf.memory();
  return {
    step,
    ms,
    heapUsed: mem.heapUsed,
    rss: mem.rss,
    wasmMemory: backend.wasm.HEAPU8.length,
    numTensors: tfm.numTensors,
    numBytes: tfm.numBytes,
  };
}

type MemoryCase = BenchCase & { summary: Record<Series, SeriesSummary>; perStep: StepMemory[] };

async function runSteps(
  label: string,
  step: (a: tf.Tensor4D, b: tf.Tensor4D) => Promise<unknown>,
): Promise<MemoryCase> {
  const rows: StepMemory[] = [];
  for (let i = 1; i <= STEPS; i++) {
    const a = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 2 * i) as tf.Tensor4D;
    const b = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 2 * i + 1) as tf.Tensor4D;
    const t0 = performance.now();
    await step(a, b);
    const ms = performance.now() - t0;
    tf.dispose([a, b]);
    rows.push(sample(i, ms));
    if (i % 50 === 0)
      console.log(`  ${label}: step ${i}/${STEPS}, ${ms.toFixed(0)} ms, ${rows.at(-1)!.numTensors} tensors`);
  }
  const ms = rows.map((r) => r.ms);
  return {
    case: label,
    timings: [{ name: 'step', repetitions: ms.length, medianMs: median(ms), minMs: Math.min(...ms), samplesMs: ms }],
    ratios: {},
    summary: summarize(rows),
    perStep: rows,
  };
}

async function pix2pixCase(): Promise<MemoryCase> {
  const generator = unetGenerator({ numDowns: Math.log2(SIZE), ngf: NGF, norm: 'batch', dropout: false });
  const discriminator = patchGANDiscriminator({ inputChannels: 6, ndf: NGF, nLayers: 3, norm: 'batch' });
  const trainer = new Pix2PixTrainer({ generator, discriminator });
  try {
    return await runSteps(
      `Pix2PixTrainer unet(ngf ${NGF}, batch norm) + PatchGAN, 1x${SIZE}x${SIZE}, ${STEPS} steps`,
      (a, b) => trainer.step(a, b),
    );
  } finally {
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
  }
}

async function cycleganCase(): Promise<MemoryCase> {
  const gA = resnetGenerator({ ngf: NGF, nBlocks: 3, norm: 'instance' });
  const gB = resnetGenerator({ ngf: NGF, nBlocks: 3, norm: 'instance' });
  const dA = patchGANDiscriminator({ ndf: NGF, nLayers: 3, norm: 'instance' });
  const dB = patchGANDiscriminator({ ndf: NGF, nLayers: 3, norm: 'instance' });
  const trainer = new CycleGANTrainer({ gA, gB, dA, dB, poolSize: 50, seed: 1 });
  try {
    return await runSteps(
      `CycleGANTrainer resnet(ngf ${NGF}, 3 blocks, instance norm) x2 + PatchGAN x2, pools of 50, 1x${SIZE}x${SIZE}, ${STEPS} steps`,
      (a, b) => trainer.step(a, b),
    );
  } finally {
    trainer.dispose();
    for (const m of [gA, gB, dA, dB]) m.dispose();
  }
}

function printSummary(c: MemoryCase): void {
  const fmt = (s: Series, v: number) => (s === 'numTensors' ? v.toFixed(0) : `${(v / 2 ** 20).toFixed(2)} MB`);
  const fmtSlope = (s: Series, v: number) => (s === 'numTensors' ? v.toFixed(3) : `${(v / 1024).toFixed(2)} KB`);
  console.log(`\n  ${c.case}: after each step (forced GC), slope over the last ${FIT} steps`);
  console.log(
    `    ${'series'.padEnd(11)} ${'first'.padStart(11)} ${'last'.padStart(11)} ${'max'.padStart(11)} ${'slope/step'.padStart(12)}`,
  );
  for (const s of SERIES) {
    const v = c.summary[s];
    console.log(
      `    ${s.padEnd(11)} ${fmt(s, v.first).padStart(11)} ${fmt(s, v.last).padStart(11)} ${fmt(s, v.max).padStart(11)} ${fmtSlope(s, v.slopePerStep).padStart(12)}`,
    );
  }
}

const bench: Benchmark = {
  name: 'memory',
  description: `JS heap, RSS, wasm memory and tfjs tensors after each of ${STEPS} Pix2PixTrainer and CycleGANTrainer steps on wasm, ${SIZE}x${SIZE}`,
  async run(): Promise<BenchCase[]> {
    await initBackend('wasm');
    const only = process.env.MEMORY_ONLY?.split(',');
    const cases: MemoryCase[] = [];
    for (const [name, row] of [
      ['pix2pix', pix2pixCase],
      ['cyclegan', cycleganCase],
    ] as const) {
      if (only != null && !only.includes(name)) continue;
      const c = await row();
      printSummary(c);
      cases.push(c);
    }
    return cases;
  },
};

export default bench;
