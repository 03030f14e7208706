/**
 * Whole networks on wasm against the PyTorch reference on the same machine, in the same run:
 * inference of unet_256, resnet_9blocks and the 70x70 PatchGAN at batch 1, 256x256, of the DCGAN
 * generator (64x64) at its training batch of 64, and full pix2pix training steps (generator +
 * 70x70 PatchGAN, Adam, D step then G step) at batch 1, 256x256; AdaIN style transfer (forward and
 * a decoder training step) and DeepFill v2 (forward and an `InpaintingTrainer` step), wasm only.
 * `NETWORKS_ONLY=unet_fwd,...` picks rows (unet_fwd, resnet_fwd, patchgan_fwd, dcgan_fwd,
 * unet_step, resnet_step, adain_fwd, adain_step, deepfill_fwd, deepfill_step).
 *
 * Every row interleaves, call by call (see `timeVariants`): the wasm work, PyTorch with 1 thread,
 * PyTorch with every core (`torch.set_num_threads`), and the ceiling, a 2048x2048 `tf.matMul` on
 * the wasm backend (XNNPACK's GEMM), `NETWORKS_CEILING_CALLS` (default 3) products per call, each
 * a sample: the row's ceiling is their median, printed with the slowest and fastest, and the run's
 * samples together are summarised at the end (see {@link ceilingVariant} for why). PyTorch runs as two long-lived `bench/pytorch/reference.py
 * --serve` processes that time each call themselves (wall and process CPU time), so all columns
 * of a row see the same machine load. Medians are reported with cpu/wall (the cores a call really
 * used: below 1 on one thread means other processes took the core). Repetitions are small (these
 * steps take seconds): `NETWORKS_REPS` (default 3) timed calls after one warm-up.
 * `NETWORKS_SIZE` (default 256; a power of two, the U-Net gets log2(size) levels) shrinks the
 * images for a quick check.
 *
 * Honest baseline: the PyTorch processes run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset
 * (these two only; the tests never touch them). Each reports which BLAS it mapped
 * (/proc/self/maps); with Debian's reference BLAS (python3-torch without libopenblas0-pthread)
 * PyTorch is about 20x slower than it can be, so the bench then prints the timings but no ratio,
 * and says why. wasm runs one thread here: the threaded build (`initBackend('wasm', { threads })`)
 * replaces the process's wasm backend, so `npm run bench -- threads` times it in child processes;
 * the bench prints the backend's thread count, and the "wasm, N threads" column reads "n/a" (see
 * {@link threadedWasmTiming}).
 *
 * GMAC/s: multiply-adds of the convolution layers, counted from the models' shapes by
 * `convMacs` (forward), and for a training step by `stepMacs` (3 G + 8 D, see there), divided by
 * the median time; for the AdaIN and DeepFill rows, counted as executed by `countedMacs`.
 * "% of ceiling" divides that by the same row's matMul GMAC/s (the median sample), and "% of
 * ceiling, CPU time" does the same with CPU times (median wall x median cpu/wall of each variant).
 *
 * Also reported: the generator's backward + SGD update relative to its forward pass (training
 * mode, L1 loss only) within wasm, and per training step the JS heap, the wasm memory and the
 * tfjs tensor count, whose growth over the measured steps is printed (not asserted).
 *
 * PyTorch comes from Debian's system python (`/usr/bin/python3` with `python3-torch` and
 * `libopenblas0-pthread`); when it cannot import torch the PyTorch columns are skipped with a
 * hint. The benchmark installs nothing.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/backend/init-backend';
import { registerLayers } from '../src/register';
import { unetGenerator } from '../src/models/unet-generator';
import { resnetGenerator } from '../src/models/resnet-generator';
import { patchGANDiscriminator } from '../src/models/patchgan-discriminator';
import { dcganGenerator } from '../src/models/dcgan-generator';
import { adainEncoder } from '../src/models/adain-encoder';
import { adainDecoder } from '../src/models/adain-decoder';
import { gatedInpaintingGenerator } from '../src/models/gated-inpainting-generator';
import { snPatchGANDiscriminator } from '../src/models/sn-patchgan-discriminator';
import { adaptiveInstanceNorm } from '../src/ops/adaptive-instance-norm';
import { adainStyleLoss } from '../src/losses/adain-style-loss';
import { Pix2PixTrainer } from '../src/training/pix2pix-trainer';
import { InpaintingTrainer } from '../src/training/inpainting-trainer';
import { DILATION_AWARE_FILTER_GRADIENTS } from '../src/core/kernel-capabilities';
import { COUNTED_KERNELS, kernelMacs } from './kernel-profile';
import { median, timeVariants, type Variant, type VariantTiming } from './timing';
import type { Benchmark, BenchCase } from './types';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'pytorch', 'reference.py');
const REPS = Number(process.env.NETWORKS_REPS ?? 3);
const SIZE = Number(process.env.NETWORKS_SIZE ?? 256);
const WARMUP = 1;
const CEILING_N = 2048;
const CEILING_MACS = CEILING_N ** 3;

export type GenKind = 'unet' | 'resnet';

/** DeepFill's bench mask: a centred hole half the image's side, [1, size, size, 1]. */
export function centredHoleMask(size: number): tf.Tensor4D {
  return tf.tidy(() =>
    tf.pad(tf.ones([1, size / 2, size / 2, 1]), [
      [0, 0],
      [size / 4, size / 4],
      [size / 4, size / 4],
      [0, 0],
    ]),
  ) as tf.Tensor4D;
}

