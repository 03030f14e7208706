/**
 * Multi-core on Node: what `node:worker_threads` can buy for training on the wasm backend, which
 * runs one thread. Four measurements, each reported with the load average around it (the machine
 * is shared):
 *
 * 1. `threads`: whether tfjs-backend-wasm 4.22 uses its threaded SIMD build in Node (child
 *    processes run `bench/workers/threads-probe.ts`, once as is and once with the multithread
 *    flag forced on).
 * 2. `parallel`: the upper bound of two cores: two independent `Pix2PixTrainer` steps in two
 *    workers at the same time against one after the other (`WORKERS_SIZE`, default 128;
 *    `WORKERS_NGF`, default 32).
 * 3. `data`: the cost of one pix2pix sample from `alignedDataset` (read + decode + resize to 286
 *    + crop 256, PNG and JPEG pairs made from `examples/assets`) and of encoding a 256x256 sample
 *    as PNG, against a 256x256 training step (U-Net with `WORKERS_DATA_NGF` filters, default 16;
 *    `WORKERS_DATA_CROP`, default 256, scales crop, resize and network together);
 *    then training with the next sample loaded in a worker during the step, against loading it
 *    first (and against a same-thread promise started before the step).
 * 4. `cyclegan-d`: CycleGAN's D half (both discriminators, pools, Adam) in a worker while the
 *    generators' step runs on the main thread, against both halves one after the other; the
 *    weights of the two schedules are compared afterwards (they must agree). Pix2pix has no such
 *    split: its G step needs the D updated in the same step (see docs/training-on-wasm.md).
 *
 * Env: `WORKERS_REPS` (default 5), `WORKERS_ONLY=threads,parallel,data,cyclegan-d`,
 * `WORKERS_CG_SIZE` (default 64), `WORKERS_CG_NGF` (default 16), `WORKERS_CG_BLOCKS` (default 3).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import jpeg from 'jpeg-js';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init-backend';
import { unetGenerator } from '../src/models/unet-generator';
import { patchGANDiscriminator } from '../src/models/patchgan-discriminator';
import { Pix2PixTrainer } from '../src/training/pix2pix-trainer';
import { alignedDataset } from '../src/node/aligned-dataset';
import { readImage } from '../src/node/read-image';
import { resizeImage } from '../src/node/resize-image';
import { encodePng } from '../src/node/encode-png';
import { tensorToImage } from '../src/node/tensor-to-image';
import type { RgbaImage } from '../src/core/rgba-image';
import type { ImageDatasetOptions } from '../src/node/image-dataset';
import {
  DiscriminatorHalf,
  GeneratorHalf,
  makeDiscriminators,
  makeGenerators,
  setWeightsData,
  toData,
  weightsData,
  type CycleGANShape,
  type TensorData,
} from './workers/cyclegan-parts';
import { median, timeVariants } from './timing';
import { medianRatio, type Benchmark, type BenchCase } from './types';

const benchDir = dirname(fileURLToPath(import.meta.url));
const REPS = Number(process.env.WORKERS_REPS ?? 5);
const SIZE = Number(process.env.WORKERS_SIZE ?? 128);
const NGF = Number(process.env.WORKERS_NGF ?? 32);
const DATA_NGF = Number(process.env.WORKERS_DATA_NGF ?? 16);
/** Crop side of the data experiment (a power of two); images are resized to 286/256 of it first, like the reference. */
const CROP = Number(process.env.WORKERS_DATA_CROP ?? 256);
const CG: CycleGANShape = {
  size: Number(process.env.WORKERS_CG_SIZE ?? 64),
  ngf: Number(process.env.WORKERS_CG_NGF ?? 16),
  nBlocks: Number(process.env.WORKERS_CG_BLOCKS ?? 3),
};

type WorkersCase = BenchCase & { loadavg: { before: number[]; after: number[] }; notes?: Record<string, unknown> };

