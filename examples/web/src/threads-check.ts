// A small fixed workload for comparing the wasm backend's threaded build with its
// single-threaded one: the same seeds give the same networks and inputs, so two runs must agree.
// Shared by the page (the browser test drives it) and the Node test
// (test/backend/wasm-threads.test.ts). No DOM here.
import * as tf from '@tensorflow/tfjs-core';
import { forceConv2DBackpropFilterPath } from '../../../src/backend/kernels/conv2d-backprop-filter';
import { FUSED_ADAM_UPDATE } from '../../../src/core/kernel-capabilities';
import { patchGANDiscriminator } from '../../../src/models/patchgan-discriminator';
import { unetGenerator } from '../../../src/models/unet-generator';
import { Pix2PixTrainer } from '../../../src/training/pix2pix-trainer';

/** What {@link runThreadsWorkload} computes, as plain arrays (nothing left on the backend). */
export interface ThreadsWorkload {
  /** A U-Net forward pass (ngf 8, 5 levels, 1x32x32x3). */
  unetForward: Float32Array;
  /** The losses of two pix2pix steps, in order (lossD, lossG per step). */
  stepLosses: number[];
  /** The pix2pix generator's output on the input after the two steps. */
  afterSteps: Float32Array;
  /** d(sum(conv2d))/d(filter) of a 3x3 conv, 8 -> 16 channels, 1x24x24, on the im2col GEMM route. */
  filterGradGemm: Float32Array;
  /** The same through the transposed-convolution route. */
  filterGradConv: Float32Array;
  /**
   * This library's WebAssembly passes at sizes the threaded build shares with its helper threads:
   * `LeakyRelu` of 132,000 values, the fused Adam update's new weights for 40,000, and a
   * [4, 8192] x [8192, 64] product (the GEMM pass), one after the other.
   */
  passes: Float32Array;
}

/** The workload's five results, in a fixed order, for comparisons. */
export const WORKLOAD_PARTS = [
  'unetForward',
  'stepLosses',
  'afterSteps',
  'filterGradGemm',
  'filterGradConv',
  'passes',
] as const;

/** The `passes` part of {@link runThreadsWorkload}. */
function runPasses(): Promise<Float32Array> {
  const out = tf.tidy(() => {
    const x = tf.randomNormal([132_000], 0, 1, 'float32', 9);
    const [w, m, v, g] = [10, 11, 12, 13].map((s) => tf.randomNormal([40_000], 0, 1, 'float32', s));
    const attrs = { beta1: 0.5, beta2: 0.999, epsilon: 1e-8, correction2Sqrt: Math.sqrt(0.001), stepSize: 0.2 };
    const [w1] = tf.engine().runKernel(FUSED_ADAM_UPDATE, { w, m, v: tf.abs(v!), g }, attrs) as tf.Tensor[];
    const product = tf.matMul(
      tf.randomNormal([4, 8192], 0, 1, 'float32', 14),
      tf.randomNormal([8192, 64], 0, 1, 'float32', 15),
    );
    return tf.concat([tf.leakyRelu(x, 0.2), w1!, tf.reshape(product, [-1])]);
  });
  return out.data().then((d: tf.TypedArray) => {
    out.dispose();
    return d as Float32Array;
  });
}

/**
 * Runs the workload on the current backend. Models, trainer and tensors are disposed before it
 * returns, so the backend holds no more tensors than before.
 */
export async function runThreadsWorkload(): Promise<ThreadsWorkload> {
  const size = 32;
  const a = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
  const b = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 6) as tf.Tensor4D;
  const unet = unetGenerator({ ngf: 8, numDowns: 5, norm: 'batch', dropout: false, seed: 3 });
  const generator = unetGenerator({ ngf: 8, numDowns: 5, norm: 'batch', dropout: false, seed: 11 });
  const discriminator = patchGANDiscriminator({ inputChannels: 6, ndf: 8, nLayers: 2, norm: 'batch', seed: 12 });
  const trainer = new Pix2PixTrainer({ generator, discriminator });
  try {
    const y = unet.predict(a) as tf.Tensor;
    const unetForward = (await y.data()) as Float32Array;
    y.dispose();
    const stepLosses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const l = await trainer.step(a, b);
      stepLosses.push(l.lossD, l.lossG);
    }
    const g = generator.predict(a) as tf.Tensor;
    const afterSteps = (await g.data()) as Float32Array;
    g.dispose();
    const filterGrad = async (path: 'gemm' | 'conv') => {
      forceConv2DBackpropFilterPath(path);
      try {
        const x = tf.randomUniform([1, 24, 24, 8], -1, 1, 'float32', 7) as tf.Tensor4D;
        const w = tf.randomUniform([3, 3, 8, 16], -1, 1, 'float32', 8) as tf.Tensor4D;
        const dw = tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')))(w);
        const values = (await dw.data()) as Float32Array;
        tf.dispose([x, w, dw]);
        return values;
      } finally {
        forceConv2DBackpropFilterPath(undefined);
      }
    };
    return {
      unetForward,
      stepLosses,
      afterSteps,
      filterGradGemm: await filterGrad('gemm'),
      filterGradConv: await filterGrad('conv'),
      passes: await runPasses(),
    };
  } finally {
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
    unet.dispose();
    tf.dispose([a, b]);
  }
}

/**
 * max |x - ref| / max |ref| over each part of two workload results (0 when equal; Infinity on a
 * length mismatch or a NaN).
 */
export function relativeDifferences(x: ThreadsWorkload, ref: ThreadsWorkload): Record<keyof ThreadsWorkload, number> {
  const out = {} as Record<keyof ThreadsWorkload, number>;
  for (const part of WORKLOAD_PARTS) {
    const p = x[part];
    const r = ref[part];
    if (p.length !== r.length) {
      out[part] = Infinity;
      continue;
    }
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < r.length; i++) {
      diff = Math.max(diff, Math.abs(p[i]! - r[i]!));
      scale = Math.max(scale, Math.abs(r[i]!));
    }
    const rel = diff === 0 ? 0 : diff / scale;
    out[part] = Number.isNaN(rel) ? Infinity : rel;
  }
  return out;
}