export function makeGenerator(kind: GenKind, size = SIZE): tfl.LayersModel {
  // Same configuration as the PyTorch side: pix2pix defaults (batch norm), no dropout. A fixed
  // input shape, so every layer's shape is known to `convMacs`.
  const inputShape: [number, number] = [size, size];
  return kind === 'unet'
    ? unetGenerator({ numDowns: Math.log2(size), ngf: 64, norm: 'batch', dropout: false, inputShape })
    : resnetGenerator({ ngf: 64, nBlocks: 9, norm: 'batch', dropout: false, inputShape });
}

export function makeDiscriminator(size = SIZE): tfl.LayersModel {
  return patchGANDiscriminator({ inputChannels: 6, ndf: 64, nLayers: 3, norm: 'batch', inputShape: [size, size] });
}

/**
 * Multiply-adds of one forward pass (batch 1) through the convolution layers of `model`, from
 * the layers' static shapes: a `Conv2D` does OH*OW*Co * KH*KW*Ci, a `Conv2DTranspose` (each input
 * pixel scatters the whole filter) H*W*Ci * KH*KW*Co. Other layers (norms, activations, concat)
 * are not counted. Throws when a shape is not fully known.
 */
export function convMacs(model: tfl.LayersModel): number {
  let macs = 0;
  const dims = (t: tfl.SymbolicTensor | tfl.SymbolicTensor[], what: string): [number, number, number] => {
    const shape = (Array.isArray(t) ? t[0]! : t).shape;
    if (shape.length !== 4 || shape.slice(1).some((d) => d == null))
      throw new Error(`convMacs: ${what} has shape ${JSON.stringify(shape)}`);
    return shape.slice(1) as [number, number, number];
  };
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Conv2DTranspose') continue;
    const [kh, kw] = (layer as unknown as { kernelSize: [number, number] }).kernelSize;
    const [ih, iw, ci] = dims(layer.input, `${layer.name} input`);
    const [oh, ow, co] = dims(layer.output, `${layer.name} output`);
    macs += cls === 'Conv2D' ? oh * ow * co * kh * kw * ci : ih * iw * ci * kh * kw * co;
  }
  return macs;
}

/**
 * Multiply-adds of one pix2pix training step, counting each convolution's forward as F and each
 * of its two gradients (input, filter) as F too: G forward + backward 3 G; D step: two forwards
 * (fake, real) and their backward, 6 D; G step: one D forward and its input gradient, 2 D.
 * So 3 G + 8 D, the same for wasm and PyTorch (both skip the filter gradient of D in the G step).
 */
function stepMacs(g: number, d: number): number {
  return 3 * g + 8 * d;
}

function torchAvailable(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0;
}

/** The environment of the PyTorch processes: the two OpenBLAS overrides unset; one thread or all. */
function torchEnv(threads: 'one' | 'all'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (threads === 'one') {
    // One BLAS thread as well as one intra-op thread.
    env.OMP_NUM_THREADS = '1';
    env.OPENBLAS_NUM_THREADS = '1';
  } else {
    delete env.OMP_NUM_THREADS;
    delete env.OPENBLAS_NUM_THREADS;
  }
  return env;
}

interface BlasInfo {
  kind: 'openblas' | 'reference' | 'other' | 'unknown';
  libraries: string[];
}

interface CallSample {
  wallMs: number;
  cpuMs: number;
}

/** A `reference.py --serve` process: built and warmed up once, then timed call by call. */
class TorchServer {
  readonly info: { torch: string; threads: number; blas: BlasInfo };
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    info: { torch: string; threads: number; blas: BlasInfo },
  ) {
    this.info = info;
  }

  static async start(work: string, threads: 'one' | 'all'): Promise<TorchServer> {
    const args = [
      SCRIPT,
      work,
      '--serve',
      '--threads',
      threads === 'one' ? '1' : '0',
      '--warmup',
      String(WARMUP),
      '--size',
      String(SIZE),
    ];
    const child = spawn(PYTHON, args, { env: torchEnv(threads), stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`networks bench: ${SCRIPT} ${work} exited before it was ready: ${stderr}`);
    const info = JSON.parse(first.value) as { ready: boolean; torch: string; threads: number; blas: BlasInfo };
    return new TorchServer(child, lines, info);
  }

  async run(): Promise<CallSample> {
    this.child.stdin.write('run\n');
    const r = await this.lines.next();
    if (r.done) throw new Error('networks bench: the PyTorch process ended early');
    const out = JSON.parse(r.value) as { wall_ms: number; cpu_ms: number };
    return { wallMs: out.wall_ms, cpuMs: out.cpu_ms };
  }

  stop(): void {
    this.child.stdin.end('quit\n');
  }
}

