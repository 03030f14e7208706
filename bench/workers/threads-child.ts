/**
 * Child process of `bench/threads.bench.ts`: one wasm backend build (the single-threaded SIMD
 * build, or the threaded build with `threads` XNNPACK threads), the network, and one timed call
 * per request. Replies with the call's wall time, this process's CPU time over it (all its
 * threads), so cpu / wall shows how many cores the call kept busy, and how evenly the work was
 * split between the threads (`workSplit`, from Linux's per-thread CPU ticks).
 *
 * Requests (IPC): `{ cmd: 'init', threads: number | null, size, ngf, mode: 'forward' | 'step' }`,
 * `{ cmd: 'run' }` (one forward pass or one pix2pix step), `{ cmd: 'output' }` (the generator's
 * output on the fixed input, for the equality check), `{ cmd: 'profile' }` (one more call with
 * every wasm kernel timed: per kernel, the CPU time of the main thread and of all other threads
 * while it ran, its own share only, nested kernels apart; Linux only, `rows: null` elsewhere).
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/init-backend';
import { unetGenerator } from '../../src/models/unet-generator';
import { patchGANDiscriminator } from '../../src/models/patchgan-discriminator';
import { Pix2PixTrainer } from '../../src/training/pix2pix-trainer';

type Request =
  | { cmd: 'init'; threads: number | null; size: number; ngf: number; mode: 'forward' | 'step' }
  | { cmd: 'run' }
  | { cmd: 'output' }
  | { cmd: 'profile' };

let generator: tfl.LayersModel | undefined;
let trainer: Pix2PixTrainer | undefined;
let a: tf.Tensor4D | undefined;
let b: tf.Tensor4D | undefined;
let mode: 'forward' | 'step' = 'forward';

async function handle(m: Request): Promise<Record<string, unknown>> {
  if (m.cmd === 'init') {
    await initBackend('wasm', m.threads == null ? undefined : { threads: m.threads });
    mode = m.mode;
    const numDowns = Math.log2(m.size);
    // unet_256 (pix2pix's default generator) and the basic PatchGAN, batch norm, no dropout.
    generator = unetGenerator({ numDowns, ngf: m.ngf, norm: 'batch', dropout: false, seed: 1 });
    if (mode === 'step') {
      const discriminator = patchGANDiscriminator({ inputChannels: 6, ndf: m.ngf, nLayers: 3, norm: 'batch', seed: 2 });
      trainer = new Pix2PixTrainer({ generator, discriminator });
    }
    a = tf.randomUniform([1, m.size, m.size, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    b = tf.randomUniform([1, m.size, m.size, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    return { threads: getThreadsCount() };
  }
  if (m.cmd === 'output') {
    const y = generator!.predict(a!) as tf.Tensor;
    const values = Array.from(await y.data());
    y.dispose();
    return { values };
  }
  if (m.cmd === 'profile') return { rows: await profileCall() };
  const k0 = threadTicks();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await runOnce();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const k1 = threadTicks();
  // CPU ticks per thread over the call: all of them over the busiest one is the speed-up the
  // split of the work allows when every thread has a core of its own (null off Linux).
  let workSplit: number | null = null;
  if (k0 !== null && k1 !== null) {
    const used = [...k1].map(([tid, t]) => t - (k0.get(tid) ?? 0)).filter((t) => t > 0);
    const busiest = Math.max(0, ...used);
    if (busiest > 0) workSplit = used.reduce((x, y) => x + y, 0) / busiest;
  }
  return { wallMs, cpuMs: (c.user + c.system) / 1000, workSplit };
}

async function runOnce(): Promise<void> {
  if (mode === 'step') {
    await trainer!.step(a!, b!);
  } else {
    const y = generator!.predict(a!) as tf.Tensor;
    await y.data();
    y.dispose();
  }
}

/** One kernel's CPU time over a profiled call (ms): main thread, all others, calls. */
interface ProfileRow {
  kernel: string;
  calls: number;
  mainMs: number;
  otherMs: number;
}

/**
 * One call with every wasm kernel wrapped: per kernel name (with the calling kernel, for kernels
 * that run inside another), the CPU time the main thread and the other threads spent while it
 * ran, nested kernels subtracted. Reads Linux's per-thread `schedstat` (nanoseconds). What runs
 * on the main thread without the others is the one-threaded work that bounds the work split.
 */
async function profileCall(): Promise<ProfileRow[] | null> {
  let files: { fd: number; main: boolean }[];
  try {
    files = readdirSync('/proc/self/task').map((tid) => ({
      fd: openSync(`/proc/self/task/${tid}/schedstat`, 'r'),
      main: tid === String(process.pid),
    }));
  } catch {
    return null;
  }
  const buf = Buffer.alloc(128);
  const now = () => {
    let main = 0;
    let other = 0;
    for (const f of files) {
      let n = 0;
      try {
        n = readSync(f.fd, buf, 0, buf.length, 0);
      } catch {
        continue; // the thread has ended
      }
      const text = buf.toString('latin1', 0, n);
      const ns = Number(text.slice(0, text.indexOf(' ')));
      if (f.main) main += ns;
      else other += ns;
    }
    return { main, other };
  };
  const rows = new Map<string, ProfileRow>();
  const stack: { name: string; main: number; other: number }[] = [];
  const restore: (() => void)[] = [];
  for (const config of tf.getKernelsForBackend('wasm')) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    const wrapped = ((args: Parameters<tf.KernelFunc>[0]) => {
      const parent = stack[stack.length - 1];
      const key = parent == null ? name : `${name} (in ${parent.name})`;
      const t0 = now();
      stack.push({ name, main: 0, other: 0 });
      try {
        return inner(args);
      } finally {
        const nested = stack.pop()!;
        const t1 = now();
        const main = t1.main - t0.main;
        const other = t1.other - t0.other;
        const row = rows.get(key) ?? { kernel: key, calls: 0, mainMs: 0, otherMs: 0 };
        row.calls++;
        row.mainMs += (main - nested.main) / 1e6;
        row.otherMs += (other - nested.other) / 1e6;
        rows.set(key, row);
        if (parent != null) {
          parent.main += main;
          parent.other += other;
        }
      }
    }) as tf.KernelFunc;
    (config as { kernelFunc: tf.KernelFunc }).kernelFunc = wrapped;
    restore.push(() => {
      (config as { kernelFunc: tf.KernelFunc }).kernelFunc = inner;
    });
  }
  const start = now();
  let end: { main: number; other: number };
  try {
    await runOnce();
    end = now();
  } finally {
    for (const r of restore) r();
    for (const f of files) closeSync(f.fd);
  }
  const total: ProfileRow = {
    kernel: '(whole call)',
    calls: 1,
    mainMs: (end.main - start.main) / 1e6,
    otherMs: (end.other - start.other) / 1e6,
  };
  return [total, ...[...rows.values()].sort((x, y) => y.mainMs - y.otherMs - (x.mainMs - x.otherMs))];
}

/** user + system CPU ticks of each thread of this process (Linux's /proc), or null elsewhere. */
function threadTicks(): Map<string, number> | null {
  try {
    const out = new Map<string, number>();
    for (const tid of readdirSync('/proc/self/task')) {
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(tid, Number(fields[11]) + Number(fields[12]));
    }
    return out;
  } catch {
    return null;
  }
}

process.on('message', (m: Request) => {
  handle(m).then(
    (r) => process.send!(r),
    (e: unknown) => process.send!({ error: e instanceof Error ? e.message : String(e) }),
  );
});

// The bench ended (or died): nothing more will come.
process.on('disconnect', () => process.exit(0));
