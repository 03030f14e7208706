/**
 * Conv2d weight gradient (Conv2DBackpropFilter) on wasm, with this library's XNNPACK-based
 * kernel, against the cpu backend's kernel, and against the wasm forward conv of the same shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../src/backend/init-backend';
import { timeVariants, type Variant } from './timing';
import { medianRatio, type Benchmark, type BenchCase } from './types';

interface ConvCase {
  label: string;
  x: [number, number, number, number];
  outC: number;
  /** Timed repetitions of the cpu dW: one call takes seconds to tens of seconds at full size. */
  cpuRepetitions: number;
}

const CASES: ConvCase[] = [
  { label: '3x3 s1 same 256x256x3 -> 64', x: [1, 256, 256, 3], outC: 64, cpuRepetitions: 1 },
  { label: '3x3 s1 same 64x64x64 -> 64', x: [1, 64, 64, 64], outC: 64, cpuRepetitions: 1 },
  // A smaller shape where cpu can be repeated, for a ratio with a real median on both sides.
  { label: '3x3 s1 same 32x32x16 -> 16', x: [1, 32, 32, 16], outC: 16, cpuRepetitions: 5 },
];
const WASM_REPETITIONS = 15;

/** Inputs made on one backend and used only there, so no data moves between backends while timed. */
function onBackend(
  backend: BackendName,
  name: string,
  c: ConvCase,
  op: 'dW' | 'forward',
  repetitions: number,
): Variant {
  let x: tf.Tensor4D | undefined;
  let w: tf.Tensor4D | undefined;
  let dy: tf.Tensor4D | undefined;
  const filterShape: [number, number, number, number] = [3, 3, c.x[3], c.outC];
  return {
    name,
    repetitions,
    warmup: backend === 'cpu' ? 0 : 2,
    setup: async () => {
      await tf.setBackend(backend);
      x = tf.randomNormal(c.x, 0, 1, 'float32', 1);
      w = tf.randomNormal(filterShape, 0, 0.1, 'float32', 2);
      dy = tf.randomNormal([c.x[0], c.x[1], c.x[2], c.outC], 0, 1, 'float32', 3);
    },
    before: async () => {
      await tf.setBackend(backend);
    },
    run: () => {
      const out =
        op === 'dW'
          ? (tf.engine().runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! }, {
              strides: 1,
              pad: 'same',
              dataFormat: 'NHWC',
              filterShape,
            } as never) as tf.Tensor)
          : tf.conv2d(x!, w!, 1, 'same');
      out.dataSync();
      out.dispose();
    },
    teardown: async () => {
      await tf.setBackend(backend);
      tf.dispose([x!, w!, dy!]);
    },
  };
}

const bench: Benchmark = {
  name: 'conv-grad',
  description: 'conv2d weight gradient: wasm (XNNPACK via transposed Conv2D) vs cpu, and vs the wasm forward pass',
  async run(): Promise<BenchCase[]> {
    await initBackend('cpu');
    await initBackend('wasm');
    const cases: BenchCase[] = [];
    for (const c of CASES) {
      const timings = await timeVariants([
        onBackend('wasm', 'wasm dW', c, 'dW', WASM_REPETITIONS),
        onBackend('wasm', 'wasm forward', c, 'forward', WASM_REPETITIONS),
        onBackend('cpu', 'cpu dW', c, 'dW', c.cpuRepetitions),
      ]);
      cases.push({
        case: c.label,
        timings,
        ratios: {
          'cpu dW / wasm dW': medianRatio(timings, 'cpu dW', 'wasm dW'),
          'wasm dW / wasm forward': medianRatio(timings, 'wasm dW', 'wasm forward'),
        },
      });
    }
    return cases;
  },
};

export default bench;