/** CPU time of this process (every thread) around `fn`, next to its wall time. */
async function measured(fn: () => Promise<void> | void): Promise<CallSample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000 };
}

/**
 * A variant timed by its own samples (wall and CPU); warm-up samples are dropped afterwards. A
 * call may record several samples (the ceiling records one per matMul): `perCall` of them.
 */
interface Timed {
  variant: Variant;
  samples: CallSample[];
  perCall: number;
}

function timedVariant(
  v: Omit<Variant, 'run'> & { run: () => Promise<CallSample | CallSample[]> | CallSample | CallSample[] },
  perCall = 1,
): Timed {
  const samples: CallSample[] = [];
  return {
    samples,
    perCall,
    variant: {
      ...v,
      run: async () => {
        const s = await v.run();
        samples.push(...(Array.isArray(s) ? s : [s]));
      },
    },
  };
}

type Timing = VariantTiming & { cpuOverWall: number; maxMs: number };

async function runTimed(list: Timed[]): Promise<Timing[]> {
  await timeVariants(
    list.map((t) => t.variant),
    { repetitions: REPS, warmup: WARMUP },
  );
  return list.map(({ variant, samples, perCall }) => {
    const kept = samples.slice((variant.warmup ?? WARMUP) * perCall);
    if (variant.name === CEILING_NAME) runCeilingSamples.push(...kept);
    const wall = kept.map((s) => s.wallMs);
    return {
      name: variant.name,
      repetitions: kept.length,
      medianMs: median(wall),
      minMs: Math.min(...wall),
      maxMs: Math.max(...wall),
      samplesMs: wall,
      cpuOverWall: median(kept.map((s) => s.cpuMs / s.wallMs)),
    };
  });
}

const CEILING_NAME = 'ceiling matMul';

/**
 * matMuls per ceiling call, each one sample: `NETWORKS_CEILING_CALLS` (default 3). With the
 * row's `NETWORKS_REPS` calls interleaved with its other variants, a row's ceiling is the median
 * of REPS x this many products spread over the row's whole duration.
 */
const CEILING_CALLS = Number(process.env.NETWORKS_CEILING_CALLS ?? 3);

/** Every timed ceiling sample of the run, for the run-wide median and spread. */
const runCeilingSamples: CallSample[] = [];

/**
 * The ceiling: a 2048x2048 matMul on wasm (XNNPACK fully-connected GEMM, one thread), the same
 * kernel path as the networks' GEMM routes. b is packed once, by the warm-up call (XNNPACK keeps
 * the packed copy per tensor), so the samples time the GEMM itself.
 *
 * Why several samples, spread over the row: the product streams XNNPACK's packed b (16 MB) once
 * per 4-row block of a (its single-thread tiling takes every output column at once), so its rate
 * follows how much of the shared L3 cache and memory bandwidth the other core and the host leave
 * it: measured on this 2-core machine under load, the same product with a 128-column b (2 MB
 * packed, L2-resident) ran 15.9 GMAC/s by CPU time where the 2048-column one ran 13.1, and its
 * CPU time per call moved by 20-30 % between processes and minutes. The placement of the
 * operands does not matter: a at 0, 8, 16 or 32 bytes past a 64-byte line, interleaved in one
 * process, timed within the noise of each other. So the ceiling is sampled through the whole row,
 * like the work it is compared with, and its spread is printed.
 */
function ceilingVariant(): Timed {
  let a: tf.Tensor2D | undefined;
  let b: tf.Tensor2D | undefined;
  const once = () =>
    measured(() => {
      const y = tf.matMul(a!, b!);
      y.dataSync();
      y.dispose();
    });
  return timedVariant(
    {
      name: CEILING_NAME,
      setup: () => {
        a = tf.randomUniform([CEILING_N, CEILING_N], -1, 1, 'float32', 3) as tf.Tensor2D;
        b = tf.randomUniform([CEILING_N, CEILING_N], -1, 1, 'float32', 4) as tf.Tensor2D;
      },
      run: async () => {
        const out: CallSample[] = [];
        for (let i = 0; i < CEILING_CALLS; i++) out.push(await once());
        return out;
      },
      teardown: () => tf.dispose([a!, b!]),
    },
    CEILING_CALLS,
  );
}

