/**
 * Conv2d weight gradient (Conv2DBackpropFilter) on wasm: this library's two routes (the im2col
 * GEMM route and the older transposed-Conv2D route) side by side, against the wasm forward conv
 * of the same shape, and against the cpu kernel on a small shape. Shapes are the layers of the
 * CycleGAN ResNet generator, the PatchGAN discriminator and the U-Net encoder/decoder at a
 * 256x256 input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../src/backend/init-backend';
import {
  forceConv2DBackpropFilterPath,
  type Conv2DBackpropFilterPath,
} from '../src/backend/kernels/conv2d-backprop-filter';
import { timeVariants, type Variant } from './timing';
import { medianRatio, type Benchmark, type BenchCase } from './types';

type Pad = 'same' | 'valid' | number;

interface ConvCase {
  label: string;
  /** Input of the forward conv (for a transposed conv: its output, i.e. the gradient's x). */
  x: [number, number, number, number];
  k: number;
  stride: number;
  pad: Pad;
  outC: number;
  /** Timed repetitions of the cpu dW; omitted: cpu is not timed (one call takes tens of seconds). */
  cpuRepetitions?: number;
}

const CASES: ConvCase[] = [
  // CycleGAN ResNet generator (reflection padding is a separate op, so its convs are 'valid').
  {
    label: 'G 7x7 s1 3->64 at 256 (reflect-padded, valid)',
    x: [1, 262, 262, 3],
    k: 7,
    stride: 1,
    pad: 'valid',
    outC: 64,
  },
  { label: 'G 7x7 s1 64->3 at 256 (output layer)', x: [1, 262, 262, 64], k: 7, stride: 1, pad: 'valid', outC: 3 },
  { label: 'G 3x3 s2 64->128 at 256', x: [1, 256, 256, 64], k: 3, stride: 2, pad: 1, outC: 128 },
  { label: 'G 3x3 s2 128->256 at 128', x: [1, 128, 128, 128], k: 3, stride: 2, pad: 1, outC: 256 },
  { label: 'G 3x3 s1 256->256 at 64 (resnet block)', x: [1, 66, 66, 256], k: 3, stride: 1, pad: 'valid', outC: 256 },
  // Transposed convs: their filter gradient is Conv2DBackpropFilter with x = the transposed
  // conv's output gradient and dy = its input, filterShape [k, k, out, in].
  { label: 'G up 3x3 s2 256->128, 64->128 (convT)', x: [1, 128, 128, 128], k: 3, stride: 2, pad: 'same', outC: 256 },
  { label: 'G up 3x3 s2 128->64, 128->256 (convT)', x: [1, 256, 256, 64], k: 3, stride: 2, pad: 'same', outC: 128 },
  // PatchGAN discriminator (pix2pix: 6 input channels). Its 64->128 and 128->256 layers have the
  // same shapes as the U-Net encoder's.
  { label: 'D 4x4 s2 6->64 at 256', x: [1, 256, 256, 6], k: 4, stride: 2, pad: 1, outC: 64 },
  { label: 'D/U 4x4 s2 64->128 at 128', x: [1, 128, 128, 64], k: 4, stride: 2, pad: 1, outC: 128 },
  { label: 'D/U 4x4 s2 128->256 at 64', x: [1, 64, 64, 128], k: 4, stride: 2, pad: 1, outC: 256 },
  { label: 'D 4x4 s1 256->512 at 32', x: [1, 32, 32, 256], k: 4, stride: 1, pad: 1, outC: 512 },
  // U-Net encoder and decoder.
  { label: 'D 4x4 s1 512->1 at 31 (output layer)', x: [1, 31, 31, 512], k: 4, stride: 1, pad: 1, outC: 1 },
  { label: 'U 4x4 s2 256->512 at 32', x: [1, 32, 32, 256], k: 4, stride: 2, pad: 1, outC: 512 },
  { label: 'U up 4x4 s2 128->64, 64->128 (convT)', x: [1, 128, 128, 64], k: 4, stride: 2, pad: 'same', outC: 128 },
  { label: 'U up 4x4 s2 512->256, 16->32 (convT)', x: [1, 32, 32, 256], k: 4, stride: 2, pad: 'same', outC: 512 },
  // Few output channels: the im2col copy costs the same, the GEMM Co times less.
  ...[4, 8, 16, 32].map((outC) => ({
    label: `sweep Co: 3x3 s1 same 64->${outC} at 128`,
    x: [1, 128, 128, 64] as [number, number, number, number],
    k: 3,
    stride: 1,
    pad: 'same' as const,
    outC,
  })),
  // Batch 2 and a small shape where cpu can be repeated.
  // Larger batches: the 'conv' route sums over B in its channel axis, so it gains with B.
  { label: 'batch 2: 3x3 s1 same 64x64x64 -> 64', x: [2, 64, 64, 64], k: 3, stride: 1, pad: 'same', outC: 64 },
  { label: 'batch 4: 4x4 s2 pad 1 64x64x32 -> 64', x: [4, 64, 64, 32], k: 4, stride: 2, pad: 1, outC: 64 },
  { label: 'batch 8: 3x3 s1 same 32x32x64 -> 64', x: [8, 32, 32, 64], k: 3, stride: 1, pad: 'same', outC: 64 },
  { label: 'batch 16: 3x3 s1 same 16x16x32 -> 32', x: [16, 16, 16, 32], k: 3, stride: 1, pad: 'same', outC: 32 },
  { label: 'batch 1: 3x3 s1 same 16x16x8 -> 8', x: [1, 16, 16, 8], k: 3, stride: 1, pad: 'same', outC: 8 },
  { label: 'batch 1: 1x1 s1 64x64x64 -> 64', x: [1, 64, 64, 64], k: 1, stride: 1, pad: 'valid', outC: 64 },
  {
    label: '3x3 s1 same 32x32x16 -> 16',
    x: [1, 32, 32, 16],
    k: 3,
    stride: 1,
    pad: 'same',
    outC: 16,
    cpuRepetitions: 5,
  },
];
const WASM_REPETITIONS = 9;

