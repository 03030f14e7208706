// ResizeBilinearGrad on cpu and wasm (both replaced by initBackend) against PyTorch's
// F.interpolate(mode='bilinear') backward (test/fixtures/backend/generate_resize_bilinear_grad.py):
// align_corners=True is alignCorners, align_corners=False is halfPixelCenters. tfjs' third
// variant (neither, TensorFlow's legacy rule) has no PyTorch counterpart; it is checked against
// the exact adjoint of the forward kernel, whose Jacobian is read off the forward resize of the
// unit images.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  interpolationMatrix,
  resizeBilinearGradByMatMul,
  resizeBilinearGradCpuConfig,
  resizeBilinearGradWasmConfig,
  resizeBilinearGradWebglConfig,
  resizeBilinearGradWebgpuConfig,
} from '../../../src/backend/kernels/resize-bilinear-grad';
import { registerGpuKernelFixes } from '../../../src/backend/gpu-backends';
import { initBackend, type BackendName } from '../../../src/backend/init-backend';
import { initBothBackends, onBackend, relativeError, seeded } from './compare-backends';

interface FixtureCase {
  name: string;
  alignCorners: boolean;
  xShape: [number, number, number, number];
  size: [number, number];
  x: number[];
  dy: number[];
  y: number[];
  dx: number[];
}

const FIXTURE = JSON.parse(
  readFileSync(new URL('../../fixtures/backend/resize_bilinear_grad.json', import.meta.url), 'utf8'),
) as { cases: FixtureCase[] };

const BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];

/** resizeBilinear(x) and the gradient of sum(resizeBilinear(x) * dy) with respect to x. */
function forwardAndGradient(
  x: () => tf.Tensor4D,
  dy: () => tf.Tensor,
  size: [number, number],
  alignCorners: boolean,
  halfPixelCenters: boolean,
) {
  return () => {
    const images = x();
    const g = dy();
    const resize = (v: tf.Tensor) => tf.image.resizeBilinear(v as tf.Tensor4D, size, alignCorners, halfPixelCenters);
    return [resize(images), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(resize(v), g)))(images)];
  };
}

/**
 * The exact adjoint of the forward resize on the current backend: resizing the H*W unit images
 * gives the Jacobian J[i, o] of one channel; dx[b, i, c] = sum_o J[i, o] dy[b, o, c], in float64.
 */
async function adjointReference(
  xShape: [number, number, number, number],
  size: [number, number],
  dy: Float32Array,
): Promise<Float64Array> {
  const [batch, h, w, channels] = xShape;
  const pixels = h * w;
  const outPixels = size[0] * size[1];
  const jacobian = tf.tidy(() => {
    const units = tf.reshape(tf.eye(pixels), [pixels, h, w, 1]) as tf.Tensor4D;
    return tf.image.resizeBilinear(units, size, false, false);
  });
  const j = await jacobian.data();
  jacobian.dispose();
  const dx = new Float64Array(batch * pixels * channels);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < pixels; i++) {
      for (let o = 0; o < outPixels; o++) {
        const weight = j[i * outPixels + o]!;
        if (weight === 0) continue;
        for (let c = 0; c < channels; c++) {
          dx[(b * pixels + i) * channels + c]! += weight * dy[(b * outPixels + o) * channels + c]!;
        }
      }
    }
  }
  return dx;
}