function torchVariants(servers: { one: TorchServer; all: TorchServer } | null): Timed[] {
  if (servers == null) return [];
  return [
    timedVariant({ name: 'pytorch 1 thread', warmup: 0, run: () => servers.one.run() }),
    timedVariant({ name: `pytorch ${servers.all.info.threads} threads`, warmup: 0, run: () => servers.all.run() }),
  ];
}

async function startTorch(work: string, withTorch: boolean): Promise<{ one: TorchServer; all: TorchServer } | null> {
  if (!withTorch) return null;
  // One after the other: building unet_256 twice at once would double the peak memory.
  const one = await TorchServer.start(work, 'one');
  const all = await TorchServer.start(work, 'all');
  return { one, all };
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

/** One row of the summary table. */
interface Row {
  work: string;
  gmac: number;
  wasm: Timing;
  /** wasm with every thread: see {@link threadedWasmTiming}. */
  wasmThreads?: Timing;
  ceiling: Timing;
  torchOne?: Timing;
  torchAll?: Timing;
}

type NetworkCase = BenchCase & { memoryPerStep?: MemorySample[]; row: Row; efficiency: Efficiency; blas?: BlasInfo };

/**
 * GMAC/s of wasm and of the ceiling in a row, and wasm's share of the ceiling; the same share by
 * CPU time (each median wall time times its median cpu/wall), which a shared machine disturbs
 * less: a call that waits for a core loses wall time but not CPU time.
 */
interface Efficiency {
  wasmGmacPerS: number;
  ceilingGmacPerS: number;
  percentOfCeiling: number;
  percentOfCeilingCpu: number;
}

function rowEfficiency(row: Row): Efficiency {
  const wasmGmacPerS = row.gmac / (row.wasm.medianMs / 1000);
  const ceilingGmacPerS = CEILING_MACS / 1e9 / (row.ceiling.medianMs / 1000);
  const wasmCpuS = (row.wasm.medianMs * row.wasm.cpuOverWall) / 1000;
  const ceilingCpuS = (row.ceiling.medianMs * row.ceiling.cpuOverWall) / 1000;
  return {
    wasmGmacPerS,
    ceilingGmacPerS,
    percentOfCeiling: (100 * wasmGmacPerS) / ceilingGmacPerS,
    percentOfCeilingCpu: (100 * (row.gmac / wasmCpuS)) / (CEILING_MACS / 1e9 / ceilingCpuS),
  };
}

/** Ratios of a row: only against an optimised BLAS (see the file comment). */
function rowRatios(row: Row, blas: BlasInfo | undefined): Record<string, number> {
  const ratios: Record<string, number> = {};
  if (row.torchOne != null && row.torchAll != null && blas != null && blas.kind !== 'reference') {
    ratios['wasm / pytorch 1 thread'] = row.wasm.medianMs / row.torchOne.medianMs;
    ratios['wasm / pytorch all threads'] = row.wasm.medianMs / row.torchAll.medianMs;
  }
  return ratios;
}

/** A forward (inference) row: the model, its input, and the name of the PyTorch work. */
interface ForwardWork {
  /** `reference.py` work name, also the `NETWORKS_ONLY` key. */
  key: string;
  label: string;
  build: () => tfl.LayersModel;
  inputShape: number[];
}

/** DCGAN's training batch (pytorch/examples dcgan): its generator is tiny at batch 1. */
const DCGAN_BATCH = 64;

const FORWARD_WORKS: ForwardWork[] = [
  {
    key: 'unet_fwd',
    label: `unet_${SIZE} forward`,
    build: () => makeGenerator('unet'),
    inputShape: [1, SIZE, SIZE, 3],
  },
  {
    key: 'resnet_fwd',
    label: 'resnet_9blocks forward',
    build: () => makeGenerator('resnet'),
    inputShape: [1, SIZE, SIZE, 3],
  },
  {
    key: 'patchgan_fwd',
    label: '70x70 PatchGAN forward (A+B, 6 channels)',
    build: () => makeDiscriminator(),
    inputShape: [1, SIZE, SIZE, 6],
  },
  {
    key: 'dcgan_fwd',
    label: `DCGAN generator forward (64x64, batch ${DCGAN_BATCH})`,
    // nz 100, ngf 64, nc 3: pytorch/examples' netG.
    build: () => dcganGenerator({ seed: 1 }),
    inputShape: [DCGAN_BATCH, 100],
  },
];

/**
 * The "wasm, N threads" column. `initBackend('wasm', { threads })` replaces the process's wasm
 * backend, so it cannot be interleaved call by call with the single-threaded variants here; the
 * threaded build is timed by `npm run bench -- threads`, in child processes taking turns. This
 * column reads "n/a".
 */
function threadedWasmTiming(): Timing | undefined {
  return undefined;
}

async function forwardCase(work: ForwardWork, withTorch: boolean): Promise<NetworkCase> {
  let G: tfl.LayersModel | undefined;
  let a: tf.Tensor | undefined;
  let macs = 0;
  const torch = await startTorch(work.key, withTorch);
  try {
    const timings = await runTimed([
      timedVariant({
        name: 'wasm',
        setup: () => {
          G = work.build();
          // convMacs counts one sample.
          macs = convMacs(G) * work.inputShape[0]!;
          a = tf.randomUniform(work.inputShape, -1, 1, 'float32', 1);
        },
        run: () =>
          measured(() => {
            const y = G!.predict(a!) as tf.Tensor;
            y.dataSync();
            y.dispose();
          }),
        teardown: () => {
          G?.dispose();
          a?.dispose();
        },
      }),
      ceilingVariant(),
      ...torchVariants(torch),
    ]);
    const row: Row = {
      work: work.label,
      gmac: macs / 1e9,
      wasm: timings[0]!,
      wasmThreads: threadedWasmTiming(),
      ceiling: timings[1]!,
      torchOne: timings[2],
      torchAll: timings[3],
    };
    return {
      case: `${work.label} ${work.inputShape.join('x')}`,
      timings,
      ratios: rowRatios(row, torch?.one.info.blas),
      row,
      efficiency: rowEfficiency(row),
      blas: torch?.one.info.blas,
    };
  } finally {
    torch?.one.stop();
    torch?.all.stop();
  }
}

async function trainingCase(kind: GenKind, withTorch: boolean): Promise<NetworkCase> {
  let G: tfl.LayersModel | undefined;
  let D: tfl.LayersModel | undefined;
  let trainer: Pix2PixTrainer | undefined;
  let a: tf.Tensor4D | undefined;
  let b: tf.Tensor4D | undefined;
  let gVars: tf.Variable[] = [];
  let opt: tf.SGDOptimizer | undefined;
  let macs = 0;
  const memoryPerStep: MemorySample[] = [];
  const torch = await startTorch(`${kind}_step`, withTorch);
  try {
    const timings = await runTimed([
      timedVariant({
        name: 'wasm step',
        setup: () => {
          G = makeGenerator(kind);
          D = makeDiscriminator();
          macs = stepMacs(convMacs(G), convMacs(D));
          trainer = new Pix2PixTrainer({ generator: G, discriminator: D });
          a = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
          b = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
          gVars = G.trainableWeights.map((w) => w.read() as tf.Variable);
          // SGD, not Adam: Adam's two slots per weight would add ~440 MB of wasm memory for
          // unet_256 next to the trainer's own state; the update is a small part of the step.
          opt = tf.train.sgd(2e-4);
        },
        run: async () => {
          const s = await measured(async () => {
            await trainer!.step(a!, b!);
          });
          memoryPerStep.push(memorySample());
          return s;
        },
      }),
      ceilingVariant(),
      ...torchVariants(torch),
      // Generator alone, training mode: forward, and forward + backward + SGD update of an L1
      // loss, for the ratio backward+update / forward within wasm.
      timedVariant({
        name: 'wasm G forward',
        run: () =>
          measured(() => {
            const y = tf.tidy(() => tf.mean(tf.abs(tf.sub(G!.apply(a!, { training: true }) as tf.Tensor, b!))));
            y.dataSync();
            y.dispose();
          }),
      }),
      timedVariant({
        name: 'wasm G fwd+bwd+update',
        run: () =>
          measured(() => {
            const cost = opt!.minimize(
              () => tf.mean(tf.abs(tf.sub(G!.apply(a!, { training: true }) as tf.Tensor, b!))) as tf.Scalar,
              true,
              gVars,
            );
            cost!.dataSync();
            cost!.dispose();
          }),
        teardown: () => {
          trainer?.dispose();
          opt?.dispose();
          G?.dispose();
          D?.dispose();
          tf.dispose([a!, b!]);
        },
      }),
    ]);
    const row: Row = {
      work: `pix2pix step, ${kind === 'unet' ? `unet_${SIZE}` : 'resnet_9blocks'} + PatchGAN`,
      gmac: macs / 1e9,
      wasm: timings[0]!,
      wasmThreads: threadedWasmTiming(),
      ceiling: timings[1]!,
      torchOne: torch == null ? undefined : timings[2],
      torchAll: torch == null ? undefined : timings[3],
    };
    const ratios = rowRatios(row, torch?.one.info.blas);
    const fwd = timings.find((t) => t.name === 'wasm G forward')!.medianMs;
    const full = timings.find((t) => t.name === 'wasm G fwd+bwd+update')!.medianMs;
    ratios['G (bwd+update) / fwd'] = (full - fwd) / fwd;
    return {
      case: `pix2pix step ${kind} + PatchGAN 1x${SIZE}x${SIZE} (Pix2PixTrainer)`,
      timings,
      ratios,
      memoryPerStep,
      row,
      efficiency: rowEfficiency(row),
      blas: torch?.one.info.blas,
    };
  } finally {
    torch?.one.stop();
    torch?.all.stop();
  }
}

/**
 * Multiply-adds of the convolution and matmul kernels that `fn` runs, counted as executed (every
 * call of the kernels above, forward and gradient; a kernel that runs another, as this library's
 * wasm kernels do, counts once). For networks whose layers `convMacs` cannot read (gated and
 * attention layers, several models per call).
 */
async function countedMacs(fn: () => Promise<void> | void): Promise<number> {
  let macs = 0;
  let depth = 0;
  const originals = COUNTED_KERNELS.map((n) => tf.getKernel(n, 'wasm')).filter((k) => k != null);
  for (const k of originals) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    const kernelFunc: tf.KernelFunc = (args) => {
      if (depth === 0) macs += kernelMacs(k.kernelName, args.inputs, args.attrs ?? {});
      depth++;
      try {
        return k.kernelFunc(args);
      } finally {
        depth--;
      }
    };
    // The wrapper can do what the kernel can (ops.dilatedConv2d asks).
    if (DILATION_AWARE_FILTER_GRADIENTS.has(k.kernelFunc)) DILATION_AWARE_FILTER_GRADIENTS.add(kernelFunc);
    tf.registerKernel({ ...k, kernelFunc });
  }
  try {
    await fn();
  } finally {
    for (const k of originals) {
      tf.unregisterKernel(k.kernelName, 'wasm');
      tf.registerKernel(k);
    }
  }
  return macs;
}

