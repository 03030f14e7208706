import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../../../src/backend/init-backend';

/** Initialises cpu and wasm (with this library's wasm kernels) so tests can switch freely. */
export async function initBothBackends(): Promise<void> {
  await initBackend('cpu');
  await initBackend('wasm');
}

/**
 * Runs `f` once on cpu and once on wasm (switching the global backend) and returns the values
 * of the tensors it returns, per backend. `f` must build its inputs itself (from plain arrays),
 * so each backend computes from scratch.
 */
export async function onBothBackends(f: () => tf.Tensor | tf.Tensor[]): Promise<Record<BackendName, Float32Array[]>> {
  return { cpu: await onBackend('cpu', f), wasm: await onBackend('wasm', f) };
}

/** Runs `f` on one backend and returns the values of the tensors it returns. */
export async function onBackend(backend: BackendName, f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outputs = tf.tidy(() => {
    const out = f();
    return Array.isArray(out) ? out : [out];
  });
  const values = outputs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outputs);
  return values;
}

/**
 * max |a - b| / max |b|: the error relative to the scale of the reference `b`. (Elementwise
 * relative errors blow up at the many near-zero entries a gradient has.)
 */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`relativeError: lengths ${a.length} and ${b.length} differ`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  if (scale === 0) return diff;
  return diff / scale;
}

/** Deterministic values in [-1, 1) from a 32-bit LCG, so failures reproduce. */
export function seededValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** A tensor of {@link seededValues}. */
export function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}
