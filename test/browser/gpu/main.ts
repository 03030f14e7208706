/**
 * The page of the GPU backend tests (test/browser/gpu-backends.ts builds it with vite): runs each
 * case of cases.ts on cpu and on a GPU backend in the same page and reports, per case, the worst
 * relative difference. `?f16=1` sets tfjs-backend-webgl's WEBGL_FORCE_F16_TEXTURES flag before
 * anything reads it, as a GPU without float32 render targets would.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { initBackend, type InitBackendOptions } from '../../../src/backend/init-backend';
import resizeFixture from '../../fixtures/backend/resize_bilinear_grad.json';
import { ALL_CASES, type CaseKind } from './cases';
import { adamCheck, addPolicy, patchMatchCheck, wasmCompileError, type AdamCheck } from './csp-checks';

/** The worst difference over one case's results. */
export interface CaseResult {
  name: string;
  kind: CaseKind;
  /** How many tensors (outputs, gradients, weights, losses) were compared. */
  compared: number;
  /** The result with the largest relative difference. */
  worstKey: string;
  /** max |gpu - cpu| of that result. */
  maxAbs: number;
  /** max |cpu| of that result (the scale the difference is relative to). */
  scale: number;
  /** maxAbs / scale (0 when both are 0; Infinity on a non-finite value or a size mismatch). */
  relative: number;
  /** The worst relative difference over the weights after a trainer step (reported, not checked). */
  weightsRelative?: number;
  /** Milliseconds for the cpu run and the GPU run (build, run, read back). */
  cpuMs: number;
  gpuMs: number;
  error?: string;
}

/** One case of the PyTorch bilinear-resize fixture on a backend: relative differences from PyTorch. */
export interface ResizeFixtureResult {
  name: string;
  alignCorners: boolean;
  /** The forward resize. */
  y: number;
  /** The gradient from the registered `ResizeBilinearGrad` (initBackend's kernel). */
  dx: number;
  /** The gradient from the backend package's own `ResizeBilinearGrad` (reported, not checked). */
  stockDx: number;
}

export interface GpuPageHooks {
  /** The cases, by name and kind. */
  cases(): { name: string; kind: CaseKind }[];
  compare(backend: string, names?: string[], options?: InitBackendOptions): Promise<CaseResult[]>;
  initBackend(backend: string, options?: InitBackendOptions): Promise<string>;
  backend(): string;
  flags(): Record<string, unknown>;
  leakedTensors(): number;
  /**
   * The bilinear-resize fixture (test/fixtures/backend/resize_bilinear_grad.json) on `backend`
   * after `initBackend(backend)`: each case's forward and gradient against PyTorch's, and the
   * stock kernel's gradient; `leaked` counts the tensors left behind.
   */
  resizeBilinearFixture(
    backend: string,
  ): Promise<{ cases: ResizeFixtureResult[]; leaked: number; ms: number; stockMs: number }>;
  /** Null when the page may compile WebAssembly from bytes, else the error (csp-checks.ts). */
  wasmCompileError(): string | null;
  /** Adds a Content-Security-Policy meta tag (csp-checks.ts). */
  addPolicy(policy: string): void;
  /** The fused Adam update and a trainer step on `backend` (csp-checks.ts). */
  adamCheck(backend: string): Promise<AdamCheck>;
  /** createPatchMatch with its default kernel and with the 'js' one (csp-checks.ts). */
  patchMatchCheck(): Promise<{ wasm: string; js: string }>;
}

declare global {
  interface Window {
    __gpu: GpuPageHooks;
  }
}

function relativeDiff(gpu: Float32Array, cpu: Float32Array): { maxAbs: number; scale: number; relative: number } {
  if (gpu.length !== cpu.length) return { maxAbs: Infinity, scale: 0, relative: Infinity };
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < cpu.length; i++) {
    const d = Math.abs(gpu[i]! - cpu[i]!);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(cpu[i]!));
  }
  return { maxAbs, scale, relative: maxAbs === 0 ? 0 : maxAbs / scale };
}

/** Builds and runs a case on the current backend; with `weights`, sets them first. */
async function runOn(
  c: (typeof ALL_CASES)[number],
  weights?: { values: Float32Array; shape: number[] }[][],
): Promise<{ out: Record<string, Float32Array>; weights: { values: Float32Array; shape: number[] }[][] }> {
  const built = c.build();
  try {
    if (!weights) c.prepare?.(built.models);
    if (weights) {
      built.models.forEach((m, i) => {
        const ts = weights[i]!.map((w) => tf.tensor(w.values, w.shape));
        m.setWeights(ts);
        tf.dispose(ts);
      });
    }
    const snapshot = built.models.map((m) =>
      m.getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape })),
    );
    return { out: await built.run(), weights: snapshot };
  } finally {
    built.dispose();
  }
}

/**
 * Sets the page up: the f16 flag when asked for, and the hooks. A function the entry calls (this
 * package is `"sideEffects": false`, so a bundler would drop module-level statements).
 */