/**
 * AdaIN style transfer (pytorch-AdaIN's network): the relu4_1 encoder on a content and a style
 * image, AdaIN, the decoder. The step is pytorch-AdaIN's train.py on the decoder: encode the style
 * at relu1_1..relu4_1 and the content at relu4_1, t = AdaIN(content, style), decode, encode the
 * result; loss = MSE(relu4_1 of the result, t) + 10 * the AdaIN style loss; Adam(1e-4) on the
 * decoder's weights only. Batch 1 at SIZE.
 */
async function adainCase(what: 'fwd' | 'step'): Promise<NetworkCase> {
  let enc: tfl.LayersModel | undefined;
  let enc4: tfl.LayersModel | undefined;
  let dec: tfl.LayersModel | undefined;
  let content: tf.Tensor4D | undefined;
  let style: tf.Tensor4D | undefined;
  let opt: tf.AdamOptimizer | undefined;
  let decVars: tf.Variable[] = [];
  let macs = 0;
  const forward = () => {
    const y = tf.tidy(() => {
      const c = enc4!.predict(content!) as tf.Tensor4D;
      const s = enc4!.predict(style!) as tf.Tensor4D;
      return dec!.predict(adaptiveInstanceNorm(c, s)) as tf.Tensor;
    });
    y.dataSync();
    y.dispose();
  };
  const step = () => {
    const cost = opt!.minimize(
      () => {
        const sf = enc!.predict(style!) as tf.Tensor4D[];
        const cf = enc4!.predict(content!) as tf.Tensor4D;
        const t = adaptiveInstanceNorm(cf, sf[3]!);
        const g = dec!.apply(t, { training: true }) as tf.Tensor4D;
        const gf = enc!.apply(g) as tf.Tensor4D[];
        const lossC = tf.losses.meanSquaredError(t, gf[3]!);
        return tf.add(lossC, tf.mul(10, adainStyleLoss(gf, sf))) as tf.Scalar;
      },
      true,
      decVars,
    );
    cost!.dataSync();
    cost!.dispose();
  };
  const run = what === 'fwd' ? forward : step;
  const timings = await runTimed([
    timedVariant({
      name: what === 'fwd' ? 'wasm' : 'wasm step',
      setup: async () => {
        enc = adainEncoder({ inputShape: [SIZE, SIZE], outputs: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'] });
        enc4 = adainEncoder({ inputShape: [SIZE, SIZE] });
        enc4.setWeights(enc.getWeights());
        dec = adainDecoder({ inputShape: [SIZE / 8, SIZE / 8] });
        content = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
        style = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
        decVars = dec.trainableWeights.map((w) => w.read() as tf.Variable);
        opt = tf.train.adam(1e-4);
        macs = await countedMacs(run);
      },
      run: () => measured(run),
      teardown: () => {
        opt?.dispose();
        enc?.dispose();
        enc4?.dispose();
        dec?.dispose();
        tf.dispose([content!, style!]);
      },
    }),
    ceilingVariant(),
  ]);
  const row: Row = {
    work: what === 'fwd' ? 'AdaIN forward (encode content and style, AdaIN, decode)' : 'AdaIN decoder step (Adam)',
    gmac: macs / 1e9,
    wasm: timings[0]!,
    ceiling: timings[1]!,
  };
  return {
    case: `AdaIN ${what === 'fwd' ? 'forward' : 'decoder training step'} 1x${SIZE}x${SIZE}`,
    timings,
    ratios: {},
    row,
    efficiency: rowEfficiency(row),
  };
}

/**
 * DeepFill v2 (cnum 48, contextual attention on): the gated generator's forward on an image with a
 * rectangular hole, and an `InpaintingTrainer` step with the SN-PatchGAN discriminator. Batch 1
 * at SIZE.
 */
async function deepfillCase(what: 'fwd' | 'step'): Promise<NetworkCase> {
  let G: tfl.LayersModel | undefined;
  let D: tfl.LayersModel | undefined;
  let trainer: InpaintingTrainer | undefined;
  let image: tf.Tensor4D | undefined;
  let mask: tf.Tensor4D | undefined;
  let macs = 0;
  const forward = () => {
    const y = tf.tidy(() => {
      const incomplete = tf.mul(image!, tf.sub(1, mask!));
      return (G!.predict([incomplete, mask!]) as tf.Tensor[])[1]!;
    });
    y.dataSync();
    y.dispose();
  };
  const step = async () => {
    await trainer!.step(image!, mask!);
  };
  const run = what === 'fwd' ? forward : step;
  const timings = await runTimed([
    timedVariant({
      name: what === 'fwd' ? 'wasm' : 'wasm step',
      setup: async () => {
        G = gatedInpaintingGenerator({ cnum: 48, inputShape: [SIZE, SIZE], seed: 1 });
        image = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
        mask = centredHoleMask(SIZE);
        if (what === 'step') {
          D = snPatchGANDiscriminator({ inputShape: [SIZE, SIZE], seed: 2 });
          trainer = new InpaintingTrainer({ generator: G, discriminator: D });
        }
        macs = await countedMacs(run);
      },
      run: () => measured(run),
      teardown: () => {
        trainer?.dispose();
        G?.dispose();
        D?.dispose();
        tf.dispose([image!, mask!]);
      },
    }),
    ceilingVariant(),
  ]);
  const row: Row = {
    work: what === 'fwd' ? 'DeepFill v2 forward (cnum 48, contextual attention)' : 'DeepFill v2 step + SN-PatchGAN',
    gmac: macs / 1e9,
    wasm: timings[0]!,
    ceiling: timings[1]!,
  };
  return {
    case: `DeepFill v2 ${what === 'fwd' ? 'forward' : 'InpaintingTrainer step'} 1x${SIZE}x${SIZE}`,
    timings,
    ratios: {},
    row,
    efficiency: rowEfficiency(row),
  };
}

function describeBlas(blas: BlasInfo): string {
  return `${blas.kind} (${blas.libraries.length > 0 ? blas.libraries.join(', ') : 'no BLAS library mapped'})`;
}

/** GMAC/s of the ceiling at a wall time. */
const ceilingRate = (ms: number) => CEILING_MACS / 1e6 / ms;

/** A row's ceiling: the median rate and, in brackets, the slowest and fastest sample's. */
function ceilingCell(t: Timing): string {
  return `${ceilingRate(t.medianMs).toFixed(1)} (${ceilingRate(t.maxMs).toFixed(1)}–${ceilingRate(t.minMs).toFixed(1)})`;
}

/**
 * The run's ceiling samples together: median, quartiles and extremes of the rate by wall time,
 * and the median by CPU time (a sample that waited for a core loses wall time, not CPU time).
 */
function printRunCeiling(): void {
  if (runCeilingSamples.length === 0) return;
  const rates = runCeilingSamples.map((x) => ceilingRate(x.wallMs)).sort((a, b) => a - b);
  const q = (f: number) => rates[Math.min(rates.length - 1, Math.floor(f * rates.length))]!;
  const cpuRate = median(runCeilingSamples.map((x) => ceilingRate(x.cpuMs)));
  console.log(
    `\n  Ceiling over the whole run (${rates.length} matMuls of ${CEILING_N}x${CEILING_N}, ${CEILING_CALLS} per call): ` +
      `median ${median(rates).toFixed(1)} GMAC/s (by CPU time ${cpuRate.toFixed(1)}), ` +
      `quartiles ${q(0.25).toFixed(1)}–${q(0.75).toFixed(1)}, range ${rates[0]!.toFixed(1)}–${rates.at(-1)!.toFixed(1)}.`,
  );
}

/** The summary table, markdown, as docs/training-on-wasm.md quotes it. */
function printTable(cases: readonly NetworkCase[], torchThreads: number | undefined, ratiosAllowed: boolean): void {
  const s = (t: Timing | undefined) =>
    t == null
      ? '—'
      : `${(t.medianMs / 1000).toFixed(t.medianMs < 1000 ? 3 : 2)} s (cpu/wall ${t.cpuOverWall.toFixed(2)})`;
  const r = (x: number | undefined) => (x == null ? '—' : `${x.toFixed(2)}×`);
  const n = torchThreads ?? availableParallelism();
  console.log(
    '\n  Summary (medians; cpu/wall = CPU time of the process over wall time, per call; ceiling: median of the ' +
      "row's matMuls, in brackets its slowest and fastest):\n",
  );
  console.log(
    `  | Work (GMAC) | wasm, 1 thread | wasm, ${n} threads | PyTorch, 1 thread | PyTorch, ${n} threads | wasm / PyTorch 1 thread | wasm / PyTorch ${n} threads | wasm GMAC/s | ceiling GMAC/s | % of ceiling | % of ceiling, CPU time |`,
  );
  console.log('  | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of cases) {
    const row = c.row;
    console.log(
      `  | ${row.work} (${row.gmac.toFixed(2)}) | ${s(row.wasm)} | ${row.wasmThreads == null ? 'n/a' : s(row.wasmThreads)} | ${s(row.torchOne)} | ${s(row.torchAll)} | ` +
        `${ratiosAllowed ? r(c.ratios['wasm / pytorch 1 thread']) : 'refused'} | ${ratiosAllowed ? r(c.ratios['wasm / pytorch all threads']) : 'refused'} | ` +
        `${c.efficiency.wasmGmacPerS.toFixed(1)} | ${ceilingCell(row.ceiling)} | ${c.efficiency.percentOfCeiling.toFixed(0)}% | ${c.efficiency.percentOfCeilingCpu.toFixed(0)}% |`,
    );
  }
}

const bench: Benchmark = {
  name: 'networks',
  description: `unet_256 / resnet_9blocks / PatchGAN / DCGAN inference and pix2pix training steps on wasm (1 thread) vs PyTorch (1 thread and all cores), ${SIZE}x${SIZE}, ${REPS} repetitions`,
  async run(): Promise<BenchCase[]> {
    await initBackend('wasm');
    registerLayers();
    console.log(`  wasm backend threads: ${getThreadsCount()} (threads: npm run bench -- threads)`);
    const withTorch = torchAvailable();
    if (!withTorch) {
      console.log(
        `  ${PYTHON} cannot import torch: PyTorch rows skipped (Debian: apt-get install python3-torch libopenblas0-pthread).`,
      );
    }
    const only = process.env.NETWORKS_ONLY?.split(',');
    const cases: NetworkCase[] = [];
    const rows: Array<[string, () => Promise<NetworkCase>]> = [
      ...FORWARD_WORKS.map((w): [string, () => Promise<NetworkCase>] => [w.key, () => forwardCase(w, withTorch)]),
      ['unet_step', () => trainingCase('unet', withTorch)],
      ['resnet_step', () => trainingCase('resnet', withTorch)],
      // No PyTorch reference for these two networks in bench/pytorch/reference.py: wasm only.
      ['adain_fwd', () => adainCase('fwd')],
      ['adain_step', () => adainCase('step')],
      ['deepfill_fwd', () => deepfillCase('fwd')],
      ['deepfill_step', () => deepfillCase('step')],
    ];
    let blas: BlasInfo | undefined;
    for (const [name, row] of rows) {
      if (only != null && !only.includes(name)) continue;
      const c = await row();
      cases.push(c);
      if (c.blas != null && blas == null) {
        blas = c.blas;
        console.log(`  PyTorch BLAS: ${describeBlas(blas)}`);
        if (blas.kind === 'reference') {
          console.log(
            '  No wasm / PyTorch ratio: torch loaded the reference BLAS (netlib), about 20x slower than an optimised one, ' +
              'so a ratio would flatter wasm. Install libopenblas0-pthread (Debian) and run again.',
          );
        }
      }
      // Printed at once as well: a wasm abort (out of memory) in a later row loses the table.
      console.log(
        `  done: ${c.case}: ` +
          c.timings.map((t) => `${t.name} ${(t.medianMs / 1000).toFixed(2)} s`).join(', ') +
          '; ' +
          Object.entries(c.ratios)
            .map(([k, v]) => `${k} ${v.toFixed(2)}x`)
            .join(', ') +
          `; wasm ${c.efficiency.wasmGmacPerS.toFixed(1)} GMAC/s, ceiling ${ceilingCell(c.row.ceiling)} GMAC/s ` +
          `(${c.efficiency.percentOfCeiling.toFixed(0)}%)`,
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
    if (blas != null) console.log(`\n  PyTorch BLAS: ${describeBlas(blas)}`);
    printRunCeiling();
    const torchThreads = cases.find((c) => c.row.torchAll != null)?.row.torchAll?.name.match(/(\d+) threads/)?.[1];
    printTable(
      cases,
      torchThreads == null ? undefined : Number(torchThreads),
      blas == null || blas.kind !== 'reference',
    );
    return cases.map(({ row: _row, ...rest }) => rest);
  },
};

export default bench;
