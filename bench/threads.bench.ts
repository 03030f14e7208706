/**
 * The wasm backend's threads in Node: unet_256's forward pass and a pix2pix training step
 * (unet_256 + the 3-layer PatchGAN, batch 1, 256x256) on
 * - tfjs-backend-wasm's single-threaded SIMD build (`initBackend('wasm')`),
 * - its threaded SIMD build with one thread (`initBackend('wasm', { threads: 1 })`),
 * - the threaded build with two threads (`{ threads: 2 }`).
 * Each variant lives in its own child process (`bench/workers/threads-child.ts`); the parent asks
 * them for one call at a time, round-robin (interleaved), so only one computes at any moment.
 * Every call reports its wall time and its process's CPU time (all threads): cpu / wall near 2
 * means both cores were busy. On Linux it also reports how the call's CPU time was split between
 * the threads: total over the busiest thread's is the speed-up that split allows when each
 * thread has a core to itself, which a loaded machine may not give it. The load average around each case is printed: the machine is
 * shared, and a second thread can only speed a call up when a second core is free.
 * Afterwards the generators' outputs (after the same number of calls) are compared: the
 * variants must agree (max |x - ref| / max |ref|, reference the single-threaded build).
 *
 * With `THREADS_PROFILE=1`, the `threads: 2` child then runs one more call with every kernel
 * timed per thread (Linux) and the kernels whose main-thread CPU time most exceeds the other
 * threads' are printed: the one-threaded work that bounds the work split.
 *
 * Env: `THREADS_REPS` (default 3), `THREADS_SIZE` (default 256; a power of two, the U-Net has
 * log2(size) levels), `THREADS_NGF` (default 64), `THREADS_ONLY=forward,step`, `THREADS_PROFILE`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, timeVariants } from './timing';
import { medianRatio, type Benchmark, type BenchCase } from './types';

const benchDir = dirname(fileURLToPath(import.meta.url));
const REPS = Number(process.env.THREADS_REPS ?? 3);
const SIZE = Number(process.env.THREADS_SIZE ?? 256);
const NGF = Number(process.env.THREADS_NGF ?? 64);

const VARIANTS = [
  { name: 'single-threaded build', threads: null },
  { name: 'threads: 1', threads: 1 },
  { name: 'threads: 2', threads: 2 },
] as const;

/** A child process running `threads-child.ts`, one request at a time. */
class Child {
  private readonly proc: ChildProcess;
  private pending: ((m: Record<string, unknown>) => void) | null = null;
  constructor() {
    this.proc = fork(join(benchDir, 'workers', 'threads-child.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m: Record<string, unknown>) => {
      const p = this.pending;
      this.pending = null;
      p?.(m);
    });
  }
  async call<T>(msg: Record<string, unknown>): Promise<T> {
    const reply = await new Promise<Record<string, unknown>>((resolve) => {
      this.pending = resolve;
      this.proc.send(msg);
    });
    if (typeof reply.error === 'string') throw new Error(`threads child: ${reply.error}`);
    return reply as T;
  }
  kill(): void {
    this.proc.kill();
  }
}

const round2 = (xs: number[]) => xs.map((x) => Math.round(x * 100) / 100);

function relDiff(x: number[], ref: number[]): number {
  if (x.length !== ref.length) return Infinity;
  let d = 0;
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(x[i]! - ref[i]!));
    s = Math.max(s, Math.abs(ref[i]!));
  }
  return d === 0 ? 0 : d / s;
}

type ThreadsCase = BenchCase & { loadavg: { before: number[]; after: number[] }; notes: Record<string, unknown> };