/** A worker running `bench/workers/worker.ts`, one request at a time. */
class WorkerClient {
  private readonly worker: Worker;
  private nextId = 0;
  private pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  constructor() {
    this.worker = new Worker(join(benchDir, 'workers', 'boot.mjs'), {
      workerData: { script: new URL('./workers/worker.ts', import.meta.url).href },
    });
    this.worker.on('message', (m: { id: number; error?: string }) => {
      const p = this.pending.get(m.id)!;
      this.pending.delete(m.id);
      if (m.error != null) p.reject(new Error(`worker: ${m.error}`));
      else p.resolve(m as Record<string, unknown>);
    });
    this.worker.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }
  call<T = Record<string, unknown>>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: Record<string, unknown>) => void, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

function withLoad(make: () => Promise<BenchCase & { notes?: Record<string, unknown> }>): Promise<WorkersCase> {
  const before = loadavg().map((x) => Math.round(x * 100) / 100);
  return make().then((c) => ({ ...c, loadavg: { before, after: loadavg().map((x) => Math.round(x * 100) / 100) } }));
}

// --- 1. threaded wasm build ---------------------------------------------------------------

async function threadsCase(): Promise<BenchCase & { notes: Record<string, unknown> }> {
  const probe = (force: boolean) => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(benchDir, 'workers', 'threads-probe.ts'), ...(force ? ['force'] : [])],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { status: r.status, stderr: r.stderr.split('\n').slice(0, 3).join(' ') };
    }
  };
  const notes = { default: probe(false), forced: probe(true) };
  console.log(`  threads: ${JSON.stringify(notes)}`);
  return { case: 'tfjs-backend-wasm 4.22 threads in Node (setThreadsCount(2))', timings: [], ratios: {}, notes };
}

// --- 2. two independent steps on two cores ------------------------------------------------

async function parallelCase(): Promise<BenchCase & { notes: Record<string, unknown> }> {
  const w = [new WorkerClient(), new WorkerClient()];
  const inWorker: number[] = [];
  const step = async (c: WorkerClient) => inWorker.push((await c.call<{ ms: number }>({ type: 'step' })).ms);
  try {
    await Promise.all(w.map((c) => c.call({ type: 'init-pix2pix', size: SIZE, ngf: NGF })));
    const timings = await timeVariants(
      [
        {
          name: 'one after another',
          run: async () => {
            await step(w[0]!);
            await step(w[1]!);
          },
        },
        { name: 'at the same time', run: async () => void (await Promise.all([step(w[0]!), step(w[1]!)])) },
      ],
      { repetitions: REPS, warmup: 1 },
    );
    return {
      case: `two Pix2PixTrainer steps (unet ngf ${NGF} + PatchGAN, 1x${SIZE}x${SIZE}) in two workers`,
      timings,
      ratios: { 'one after another / at the same time': medianRatio(timings, 'one after another', 'at the same time') },
      notes: { medianStepInsideWorkerMs: median(inWorker) },
    };
  } finally {
    await Promise.all(w.map((c) => c.terminate()));
  }
}

// --- 3. data loading and encoding ---------------------------------------------------------

/** Writes pix2pix pairs (A | B side by side, 512x256) as PNG and JPEG datasets under `root`. */
async function makeDatasets(root: string, count: number): Promise<{ png: string; jpg: string }> {
  const assets = join(benchDir, '..', 'examples', 'assets');
  const [cat, coffee] = await Promise.all([
    readImage(join(assets, 'chelsea.png')),
    readImage(join(assets, 'coffee.png')),
  ]);
  const dirs = { png: join(root, 'png'), jpg: join(root, 'jpg') };
  for (const d of Object.values(dirs)) await mkdir(join(d, 'train'), { recursive: true });
  for (let i = 0; i < count; i++) {
    // Different crops per file so the decoder sees different content.
    const crop = (img: RgbaImage<Uint8Array>, x0: number): RgbaImage<Uint8Array> => {
      const side = img.height - 20;
      const data = new Uint8Array(side * side * 4);
      for (let y = 0; y < side; y++)
        data.set(
          img.data.subarray(((y + 10) * img.width + x0) * 4, ((y + 10) * img.width + x0 + side) * 4),
          y * side * 4,
        );
      return resizeImage({ width: side, height: side, data }, 256, 256);
    };
    const a = crop(cat, 10 + 15 * i);
    const b = crop(coffee, 10 + 20 * i);
    const pair = new Uint8Array(512 * 256 * 4);
    for (let y = 0; y < 256; y++) {
      pair.set(a.data.subarray(y * 256 * 4, (y + 1) * 256 * 4), y * 512 * 4);
      pair.set(b.data.subarray(y * 256 * 4, (y + 1) * 256 * 4), (y * 512 + 256) * 4);
    }
    const image = { width: 512, height: 256, data: pair };
    await writeFile(join(dirs.png, 'train', `${i}.png`), encodePng(image));
    await writeFile(join(dirs.jpg, 'train', `${i}.jpg`), jpeg.encode({ ...image, data: Buffer.from(pair) }, 90).data);
  }
  return dirs;
}

