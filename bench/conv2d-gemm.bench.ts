/**
 * The two GEMMs of `Conv2D`'s 'gemm' route on wasm (`src/backend/kernels/conv2d.ts`), on the
 * U-Net's innermost layers at 256x256, where a training step brings a new filter every time:
 * XNNPACK's (`BatchMatMul`, which packs a filter it has not seen and keeps the packed copy) with a
 * new filter tensor before every call, as a training step has, and with the same filter
 * (packed once, as inference has); and the unpacked SIMD GEMM (`small-gemm.ts`), which reads the
 * filter as it is stored, with a new filter. Stride 2, 'same', batch 1; the shapes are the input
 * gradients of the decoder's 4x4 transposed convolutions (a `conv2d` of dy by the weights) and
 * the encoder's forward convolutions. Calls interleaved; `CONV2D_GEMM_REPS` (default 7) after 2
 * warm-ups. The new filter is made outside the timed call (`before`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init-backend';
import { forceConv2DGemmKernel, forceConv2DPath, type Conv2DGemmKernel } from '../src/backend/kernels/conv2d';
import { timeVariants, type Variant } from './timing';
import type { Benchmark, BenchCase } from './types';

const REPS = Number(process.env.CONV2D_GEMM_REPS ?? 7);

const SHAPES: { name: string; x: [number, number, number, number]; filter: [number, number, number, number] }[] = [
  { name: 'x 2x2x512 through 4x4x512x1024 (1 pixel)', x: [1, 2, 2, 512], filter: [4, 4, 512, 1024] },
  { name: 'x 4x4x512 through 4x4x512x1024 (4 pixels)', x: [1, 4, 4, 512], filter: [4, 4, 512, 1024] },
  { name: 'x 8x8x512 through 4x4x512x512 (16 pixels)', x: [1, 8, 8, 512], filter: [4, 4, 512, 512] },
  { name: 'x 16x16x512 through 4x4x512x1024 (64 pixels)', x: [1, 16, 16, 512], filter: [4, 4, 512, 1024] },
  { name: 'x 32x32x256 through 4x4x256x1024 (256 pixels)', x: [1, 32, 32, 256], filter: [4, 4, 256, 1024] },
];

function shapeCase(s: (typeof SHAPES)[number]): () => Promise<BenchCase> {
  return async () => {
    let x: tf.Tensor4D | undefined;
    let w0: tf.Tensor4D | undefined;
    // The filter each variant multiplies by: new ones get the same values in a new tensor before
    // every call; the 'same filter' variant keeps its own.
    const filters: Record<string, tf.Tensor4D | undefined> = {};
    const variant = (name: string, kernel: Conv2DGemmKernel, newFilter: boolean): Variant => ({
      name,
      before: () => {
        forceConv2DPath('gemm');
        forceConv2DGemmKernel(kernel);
        if (newFilter || filters[name] == null) {
          filters[name]?.dispose();
          filters[name] = tf.add(w0!, 0) as tf.Tensor4D;
        }
      },
      run: () => {
        const y = tf.conv2d(x!, filters[name]!, 2, 'same');
        y.dataSync();
        y.dispose();
      },
    });
    const macs = (() => {
      const [, h, wd] = s.x;
      return (h / 2) * (wd / 2) * s.filter.reduce((a, b) => a * b, 1);
    })();
    const timings = await timeVariants(
      [
        {
          ...variant('xnnpack, new filter', 'xnnpack', true),
          setup: () => {
            x = tf.randomNormal(s.x, 0, 1, 'float32', 1) as tf.Tensor4D;
            w0 = tf.randomNormal(s.filter, 0, 0.05, 'float32', 2) as tf.Tensor4D;
          },
        },
        // Its own filter tensor, packed by the first warm-up call and kept.
        variant('xnnpack, same filter', 'xnnpack', false),
        {
          ...variant('unpacked, new filter', 'unpacked', true),
          teardown: () => {
            forceConv2DPath(undefined);
            forceConv2DGemmKernel(undefined);
            tf.dispose([x!, w0!, ...Object.values(filters).filter((f) => f != null)]);
          },
        },
      ],
      { repetitions: REPS, warmup: 2 },
    );
    const [xnnNew, xnnSame, unpacked] = timings as [(typeof timings)[0], (typeof timings)[0], (typeof timings)[0]];
    return {
      case: `${s.name}, ${(macs / 1e9).toFixed(3)} GMAC; GMAC/s: xnnpack new ${(macs / 1e6 / xnnNew.medianMs).toFixed(1)}, same ${(macs / 1e6 / xnnSame.medianMs).toFixed(1)}, unpacked ${(macs / 1e6 / unpacked.medianMs).toFixed(1)}`,
      timings,
      ratios: {
        'xnnpack new / unpacked': xnnNew.medianMs / unpacked.medianMs,
        'xnnpack same / unpacked': xnnSame.medianMs / unpacked.medianMs,
      },
    };
  };
}

const bench: Benchmark = {
  name: 'conv2d-gemm',
  description: `Conv2D's gemm route on wasm: XNNPACK (new and same filter) vs the unpacked SIMD GEMM, U-Net innermost layers, ${REPS} repetitions`,
  async run(): Promise<BenchCase[]> {
    await initBackend('wasm');
    const cases: BenchCase[] = [];
    for (const s of SHAPES) cases.push(await shapeCase(s)());
    return cases;
  },
};

export default bench;
