/**
 * Worker-thread side of `bench/workers.bench.ts` (started through `boot.mjs`, which registers
 * the TypeScript loader in the worker). One role per worker, chosen by the first message:
 *
 * - `pix2pix`: a `Pix2PixTrainer` on its own wasm backend; `step` runs one training step.
 * - `loader`: an `alignedDataset` on the cpu backend; `get` returns a decoded, resized, cropped
 *   sample as Float32Arrays (transferred, not copied).
 * - `cyclegan-d`: CycleGAN's two discriminators, their Adam and image pools; `step` runs the D
 *   half of a step on the fakes it is sent and returns the updated discriminator weights.
 *
 * Replies carry the request's id; errors come back as `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/init-backend';
import { unetGenerator } from '../../src/models/unet-generator';
import { patchGANDiscriminator } from '../../src/models/patchgan-discriminator';
import { Pix2PixTrainer } from '../../src/training/pix2pix-trainer';
import { alignedDataset } from '../../src/node/aligned-dataset';
import type { ImageDataset, ImageDatasetOptions } from '../../src/node/image-dataset';
import {
  DiscriminatorHalf,
  fromData,
  makeDiscriminators,
  setWeightsData,
  weightsData,
  type CycleGANShape,
  type TensorData,
} from './cyclegan-parts';

type Request =
  | { id: number; type: 'init-pix2pix'; size: number; ngf: number }
  | { id: number; type: 'init-loader'; dir: string; options: ImageDatasetOptions }
  | { id: number; type: 'init-cyclegan-d'; shape: CycleGANShape; weights: TensorData[] }
  | { id: number; type: 'step' }
  | { id: number; type: 'get'; index: number; epoch: number }
  | { id: number; type: 'd-step'; realA: TensorData; realB: TensorData; fakeA: TensorData; fakeB: TensorData };

let trainer: Pix2PixTrainer | undefined;
let pair: [tf.Tensor4D, tf.Tensor4D] | undefined;
let dataset: ImageDataset | undefined;
let dHalf: DiscriminatorHalf | undefined;

async function handle(req: Request): Promise<{ reply: Record<string, unknown>; transfer?: ArrayBuffer[] }> {
  switch (req.type) {
    case 'init-pix2pix': {
      await initBackend('wasm');
      const generator = unetGenerator({ numDowns: Math.log2(req.size), ngf: req.ngf, norm: 'batch', dropout: false });
      const discriminator = patchGANDiscriminator({ inputChannels: 6, ndf: req.ngf, nLayers: 3, norm: 'batch' });
      trainer = new Pix2PixTrainer({ generator, discriminator });
      pair = [
        tf.randomUniform([1, req.size, req.size, 3], -1, 1, 'float32', 1) as tf.Tensor4D,
        tf.randomUniform([1, req.size, req.size, 3], -1, 1, 'float32', 2) as tf.Tensor4D,
      ];
      return { reply: {} };
    }
    case 'step': {
      const t0 = performance.now();
      await trainer!.step(...pair!);
      return { reply: { ms: performance.now() - t0 } };
    }
    case 'init-loader': {
      // The loader only builds small tensors to copy them out: the cpu backend, no wasm memory.
      await initBackend('cpu');
      dataset = await alignedDataset(req.dir, req.options);
      return { reply: { length: dataset.length } };
    }
    case 'get': {
      const s = await dataset!.get(req.index, req.epoch);
      const a = new Float32Array(s.a.dataSync());
      const b = new Float32Array(s.b.dataSync());
      const shape = s.a.shape.slice();
      tf.dispose([s.a, s.b]);
      return { reply: { a: { shape, data: a }, b: { shape, data: b } }, transfer: [a.buffer, b.buffer] };
    }
    case 'init-cyclegan-d': {
      await initBackend('wasm');
      const { dA, dB } = makeDiscriminators(req.shape);
      setWeightsData([dA, dB], req.weights);
      dHalf = new DiscriminatorHalf(dA, dB);
      return { reply: {} };
    }
    case 'd-step': {
      const t = [req.realA, req.realB, req.fakeA, req.fakeB].map((d) => fromData(d) as tf.Tensor4D);
      const loss = await dHalf!.step(t[0]!, t[1]!, t[2]!, t[3]!);
      tf.dispose(t);
      const weights = weightsData([dHalf!.dA, dHalf!.dB]);
      return { reply: { loss, weights }, transfer: weights.map((w) => w.data.buffer as ArrayBuffer) };
    }
  }
}

parentPort!.on('message', (req: Request) => {
  handle(req).then(
    ({ reply, transfer }) => parentPort!.postMessage({ id: req.id, ...reply }, transfer ?? []),
    (err: unknown) => parentPort!.postMessage({ id: req.id, error: err instanceof Error ? err.stack : String(err) }),
  );
});