async function dataCases(): Promise<Array<BenchCase & { notes?: Record<string, unknown> }>> {
  const root = await mkdtemp(join(tmpdir(), 'workers-bench-'));
  const files = 8;
  // pix2pix defaults at 256: load 286, crop 256, flip.
  const options: ImageDatasetOptions = { seed: 1, cropSize: CROP, loadSize: Math.round((CROP * 286) / 256) };
  const dirs = await makeDatasets(root, files);
  const png = await alignedDataset(dirs.png, options);
  const jpg = await alignedDataset(dirs.jpg, options);
  const generator = unetGenerator({ numDowns: Math.log2(CROP), ngf: DATA_NGF, norm: 'batch', dropout: false });
  const discriminator = patchGANDiscriminator({ inputChannels: 6, ndf: DATA_NGF, nLayers: 3, norm: 'batch' });
  const trainer = new Pix2PixTrainer({ generator, discriminator });
  const fixed = [0, 1].map((s) => tf.randomUniform([1, CROP, CROP, 3], -1, 1, 'float32', s) as tf.Tensor4D);
  const loader = new WorkerClient();
  try {
    let k = 0;
    const nextIndex = () => k++;
    const load = async (ds: typeof png, i: number) => {
      const s = await ds.get(i % files, Math.floor(i / files));
      tf.dispose([s.a, s.b]);
    };
    const perSample = await timeVariants(
      [
        { name: 'load PNG pair', run: () => load(png, nextIndex()) },
        { name: 'load JPEG pair', run: () => load(jpg, nextIndex()) },
        { name: `encode ${CROP}x${CROP} PNG`, run: () => void encodePng(tensorToImage(fixed[0]!)) },
        { name: 'training step', run: async () => void (await trainer.step(fixed[0]!, fixed[1]!)) },
      ],
      { repetitions: REPS, warmup: 1 },
    );
    const first: WorkersCase['timings'] = perSample;
    const costCase: BenchCase = {
      case: `one pix2pix sample (pair file 512x256 -> ${options.loadSize} -> crop ${CROP}) and one PNG encode vs a step (unet ngf ${DATA_NGF} + PatchGAN, ${CROP}x${CROP})`,
      timings: first,
      ratios: {
        'load PNG / step': medianRatio(first, 'load PNG pair', 'training step'),
        'load JPEG / step': medianRatio(first, 'load JPEG pair', 'training step'),
        'encode PNG / step': medianRatio(first, `encode ${CROP}x${CROP} PNG`, 'training step'),
      },
    };

    // Prefetching: each timed call trains on the sample in hand and ends with the next one in hand.
    await loader.call({ type: 'init-loader', dir: dirs.jpg, options });
    const fromWorker = async (i: number): Promise<[tf.Tensor4D, tf.Tensor4D]> => {
      const r = await loader.call<{ a: TensorData; b: TensorData }>({
        type: 'get',
        index: i % files,
        epoch: Math.floor(i / files),
      });
      return [
        tf.tensor4d(r.a.data, r.a.shape as [number, number, number, number]),
        tf.tensor4d(r.b.data, r.b.shape as [number, number, number, number]),
      ];
    };
    const fromMain = async (i: number): Promise<[tf.Tensor4D, tf.Tensor4D]> => {
      const s = await jpg.get(i % files, Math.floor(i / files));
      return [s.a, s.b];
    };
    const states = new Map<string, { cur: [tf.Tensor4D, tf.Tensor4D]; i: number }>();
    const variant = (name: string, run: (st: { cur: [tf.Tensor4D, tf.Tensor4D]; i: number }) => Promise<void>) => ({
      name,
      setup: async () => void states.set(name, { cur: await fromMain(0), i: 1 }),
      run: () => run(states.get(name)!),
      teardown: () => tf.dispose(states.get(name)?.cur),
    });
    const swap = (st: { cur: [tf.Tensor4D, tf.Tensor4D]; i: number }, next: [tf.Tensor4D, tf.Tensor4D]) => {
      tf.dispose(st.cur);
      st.cur = next;
      st.i++;
    };
    const prefetch = await timeVariants(
      [
        variant('load, then step', async (st) => {
          const next = await fromMain(st.i);
          await trainer.step(...st.cur);
          swap(st, next);
        }),
        variant('prefetch in a worker', async (st) => {
          const pending = fromWorker(st.i);
          await trainer.step(...st.cur);
          swap(st, await pending);
        }),
        variant('prefetch, same thread', async (st) => {
          const pending = fromMain(st.i);
          await trainer.step(...st.cur);
          swap(st, await pending);
        }),
      ],
      { repetitions: REPS, warmup: 1 },
    );
    const serial = prefetch.find((t) => t.name === 'load, then step')!.medianMs;
    const worker = prefetch.find((t) => t.name === 'prefetch in a worker')!.medianMs;
    const prefetchCase: BenchCase & { notes: Record<string, unknown> } = {
      case: `pix2pix steps (unet ngf ${DATA_NGF}, ${CROP}x${CROP}) fed from the JPEG dataset: next sample loaded before or during the step`,
      timings: prefetch,
      ratios: {
        'load, then step / prefetch in a worker': serial / worker,
        'load, then step / prefetch, same thread': medianRatio(prefetch, 'load, then step', 'prefetch, same thread'),
      },
      notes: {
        savedPerStepMs: serial - worker,
        // Round by round (the variants are interleaved): robust to the machine's slow drifts.
        pairedSavingMedianMs: median(prefetch[0]!.samplesMs.map((x, i) => x - prefetch[1]!.samplesMs[i]!)),
        roundsFasterWithWorker: prefetch[0]!.samplesMs.filter((x, i) => x > prefetch[1]!.samplesMs[i]!).length,
      },
    };
    return [costCase, prefetchCase];
  } finally {
    await loader.terminate();
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
    tf.dispose(fixed);
    await rm(root, { recursive: true, force: true });
  }
}