async function measure(mode: 'forward' | 'step'): Promise<ThreadsCase> {
  const before = round2(loadavg());
  const children = VARIANTS.map(() => new Child());
  const cpu: number[][] = VARIANTS.map(() => []);
  const wall: number[][] = VARIANTS.map(() => []);
  const split: (number | null)[][] = VARIANTS.map(() => []);
  try {
    const threads: number[] = [];
    for (const [i, v] of VARIANTS.entries()) {
      const r = await children[i]!.call<{ threads: number }>({
        cmd: 'init',
        threads: v.threads,
        size: SIZE,
        ngf: NGF,
        mode,
      });
      threads.push(r.threads);
    }
    const timings = await timeVariants(
      VARIANTS.map((v, i) => ({
        name: v.name,
        run: async () => {
          const r = await children[i]!.call<{ wallMs: number; cpuMs: number; workSplit: number | null }>({
            cmd: 'run',
          });
          wall[i]!.push(r.wallMs);
          cpu[i]!.push(r.cpuMs);
          split[i]!.push(r.workSplit);
        },
      })),
      { repetitions: REPS, warmup: 1 },
    );
    if (process.env.THREADS_PROFILE) await printProfile(children[VARIANTS.length - 1]!, mode);
    const outputs: number[][] = [];
    for (const c of children) outputs.push((await c.call<{ values: number[] }>({ cmd: 'output' })).values);
    // Warm-up calls are in the lists too; the timed ones are the last REPS.
    const timed = (xs: number[]) => xs.slice(-REPS);
    const notes = {
      getThreadsCount: Object.fromEntries(VARIANTS.map((v, i) => [v.name, threads[i]])),
      medianCpuOverWall: Object.fromEntries(
        VARIANTS.map((v, i) => [v.name, median(timed(cpu[i]!).map((c, k) => c / timed(wall[i]!)[k]!))]),
      ),
      // Total CPU over the busiest thread's (Linux only): the speed-up this split of the work
      // allows with a free core per thread, whatever the load while measuring.
      medianWorkSplit: Object.fromEntries(
        VARIANTS.map((v, i) => {
          const xs = timed(split[i]! as number[]).filter((x) => x !== null);
          return [v.name, xs.length > 0 ? median(xs) : null];
        }),
      ),
      medianChildWallMs: Object.fromEntries(VARIANTS.map((v, i) => [v.name, median(timed(wall[i]!))])),
      maxRelDiffVsSingleThreadedBuild: Object.fromEntries(
        VARIANTS.slice(1).map((v, i) => [v.name, relDiff(outputs[i + 1]!, outputs[0]!)]),
      ),
    };
    return {
      case: `${mode === 'forward' ? 'unet forward' : 'pix2pix step'} (U-Net ${Math.log2(SIZE)} levels, ngf ${NGF}${mode === 'step' ? ', PatchGAN 3 layers' : ''}, 1x${SIZE}x${SIZE})`,
      timings,
      ratios: {
        'threads 1 / threads 2': medianRatio(timings, 'threads: 1', 'threads: 2'),
        'single-threaded build / threads 2': medianRatio(timings, 'single-threaded build', 'threads: 2'),
        'single-threaded build / threads 1': medianRatio(timings, 'single-threaded build', 'threads: 1'),
      },
      loadavg: { before, after: round2(loadavg()) },
      notes,
    };
  } finally {
    for (const c of children) c.kill();
  }
}

interface ProfileRow {
  kernel: string;
  calls: number;
  mainMs: number;
  otherMs: number;
}

/** Prints the per-kernel, per-thread CPU profile of one call of `child` (see `threads-child.ts`). */
async function printProfile(child: Child, mode: string): Promise<void> {
  const { rows } = await child.call<{ rows: ProfileRow[] | null }>({ cmd: 'profile' });
  if (rows == null) {
    console.log('  profile: per-thread CPU times are read from Linux /proc; not available here');
    return;
  }
  const [total, ...kernels] = rows;
  const fmt = (r: ProfileRow) =>
    `${r.kernel.padEnd(44)} ${String(r.calls).padStart(5)} calls  main ${r.mainMs.toFixed(0).padStart(6)} ms  others ${r.otherMs.toFixed(0).padStart(6)} ms  main - others ${(r.mainMs - r.otherMs).toFixed(0).padStart(6)} ms`;
  console.log(`  profile of one ${mode} call, threads: 2 (CPU time by thread while each kernel ran):`);
  console.log(`  ${fmt(total!)}`);
  for (const r of kernels.slice(0, 20)) console.log(`  ${fmt(r)}`);
}

const bench: Benchmark = {
  name: 'threads',
  description: "the wasm backend's threaded build in Node: unet_256 forward and a pix2pix step, 1 vs 2 threads",
  async run(): Promise<BenchCase[]> {
    const only = process.env.THREADS_ONLY?.split(',');
    const cases: ThreadsCase[] = [];
    for (const mode of ['forward', 'step'] as const) {
      if (only != null && !only.includes(mode)) continue;
      const c = await measure(mode);
      cases.push(c);
      console.log(
        `  done: ${c.case} (load ${c.loadavg.before.join(' ')} -> ${c.loadavg.after.join(' ')}): ` +
          c.timings.map((t) => `${t.name} ${t.medianMs.toFixed(0)} ms`).join(', ') +
          ` ${JSON.stringify(c.notes)}`,
      );
    }
    return cases;
  },
};

export default bench;
