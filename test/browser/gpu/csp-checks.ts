/**
 * The Content-Security-Policy checks of the backend test page (test/browser/csp.ts serves the page
 * with and without a policy and compares what these return): whether the page may compile
 * WebAssembly from bytes, and the fused Adam update and a trainer step on a backend, with the
 * route the fused kernel took on wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { adamSimd } from '../../../src/backend/kernels/fused-adam';
import { initBackend } from '../../../src/backend/init-backend';
import { FUSED_ADAM_UPDATE } from '../../../src/core/kernel-capabilities';
import { dcganDiscriminator } from '../../../src/models/dcgan-discriminator';
import { dcganGenerator } from '../../../src/models/dcgan-generator';
import { createPatchMatch } from '../../../src/patchmatch/index';
import { DCGANTrainer } from '../../../src/training/dcgan-trainer';

/** What {@link adamCheck} returns. */
export interface AdamCheck {
  backend: string;
  /** On wasm: whether the fused kernel ran its WebAssembly SIMD module (false: its JavaScript loop). */
  simd: boolean | null;
  /** w, m and v after three fused updates of 1,003 values (four-lane SIMD and a three-value tail). */
  update: number[];
  /** Every weight of both networks after one DCGAN step (the trainers' Adam takes the fused kernel). */
  step: number[];
  /** Tensors left behind. */
  leaked: number;
}

/** The smallest WebAssembly module (magic and version). */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** Null when this page may compile WebAssembly from bytes; else the engine's error message. */
export function wasmCompileError(): string | null {
  try {
    new WebAssembly.Module(EMPTY_MODULE);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Adds a `<meta http-equiv="Content-Security-Policy">`: the page follows it from then on. */
export function addPolicy(policy: string): void {
  const meta = document.createElement('meta');
  meta.httpEquiv = 'Content-Security-Policy';
  meta.content = policy;
  document.head.append(meta);
}

/** The fused Adam update and a DCGAN step on `backend` (after `initBackend(backend)`). */
export async function adamCheck(backend: string): Promise<AdamCheck> {
  await initBackend(backend);
  const before = tf.memory().numTensors;
  const size = 1003;
  let [w, m, v] = [tf.randomUniform([size], -1, 1, 'float32', 1), tf.zeros([size]), tf.zeros([size])];
  for (let t = 1; t <= 3; t++) {
    const g = tf.randomUniform([size], -2, 2, 'float32', 10 + t);
    const attrs = {
      beta1: 0.5,
      beta2: 0.999,
      epsilon: 1e-8,
      correction2Sqrt: Math.sqrt(1 - 0.999 ** t),
      stepSize: 2e-4 / (1 - 0.5 ** t),
    };
    const next = tf
      .engine()
      .runKernel(FUSED_ADAM_UPDATE, { w, m, v, g }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    tf.dispose([w, m, v, g]);
    [w, m, v] = next as [tf.Tensor, tf.Tensor, tf.Tensor];
  }
  const update = [...(await w!.data()), ...(await m!.data()), ...(await v!.data())];
  tf.dispose([w!, m!, v!]);

  const generator = dcganGenerator({ nz: 8, ngf: 4, imageSize: 16, seed: 7 });
  const discriminator = dcganDiscriminator({ ndf: 4, imageSize: 16, seed: 8 });
  const trainer = new DCGANTrainer({ generator, discriminator, seed: 9 });
  const real = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 20) as tf.Tensor4D;
  const noise = tf.randomUniform([2, 8], -1, 1, 'float32', 21) as tf.Tensor2D;
  const step: number[] = [];
  try {
    await trainer.step(real, { noise });
    for (const model of [generator, discriminator]) {
      for (const weight of model.weights) step.push(...(await weight.read().data()));
    }
  } finally {
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
    tf.dispose([real, noise]);
  }
  const simd = backend === 'wasm' ? adamSimd(tf.backend() as BackendWasm) != null : null;
  return { backend, simd, update, step, leaked: tf.memory().numTensors - before };
}

/**
 * `createPatchMatch()` (its default 'wasm' kernel) and `createPatchMatch({ backend: 'js' })`:
 * each engine's backend, or the error's name and message.
 */
export async function patchMatchCheck(): Promise<{ wasm: string; js: string }> {
  const describe = (p: Promise<{ backend: string }>) =>
    p.then(
      (pm) => pm.backend,
      (e: Error) => `${e.name}: ${e.message}`,
    );
  return { wasm: await describe(createPatchMatch()), js: await describe(createPatchMatch({ backend: 'js' })) };
}