export function install(): void {
  if (new URLSearchParams(location.search).get('f16') === '1') tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);
  // tfjs-backend-wasm wants all three; the page is not cross-origin isolated, so it loads the SIMD one.
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
  });
  // The backend packages' own ResizeBilinearGrad kernels, before initBackend replaces them.
  const stockResizeGrad = new Map(['webgl', 'webgpu'].map((b) => [b, tf.getKernel('ResizeBilinearGrad', b)] as const));
  // Counted once cpu is ready (tf.memory() before any backend would start tfjs's default one).
  let startTensors: number | null = null;
  window.__gpu = {
    cases: () => ALL_CASES.map((c) => ({ name: c.name, kind: c.kind })),
    async compare(backend, names, options) {
      const results: CaseResult[] = [];
      for (const c of ALL_CASES.filter((x) => names == null || names.includes(x.name))) {
        try {
          await initBackend('cpu');
          startTensors ??= tf.memory().numTensors;
          let t0 = performance.now();
          const ref = await runOn(c);
          const cpuMs = performance.now() - t0;
          await initBackend(backend, options);
          t0 = performance.now();
          const got = await runOn(c, ref.weights);
          const gpuMs = performance.now() - t0;
          let worst: CaseResult = {
            name: c.name,
            kind: c.kind,
            compared: 0,
            worstKey: '',
            maxAbs: 0,
            scale: 0,
            relative: 0,
            cpuMs,
            gpuMs,
          };
          for (const [key, cpu] of Object.entries(ref.out)) {
            const gpu = got.out[key];
            const d = gpu ? relativeDiff(gpu, cpu) : { maxAbs: Infinity, scale: 0, relative: Infinity };
            worst.compared++;
            if (key.startsWith('weight ')) {
              worst.weightsRelative = Math.max(worst.weightsRelative ?? 0, d.relative);
            } else if (worst.worstKey === '' || d.relative > worst.relative) {
              worst = { ...worst, worstKey: key, ...d };
            }
          }
          if (Object.keys(got.out).length !== worst.compared)
            worst = { ...worst, relative: Infinity, error: 'different results' };
          results.push(worst);
        } catch (e) {
          results.push({
            name: c.name,
            kind: c.kind,
            compared: 0,
            worstKey: '',
            maxAbs: Infinity,
            scale: 0,
            relative: Infinity,
            cpuMs: 0,
            gpuMs: 0,
            error: e instanceof Error ? e.message : String(e),
          });
        }
      }
      await initBackend('cpu');
      return results;
    },
    initBackend: (backend, options) => initBackend(backend, options),
    backend: () => tf.getBackend(),
    flags: () => ({ ...tf.env().getFlags() }),
    leakedTensors: () => tf.memory().numTensors - (startTensors ?? 0),
    async resizeBilinearFixture(backend) {
      await initBackend(backend);
      const stock = stockResizeGrad.get(backend);
      const before = tf.memory().numTensors;
      const cases: ResizeFixtureResult[] = [];
      let [ms, stockMs] = [0, 0];
      for (const c of resizeFixture.cases) {
        const shape = c.xShape as [number, number, number, number];
        const size = c.size as [number, number];
        const x = tf.tensor4d(c.x, shape);
        const dy = tf.tensor4d(c.dy, [shape[0], size[0], size[1], shape[3]]);
        const attrs = { alignCorners: c.alignCorners, halfPixelCenters: !c.alignCorners, size };
        let t0 = performance.now();
        const y = tf.image.resizeBilinear(x, size, attrs.alignCorners, attrs.halfPixelCenters);
        // The kernel tf.grad dispatches for the gradient of resizeBilinear (the layer case
        // 'ResizeTorch (bilinear ...)' takes it through tf.grad).
        const dx = tf.engine().runKernel('ResizeBilinearGrad', { images: x, dy }, attrs) as tf.Tensor;
        await dx.data();
        ms += performance.now() - t0;
        t0 = performance.now();
        const stockDx =
          stock == null
            ? null
            : tf
                .engine()
                .makeTensorFromTensorInfo(
                  stock.kernelFunc({ inputs: { images: x, dy }, backend: tf.backend(), attrs }) as tf.TensorInfo,
                );
        await stockDx?.data();
        stockMs += performance.now() - t0;
        const rel = async (t: tf.Tensor | null, want: number[]) =>
          t == null ? Number.NaN : relativeDiff((await t.data()) as Float32Array, Float32Array.from(want)).relative;
        cases.push({
          name: c.name,
          alignCorners: c.alignCorners,
          y: await rel(y, c.y),
          dx: await rel(dx, c.dx),
          stockDx: await rel(stockDx, c.dx),
        });
        tf.dispose([x, dy, y, dx, ...(stockDx == null ? [] : [stockDx])]);
      }
      return { cases, leaked: tf.memory().numTensors - before, ms, stockMs };
    },
    wasmCompileError,
    addPolicy,
    adamCheck,
    patchMatchCheck,
  };
}