// --- 4. CycleGAN: discriminators in a worker ----------------------------------------------

async function cycleganCase(): Promise<BenchCase & { notes: Record<string, unknown> }> {
  // Two identical starting points: `s` runs G then D on this thread, `p` runs G here and D in a worker.
  const gS = makeGenerators(CG);
  const dS = makeDiscriminators(CG);
  const gP = makeGenerators(CG);
  const dP = makeDiscriminators(CG); // this thread's copy of the worker's discriminators, for G's loss
  setWeightsData([gP.gA, gP.gB], weightsData([gS.gA, gS.gB]));
  const dInit = weightsData([dS.dA, dS.dB]);
  setWeightsData([dP.dA, dP.dB], dInit);
  const serialG = new GeneratorHalf(gS.gA, gS.gB);
  const serialD = new DiscriminatorHalf(dS.dA, dS.dB);
  const parG = new GeneratorHalf(gP.gA, gP.gB);
  const worker = new WorkerClient();
  const a = tf.randomUniform([1, CG.size, CG.size, 3], -1, 1, 'float32', 11) as tf.Tensor4D;
  const b = tf.randomUniform([1, CG.size, CG.size, 3], -1, 1, 'float32', 12) as tf.Tensor4D;
  const parts = { g: [] as number[], d: [] as number[], transfer: [] as number[] };
  try {
    await worker.call({ type: 'init-cyclegan-d', shape: CG, weights: dInit });
    const timings = await timeVariants(
      [
        {
          name: 'G then D, one thread',
          run: async () => {
            const t0 = performance.now();
            const r = await serialG.step(a, b, dS.dA, dS.dB);
            const t1 = performance.now();
            await serialD.step(a, b, r.fakeA, r.fakeB);
            parts.g.push(t1 - t0);
            parts.d.push(performance.now() - t1);
            tf.dispose([r.fakeA, r.fakeB]);
          },
        },
        {
          name: 'D in a worker',
          run: async () => {
            // The D step needs this step's fakes before G's update: one extra G forward here.
            const { fakeA, fakeB } = parG.fakes(a, b);
            const pending = worker.call<{ weights: TensorData[] }>({
              type: 'd-step',
              realA: toData(a),
              realB: toData(b),
              fakeA: toData(fakeA),
              fakeB: toData(fakeB),
            });
            tf.dispose([fakeA, fakeB]);
            const r = await parG.step(a, b, dP.dA, dP.dB);
            tf.dispose([r.fakeA, r.fakeB]);
            const reply = await pending;
            const t0 = performance.now();
            setWeightsData([dP.dA, dP.dB], reply.weights);
            parts.transfer.push(performance.now() - t0);
          },
        },
      ],
      { repetitions: REPS, warmup: 1 },
    );
    // Same number of steps on both: the schedules must have produced the same weights.
    const maxDiff = (x: TensorData[], y: TensorData[]) =>
      x.reduce((m, t, i) => t.data.reduce((mm, v, j) => Math.max(mm, Math.abs(v - y[i]!.data[j]!)), m), 0);
    const notes = {
      medianGStepMs: median(parts.g),
      medianDStepMs: median(parts.d),
      medianSetDWeightsMs: median(parts.transfer),
      maxAbsDiffG: maxDiff(weightsData([gS.gA, gS.gB]), weightsData([gP.gA, gP.gB])),
      maxAbsDiffD: maxDiff(weightsData([dS.dA, dS.dB]), weightsData([dP.dA, dP.dB])),
    };
    return {
      case: `CycleGAN step (resnet ngf ${CG.ngf}, ${CG.nBlocks} blocks x2 + PatchGAN x2, instance norm, 1x${CG.size}x${CG.size})`,
      timings,
      ratios: { 'one thread / D in a worker': medianRatio(timings, 'G then D, one thread', 'D in a worker') },
      notes,
    };
  } finally {
    await worker.terminate();
    serialG.dispose();
    serialD.dispose();
    parG.dispose();
    for (const m of [gS.gA, gS.gB, dS.dA, dS.dB, gP.gA, gP.gB, dP.dA, dP.dB]) m.dispose();
    tf.dispose([a, b]);
  }
}

