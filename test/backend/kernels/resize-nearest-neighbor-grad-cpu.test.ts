// The cpu backend's ResizeNearestNeighborGrad (replaced by initBackend('cpu')) against the exact
// adjoint of the forward resize: the forward kernel, run on a tensor of element indices, says
// which input element each output element copies; the reference gradient adds each dy element
// to that input element, in float64 on the host. The wasm backend's stock kernel is held to the
// same reference where it is right (no half-pixel centres).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resizeNearestNeighborGradCpuConfig } from '../../../src/backend/kernels/resize-nearest-neighbor-grad-cpu';
import { initBackend } from '../../../src/backend/init-backend';
import { initBothBackends, onBackend, relativeError, seeded, seededValues } from './compare-backends';

interface Case {
  x: [number, number, number, number];
  size: [number, number];
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** The reference dx of sum(resize(x) * dy) for a case, and dy's values. */
async function reference(c: Case, dySeed: number): Promise<Float64Array> {
  await tf.setBackend('cpu');
  const n = c.x.reduce((a, b) => a * b, 1);
  const source = tf.tidy(() => {
    const index = tf.reshape(tf.range(0, n, 1, 'float32'), c.x) as tf.Tensor4D;
    return tf.image.resizeNearestNeighbor(index, c.size, c.alignCorners, c.halfPixelCenters);
  });
  const src = await source.data();
  const dy = seededValues(src.length, dySeed);
  source.dispose();
  const dx = new Float64Array(n);
  for (let i = 0; i < src.length; i++) dx[src[i]!]! += dy[i]!;
  return dx;
}

function gradient(c: Case, dySeed: number) {
  return () => {
    const x = seeded([...c.x], 41) as tf.Tensor4D;
    const dyShape = [c.x[0], c.size[0], c.size[1], c.x[3]];
    const loss = (v: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.image.resizeNearestNeighbor(v as tf.Tensor4D, c.size, c.alignCorners, c.halfPixelCenters),
          seeded(dyShape, dySeed),
        ),
      );
    return tf.grad(loss)(x);
  };
}

const CASES: Case[] = [
  // The SPADE generator's UpSampling2D in the GauGAN trainer test: batch 2, 16x32 -> 32x64.
  { x: [2, 16, 32, 3], size: [32, 64], alignCorners: false, halfPixelCenters: false },
  { x: [3, 7, 9, 2], size: [14, 18], alignCorners: false, halfPixelCenters: false },
  { x: [2, 9, 7, 2], size: [4, 3], alignCorners: false, halfPixelCenters: false },
  { x: [2, 5, 6, 1], size: [11, 7], alignCorners: true, halfPixelCenters: false },
  { x: [2, 6, 5, 2], size: [13, 4], alignCorners: false, halfPixelCenters: true },
];

describe('ResizeNearestNeighborGrad on cpu', () => {
  beforeAll(initBothBackends);

  it('replaces the stock cpu kernel (idempotently)', async () => {
    await initBackend('cpu');
    expect(tf.getKernel('ResizeNearestNeighborGrad', 'cpu')).toBe(resizeNearestNeighborGradCpuConfig);
  });

  it.each(CASES)(
    'is the adjoint of the forward resize: x $x -> $size, alignCorners $alignCorners, halfPixelCenters $halfPixelCenters',
    async (c) => {
      const want = Float32Array.from(await reference(c, 43));
      const [cpu] = await onBackend('cpu', gradient(c, 43));
      expect(relativeError(cpu!, want)).toBeLessThanOrEqual(1e-7);
      if (!c.halfPixelCenters) {
        const [wasm] = await onBackend('wasm', gradient(c, 43));
        expect(relativeError(wasm!, want)).toBeLessThanOrEqual(1e-6);
      }
    },
  );

  it('rejects a dy that does not fit the images', async () => {
    await tf.setBackend('cpu');
    const images = tf.zeros([2, 3, 3, 1]);
    const dy = tf.zeros([1, 6, 6, 1]);
    expect(() =>
      tf
        .engine()
        .runKernel('ResizeNearestNeighborGrad', { images, dy }, { alignCorners: false, halfPixelCenters: false }),
    ).toThrow(/ResizeNearestNeighborGrad \(cpu\): dy has shape \[1,6,6,1\], which does not fit images \[2,3,3,1\]/);
    tf.dispose([images, dy]);
  });
});