describe('ResizeBilinearGrad', () => {
  beforeAll(initBothBackends);

  it('replaces the stock cpu and wasm kernels (idempotently)', async () => {
    await initBackend('cpu');
    await initBackend('wasm');
    expect(tf.getKernel('ResizeBilinearGrad', 'cpu')).toBe(resizeBilinearGradCpuConfig);
    expect(tf.getKernel('ResizeBilinearGrad', 'wasm')).toBe(resizeBilinearGradWasmConfig);
  });

  describe.each(BACKENDS)('on %s', (backend) => {
    it.each(FIXTURE.cases)(
      "matches PyTorch's bilinear interpolate backward: $name, align_corners $alignCorners",
      async (c) => {
        const [n, , , ch] = c.xShape;
        const f = forwardAndGradient(
          () => tf.tensor4d(c.x, c.xShape),
          () => tf.tensor4d(c.dy, [n, c.size[0], c.size[1], ch]),
          c.size,
          c.alignCorners,
          !c.alignCorners,
        );
        const [y, dx] = await onBackend(backend, f);
        expect(relativeError(y!, Float32Array.from(c.y))).toBeLessThanOrEqual(1e-6);
        expect(relativeError(dx!, Float32Array.from(c.dx))).toBeLessThanOrEqual(1e-6);
      },
    );

    it.each([
      { xShape: [2, 5, 7, 3], size: [9, 12] },
      { xShape: [2, 9, 6, 2], size: [4, 5] },
      { xShape: [1, 4, 9, 2], size: [7, 3] },
    ] as { xShape: [number, number, number, number]; size: [number, number] }[])(
      'is the adjoint of the forward resize without align corners or half-pixel centres: $xShape -> $size',
      async ({ xShape, size }) => {
        const dyShape = [xShape[0], size[0], size[1], xShape[3]];
        const [dyValues] = await onBackend(backend, () => seeded(dyShape, 7));
        const want = Float32Array.from(await adjointReference(xShape, size, dyValues!));
        const f = forwardAndGradient(
          () => seeded([...xShape], 5) as tf.Tensor4D,
          () => seeded(dyShape, 7),
          size,
          false,
          false,
        );
        const [, dx] = await onBackend(backend, f);
        expect(relativeError(dx!, want)).toBeLessThanOrEqual(1e-6);
      },
    );

    it('leaves no tensor or data behind', async () => {
      await tf.setBackend(backend);
      const x = seeded([2, 5, 7, 3], 5) as tf.Tensor4D;
      const tensors = tf.memory().numTensors;
      const ids = tf.engine().backend.numDataIds();
      const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.image.resizeBilinear(v as tf.Tensor4D, [9, 4], false, true)))(x);
      expect(tf.memory().numTensors).toBe(tensors + 1);
      dx.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(tf.engine().backend.numDataIds()).toBe(ids);
      x.dispose();
    });

    it('rejects a dy that does not fit the images', async () => {
      await tf.setBackend(backend);
      const images = tf.zeros([2, 3, 3, 1]);
      const dy = tf.zeros([1, 6, 6, 1]);
      expect(() =>
        tf.engine().runKernel('ResizeBilinearGrad', { images, dy }, { alignCorners: false, halfPixelCenters: false }),
      ).toThrow(
        new RegExp(
          `ResizeBilinearGrad \\(${backend}\\): dy has shape \\[1,6,6,1\\], which does not fit images \\[2,3,3,1\\]`,
        ),
      );
      tf.dispose([images, dy]);
    });
  });
});