/** Inputs made on one backend and used only there, so no data moves between backends while timed. */
function variant(
  backend: BackendName,
  name: string,
  c: ConvCase,
  op: 'dW' | 'forward',
  repetitions: number,
  path?: Conv2DBackpropFilterPath,
): Variant {
  let x: tf.Tensor4D | undefined;
  let w: tf.Tensor4D | undefined;
  let dy: tf.Tensor4D | undefined;
  const filterShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.outC];
  const outShape = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.stride, 1, c.pad).outShape;
  return {
    name,
    repetitions,
    warmup: backend === 'cpu' ? 0 : 2,
    setup: async () => {
      await tf.setBackend(backend);
      x = tf.randomNormal(c.x, 0, 1, 'float32', 1);
      w = tf.randomNormal(filterShape, 0, 0.1, 'float32', 2);
      dy = tf.randomNormal(outShape, 0, 1, 'float32', 3);
    },
    before: async () => {
      await tf.setBackend(backend);
      forceConv2DBackpropFilterPath(path);
    },
    run: () => {
      const out =
        op === 'dW'
          ? (tf.engine().runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! }, {
              strides: c.stride,
              pad: c.pad,
              dataFormat: 'NHWC',
              filterShape,
            } as never) as tf.Tensor)
          : tf.conv2d(x!, w!, c.stride, c.pad);
      out.dataSync();
      out.dispose();
    },
    teardown: async () => {
      await tf.setBackend(backend);
      forceConv2DBackpropFilterPath(undefined);
      tf.dispose([x!, w!, dy!]);
    },
  };
}

const bench: Benchmark = {
  name: 'conv-grad',
  description:
    'conv2d weight gradient on wasm: im2col GEMM route vs transposed-Conv2D route vs the forward conv (and cpu on a small shape)',
  async run(): Promise<BenchCase[]> {
    await initBackend('cpu');
    await initBackend('wasm');
    const only = process.env.CONV_GRAD_CASES; // optional substring filter on labels
    const cases: BenchCase[] = [];
    for (const c of CASES.filter((c) => only == null || c.label.includes(only))) {
      const variants = [
        variant('wasm', 'wasm dW conv route', c, 'dW', WASM_REPETITIONS, 'conv'),
        variant('wasm', 'wasm dW gemm route', c, 'dW', WASM_REPETITIONS, 'gemm'),
        variant('wasm', 'wasm forward', c, 'forward', WASM_REPETITIONS),
      ];
      if (c.cpuRepetitions != null) variants.push(variant('cpu', 'cpu dW', c, 'dW', c.cpuRepetitions));
      const timings = await timeVariants(variants);
      const ratios: Record<string, number> = {
        'gemm / conv route': medianRatio(timings, 'wasm dW gemm route', 'wasm dW conv route'),
        'gemm route / forward': medianRatio(timings, 'wasm dW gemm route', 'wasm forward'),
        'conv route / forward': medianRatio(timings, 'wasm dW conv route', 'wasm forward'),
      };
      if (c.cpuRepetitions != null)
        ratios['cpu dW / gemm route'] = medianRatio(timings, 'cpu dW', 'wasm dW gemm route');
      const t = (n: string) => timings.find((v) => v.name === n)!.medianMs.toFixed(2);
      console.log(
        `${c.label}: conv ${t('wasm dW conv route')} ms, gemm ${t('wasm dW gemm route')} ms, forward ${t('wasm forward')} ms`,
      );
      cases.push({ case: c.label, timings, ratios });
    }
    return cases;
  },
};

export default bench;
