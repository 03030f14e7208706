/**
 * `tf.matMul` on wasm with a transposed operand or a batch, the products tfjs-backend-wasm 4.22
 * runs in a scalar loop (only the plain unbatched product goes to XNNPACK): the backend's own
 * kernel ('stock' route of `src/backend/kernels/batch-mat-mul.ts`) against this library's
 * ('xnnpack': explicit transposes, then XNNPACK), and against writing the transpose out by hand.
 * Shapes: Gram matrices of style losses (F^T F over 64x64x256 and 128x128x128 feature maps), a
 * covariance of 2048-wide features over 512 samples, and a dense layer's gradients (dy . W^T,
 * x^T . dy). Calls interleaved; `MATMUL_REPS` (default 7) after 2 warm-ups.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init-backend';
import { forceBatchMatMulPath } from '../src/backend/kernels/batch-mat-mul';
import { timeVariants, type Variant } from './timing';
import type { Benchmark, BenchCase } from './types';

const REPS = Number(process.env.MATMUL_REPS ?? 7);

interface Shape {
  name: string;
  a: number[];
  b: number[];
  tA: boolean;
  tB: boolean;
}

const SHAPES: Shape[] = [
  { name: 'Gram F^T F, F 4096x256 (64x64x256)', a: [4096, 256], b: [4096, 256], tA: true, tB: false },
  { name: 'Gram F^T F, F 16384x128 (128x128x128)', a: [16384, 128], b: [16384, 128], tA: true, tB: false },
  { name: 'covariance X^T X, X 512x2048', a: [512, 2048], b: [512, 2048], tA: true, tB: false },
  { name: 'dense dx = dy W^T, dy 64x1024, W 1024x1024', a: [64, 1024], b: [1024, 1024], tA: false, tB: true },
  { name: 'dense dW = x^T dy, x 64x1024, dy 64x1024', a: [64, 1024], b: [64, 1024], tA: true, tB: false },
  { name: 'batched Gram, 4 x F 1024x128', a: [4, 1024, 128], b: [4, 1024, 128], tA: true, tB: false },
];

function shapeCase(s: Shape): () => Promise<BenchCase> {
  return async () => {
    let a: tf.Tensor | undefined;
    let b: tf.Tensor | undefined;
    const call = (fn: () => tf.Tensor) => () => {
      const y = fn();
      y.dataSync();
      y.dispose();
    };
    const routed = (route: 'stock' | 'xnnpack'): Variant => ({
      name: `${route} route`,
      before: () => forceBatchMatMulPath(route),
      run: call(() => tf.matMul(a!, b!, s.tA, s.tB)),
    });
    const rank = s.a.length;
    const perm = rank === 2 ? [1, 0] : [0, 2, 1];
    const timings = await timeVariants(
      [
        {
          ...routed('stock'),
          setup: () => {
            a = tf.randomNormal(s.a, 0, 1, 'float32', 1);
            b = tf.randomNormal(s.b, 0, 1, 'float32', 2);
          },
        },
        routed('xnnpack'),
        {
          name: 'explicit tf.transpose',
          before: () => forceBatchMatMulPath(undefined),
          run: call(() =>
            tf.tidy(() => tf.matMul(s.tA ? tf.transpose(a!, perm) : a!, s.tB ? tf.transpose(b!, perm) : b!)),
          ),
          teardown: () => {
            forceBatchMatMulPath(undefined);
            tf.dispose([a!, b!]);
          },
        },
      ],
      { repetitions: REPS, warmup: 2 },
    );
    return {
      case: s.name,
      timings,
      ratios: {
        'stock / xnnpack route': timings[0]!.medianMs / timings[1]!.medianMs,
        'explicit / xnnpack route': timings[2]!.medianMs / timings[1]!.medianMs,
      },
    };
  };
}

const bench: Benchmark = {
  name: 'matmul',
  description: `transposed and batched tf.matMul on wasm: the backend's scalar loop vs explicit transposes + XNNPACK, ${REPS} repetitions`,
  async run(): Promise<BenchCase[]> {
    await initBackend('wasm');
    const cases: BenchCase[] = [];
    for (const s of SHAPES) cases.push(await shapeCase(s)());
    return cases;
  },
};

export default bench;