const bench: Benchmark = {
  name: 'workers',
  description:
    'worker threads for training on wasm in Node: threaded wasm, two steps on two cores, data prefetching, CycleGAN D in a worker',
  async run(): Promise<BenchCase[]> {
    await initBackend('wasm');
    const only = process.env.WORKERS_ONLY?.split(',');
    const want = (n: string) => only == null || only.includes(n);
    const cases: WorkersCase[] = [];
    const report = (c: WorkersCase) => {
      cases.push(c);
      console.log(
        `  done: ${c.case} (load ${c.loadavg.before[0]} -> ${c.loadavg.after[0]}): ` +
          c.timings.map((t) => `${t.name} ${t.medianMs.toFixed(1)} ms`).join(', ') +
          (c.notes != null ? ` ${JSON.stringify(c.notes)}` : ''),
      );
    };
    if (want('threads')) report(await withLoad(threadsCase));
    if (want('parallel')) report(await withLoad(parallelCase));
    if (want('data')) {
      const before = loadavg().map((x) => Math.round(x * 100) / 100);
      const cs = await dataCases();
      const after = loadavg().map((x) => Math.round(x * 100) / 100);
      for (const c of cs) report({ ...c, loadavg: { before, after } });
    }
    if (want('cyclegan-d')) report(await withLoad(cycleganCase));
    return cases;
  },
};

export default bench;