// The kernel initBackend registers for 'webgl' and 'webgpu' is built from the backend's own
// BatchMatMul and Reshape kernels, so it runs here on cpu and wasm: the same fixture, float32
// products (the Chromium tests in test/browser/gpu-backends.ts run it on the GPU backends).
describe('ResizeBilinearGrad as matrix products (the webgl and webgpu kernel)', () => {
  beforeAll(initBothBackends);

  /** The kernel on the current backend, as the engine would call it; the result as a tensor. */
  function byMatMul(images: tf.Tensor, dy: tf.Tensor, alignCorners: boolean, halfPixelCenters: boolean): tf.Tensor {
    const name = tf.getBackend();
    const info = resizeBilinearGradByMatMul(name, {
      inputs: { images, dy },
      backend: tf.backend(),
      attrs: { alignCorners, halfPixelCenters },
    });
    return tf.engine().makeTensorFromTensorInfo(info);
  }

  it('gpu-backends registers it for webgl and webgpu (idempotently), replacing the stock kernels', async () => {
    await import('@tensorflow/tfjs-backend-webgl');
    await import('@tensorflow/tfjs-backend-webgpu');
    const stock = tf.getKernel('ResizeBilinearGrad', 'webgl');
    expect(stock).toBeDefined();
    expect(stock).not.toBe(resizeBilinearGradWebglConfig);
    registerGpuKernelFixes('webgl');
    registerGpuKernelFixes('webgl');
    registerGpuKernelFixes('webgpu');
    expect(tf.getKernel('ResizeBilinearGrad', 'webgl')).toBe(resizeBilinearGradWebglConfig);
    expect(tf.getKernel('ResizeBilinearGrad', 'webgpu')).toBe(resizeBilinearGradWebgpuConfig);
  });

  it("builds each axis from the forward taps: rows sum to 1, and 2 -> 4 with half-pixel centres is PyTorch's matrix", () => {
    expect(Array.from(interpolationMatrix(2, 4, false, true))).toEqual([1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
    const m = interpolationMatrix(7, 3, true, false);
    for (let o = 0; o < 3; o++) expect(m.subarray(o * 7, o * 7 + 7).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  describe.each(BACKENDS)('on %s', (backend) => {
    it.each(FIXTURE.cases)(
      "matches PyTorch's bilinear interpolate backward: $name, align_corners $alignCorners",
      async (c) => {
        const [n, , , ch] = c.xShape;
        const [dx] = await onBackend(backend, () => {
          const images = tf.tensor4d(c.x, c.xShape);
          const dy = tf.tensor4d(c.dy, [n, c.size[0], c.size[1], ch]);
          return byMatMul(images, dy, c.alignCorners, !c.alignCorners);
        });
        expect(relativeError(dx!, Float32Array.from(c.dx))).toBeLessThanOrEqual(1e-5);
      },
    );

    it('equals the direct adjoint without align corners or half-pixel centres', async () => {
      const xShape = [2, 9, 6, 2];
      const dyShape = [2, 4, 5, 2];
      const [got, want] = await onBackend(backend, () => {
        const images = seeded(xShape, 5);
        const dy = seeded(dyShape, 7);
        return [
          byMatMul(images, dy, false, false),
          tf.engine().runKernel(
            'ResizeBilinearGrad',
            { images, dy },
            {
              alignCorners: false,
              halfPixelCenters: false,
            },
          ) as tf.Tensor,
        ];
      });
      expect(relativeError(got!, want!)).toBeLessThanOrEqual(1e-5);
    });

    it('leaves no tensor or data behind, and checks sizes before allocating', async () => {
      await tf.setBackend(backend);
      const images = seeded([2, 5, 7, 3], 5);
      const dy = seeded([2, 9, 4, 3], 7);
      const tensors = tf.memory().numTensors;
      const ids = tf.engine().backend.numDataIds();
      const dx = byMatMul(images, dy, false, true);
      expect(dx.shape).toEqual([2, 5, 7, 3]);
      dx.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(tf.engine().backend.numDataIds()).toBe(ids);
      const tall = tf.zeros([1, 4097, 1, 1]);
      const tallDy = tf.zeros([1, 4097, 1, 1]);
      const wrongBatch = tf.zeros([1, 9, 4, 3]);
      const before = tf.engine().backend.numDataIds();
      expect(() => byMatMul(tall, tallDy, false, true)).toThrow(
        `ResizeBilinearGrad (${backend}): the height resize from 4097 to 4097 needs a 4097x4097 interpolation matrix, over the limit of 16777216 elements; use the 'wasm' or 'cpu' backend for this size.`,
      );
      expect(() => byMatMul(images, wrongBatch, false, true)).toThrow(/dy has shape \[1,9,4,3\]/);
      expect(tf.engine().backend.numDataIds()).toBe(before);
      tf.dispose([images, dy, tall, tallDy, wrongBatch]);
    });
  });
});
