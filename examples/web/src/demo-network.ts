// The demo's small gated-convolution network, shared by the page and by the browser test runner
// (which computes the same output in Node), so both run exactly the same code. No DOM here.
import * as tf from '@tensorflow/tfjs-core';
import { gatedConv2d, type GatedConv2D } from '../../../src/layers/index';

/** Side of the square crop the network runs on. */
export const CROP_SIZE = 96;

/** Seed of the network's fixed weights. */
export const WEIGHT_SEED = 2026;

/** An RGBA image (`ImageData` works). */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** mulberry32: a tiny 32-bit PRNG, identical in every JavaScript engine. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Builds three gated convolutions (3 -> 8 -> 8 -> 3 channels, 3x3 kernels, the middle one dilated
 * by 2, the last one ungated like DeepFill's RGB output layer) on the current backend, with
 * Glorot-uniform weights and small biases drawn from {@link mulberry32} so every backend and engine
 * gets the same numbers (tfjs initializers would depend on the backend's random generator).
 *
 * ```ts
 * const net = createDemoNetwork();
 * const y = runDemoNetwork(net, tf.zeros([1, 96, 96, 3])); // [1, 96, 96, 3]
 * disposeDemoNetwork(net);
 * ```
 */
export function createDemoNetwork(seed = WEIGHT_SEED): GatedConv2D[] {
  const layers = [
    gatedConv2d({ filters: 8, kernelSize: 3 }),
    gatedConv2d({ filters: 8, kernelSize: 3, dilationRate: 2 }),
    gatedConv2d({ filters: 3, kernelSize: 3, activation: null }),
  ];
  const rand = mulberry32(seed);
  let inChannels = 3;
  for (const layer of layers) {
    // apply() (not build()) so the layer owns its weights and dispose() releases them.
    const channels = inChannels;
    tf.tidy(() => {
      layer.apply(tf.zeros([1, 4, 4, channels]));
    });
    const [kh, kw] = layer.kernelSize;
    const out = layer.convChannels;
    const limit = Math.sqrt(6 / (kh * kw * (inChannels + out)));
    const kernel = Float32Array.from({ length: kh * kw * inChannels * out }, () => (2 * rand() - 1) * limit);
    const bias = Float32Array.from({ length: out }, () => (2 * rand() - 1) * 0.1);
    const values = [tf.tensor4d(kernel, [kh, kw, inChannels, out]), tf.tensor1d(bias)];
    layer.setWeights(values);
    tf.dispose(values);
    inChannels = layer.filters;
  }
  return layers;
}

/** Runs the layers in order on `x` ([1, h, w, 3] in [-1, 1]); returns [1, h, w, 3]. */
export function runDemoNetwork(layers: readonly GatedConv2D[], x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => layers.reduce<tf.Tensor>((h, layer) => layer.apply(h) as tf.Tensor, x) as tf.Tensor4D);
}

/** Releases the layers' weights. */
export function disposeDemoNetwork(layers: readonly GatedConv2D[]): void {
  for (const layer of layers) layer.dispose();
}

/** Top-left corner of the centred {@link CROP_SIZE} crop of an image. */
export function cropOrigin(image: { width: number; height: number }): [number, number] {
  if (image.width < CROP_SIZE || image.height < CROP_SIZE) {
    throw new Error(`cropOrigin: the image must be at least ${CROP_SIZE}x${CROP_SIZE}, got ${image.width}x${image.height}`);
  }
  return [Math.floor((image.width - CROP_SIZE) / 2), Math.floor((image.height - CROP_SIZE) / 2)];
}

/** The centred crop's RGB values scaled to [-1, 1], as a plain array (h, w, c order). */
export function cropValues(image: RgbaPixels): Float32Array {
  const [x0, y0] = cropOrigin(image);
  const out = new Float32Array(CROP_SIZE * CROP_SIZE * 3);
  for (let y = 0; y < CROP_SIZE; y++) {
    for (let x = 0; x < CROP_SIZE; x++) {
      const src = ((y0 + y) * image.width + (x0 + x)) * 4;
      const dst = (y * CROP_SIZE + x) * 3;
      for (let c = 0; c < 3; c++) out[dst + c] = image.data[src + c]! / 127.5 - 1;
    }
  }
  return out;
}

/**
 * Creates the network on the current backend, runs it on the centred crop of `image` and returns
 * the output values (h, w, c order) with everything disposed again.
 */
export async function demoNetworkOutput(image: RgbaPixels, seed = WEIGHT_SEED): Promise<Float32Array> {
  const layers = createDemoNetwork(seed);
  try {
    const x = tf.tensor4d(cropValues(image), [1, CROP_SIZE, CROP_SIZE, 3]);
    const y = runDemoNetwork(layers, x);
    x.dispose();
    const values = (await y.data()) as Float32Array;
    y.dispose();
    return values;
  } finally {
    disposeDemoNetwork(layers);
  }
}
