/**
 * What the networks bench's ceiling (a 2048x2048 `tf.matMul` on wasm, XNNPACK's GEMM, one
 * thread) depends on, in one process, calls interleaved: the same product with a at 0, 8, 16 and
 * 32 bytes past a 64-byte line (the backend's allocator aligns to 8 bytes, so the networks
 * bench's a lands anywhere), and a product whose packed b fits the L2 cache (2048x2048 times
 * 2048x128: 2 MB packed instead of 16 MB). Each variant reports GMAC/s by wall time and by CPU
 * time (`process.cpuUsage`). `CEILING_REPS` (default 9) after 2 warm-ups (the first packs b).
 *
 * The operands are placed by hand: a buffer from the backend's allocator, a tensor registered at
 * the chosen offset inside it (`makeOutput` with a memory offset), freed with the buffer at the
 * end, never disposed as a tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/backend/init-backend';
import { median, timeVariants, type Variant } from './timing';
import type { Benchmark, BenchCase } from './types';

const REPS = Number(process.env.CEILING_REPS ?? 9);
const N = 2048;

interface Placed {
  tensor: tf.Tensor2D;
  raw: number;
}

/** A [rows, cols] float32 tensor of seeded values at `mod` bytes past a 64-byte line. */
function placed(backend: BackendWasm, rows: number, cols: number, mod: number, seed: number): Placed {
  const wasm = backend.wasm as unknown as { _malloc(n: number): number; HEAPU8: Uint8Array };
  const raw = wasm._malloc(rows * cols * 4 + 128) >>> 0;
  const at = raw + ((mod - (raw % 64) + 64) % 64);
  const info = backend.makeOutput([rows, cols], 'float32', at);
  const tensor = tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
  const values = tf.tidy(() => tf.randomUniform([rows, cols], -1, 1, 'float32', seed).dataSync());
  new Float32Array(wasm.HEAPU8.buffer, at, rows * cols).set(values);
  return { tensor, raw };
}

const bench: Benchmark = {
  name: 'ceiling',
  description: `the networks bench's 2048x2048 matMul ceiling on wasm: operand alignment and an L2-sized b, ${REPS} repetitions`,
  async run(): Promise<BenchCase[]> {
    await initBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const b = placed(backend, N, N, 0, 2);
    const bSmall = placed(backend, N, 128, 0, 3);
    const as = [0, 8, 16, 32].map((mod, i) => ({ mod, a: placed(backend, N, N, mod, 10 + i) }));
    const cpu: Record<string, number[]> = {};
    const variant = (name: string, a: tf.Tensor2D, bb: tf.Tensor2D): Variant => ({
      name,
      run: () => {
        const c0 = process.cpuUsage();
        const y = tf.matMul(a, bb);
        y.dataSync();
        const c = process.cpuUsage(c0);
        y.dispose();
        (cpu[name] ??= []).push((c.user + c.system) / 1000);
      },
    });
    const variants = [
      ...as.map(({ mod, a }) => variant(`a at +${mod} B, b 2048 columns`, a.tensor, b.tensor)),
      variant('a at +0 B, b 128 columns (2 MB packed)', as[0]!.a.tensor, bSmall.tensor),
    ];
    const timings = await timeVariants(variants, { repetitions: REPS, warmup: 2 });
    const wasm = backend.wasm as unknown as { _free(p: number): void };
    for (const p of [b, bSmall, ...as.map((x) => x.a)]) wasm._free(p.raw);
    const macs = (name: string) => N * N * (name.includes('128 columns') ? 128 : N);
    const rate = (name: string, ms: number) => macs(name) / 1e6 / ms;
    return [
      {
        case: `2048x2048 matMul ceiling; GMAC/s by wall (by CPU time): ${timings
          .map((t) => {
            const cpuMs = median(cpu[t.name]!.slice(2));
            return `${t.name} ${rate(t.name, t.medianMs).toFixed(1)} (${rate(t.name, cpuMs).toFixed(1)})`;
          })
          .join('; ')}`,
        timings,
        ratios: {},
      },
    ];
  },
};

export default bench;
