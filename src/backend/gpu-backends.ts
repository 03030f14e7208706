import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from '../core/checks';
import { replaceKernel } from './kernels/kernel-utils';
import { resizeBilinearGradWebglConfig, resizeBilinearGradWebgpuConfig } from './kernels/resize-bilinear-grad';

/**
 * The GPU backends {@link initBackend} knows, each with the optional peer package that registers
 * it. This library never imports them itself: an app that wants one installs and imports it.
 */
export const GPU_BACKEND_PACKAGES = Object.freeze({
  webgl: '@tensorflow/tfjs-backend-webgl',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
} as const);

/** `'webgl'` or `'webgpu'`. */
export type GpuBackendName = keyof typeof GPU_BACKEND_PACKAGES;

/** Whether `name` is one of {@link GPU_BACKEND_PACKAGES}. */
export function isGpuBackendName(name: string): name is GpuBackendName {
  return Object.hasOwn(GPU_BACKEND_PACKAGES, name);
}

/** The other backends to name in an error about `name`: the other GPU backend, then 'wasm' and 'cpu'. */
export function gpuAlternatives(name: GpuBackendName, builtIn: readonly string[]): string {
  const other: GpuBackendName = name === 'webgl' ? 'webgpu' : 'webgl';
  const names = [other, ...builtIn].map((n) => `'${n}'`);
  const list = `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return tf.findBackendFactory(other) == null
    ? `${list} ('${other}' after importing '${GPU_BACKEND_PACKAGES[other]}')`
    : list;
}

/**
 * The kernels {@link registerGpuKernelFixes} installs per GPU backend: each replaces a stock
 * tfjs 4.22 kernel that computes wrongly.
 *
 * - `ResizeBilinearGrad` (ignores `halfPixelCenters`, i.e. PyTorch's align_corners=False, on
 *   both): the gradient of `tf.image.resizeBilinear`; replaced by the adjoint of the forward
 *   resize as two matrix products on the backend's own `BatchMatMul`.
 */
const GPU_KERNEL_FIXES: Readonly<Record<GpuBackendName, readonly tf.KernelConfig[]>> = {
  webgl: [resizeBilinearGradWebglConfig],
  webgpu: [resizeBilinearGradWebgpuConfig],
};

/**
 * Replaces, for the GPU backend `name`, the stock kernels in {@link GPU_KERNEL_FIXES}.
 * Idempotent; {@link initBackend} calls it for `'webgl'` and `'webgpu'` once the backend's package
 * is imported (its import registers the stock kernels, which this replaces).
 *
 * @example
 * ```ts
 * import { registerGpuKernelFixes } from './gpu-backends';
 * registerGpuKernelFixes('webgl'); // before tf.setBackend('webgl')
 * ```
 * @internal
 */
export function registerGpuKernelFixes(name: GpuBackendName): void {
  for (const config of GPU_KERNEL_FIXES[name]) replaceKernel(config);
}

/**
 * Checks, before anything changes, that the GPU backend `name` can start here, and throws an Error
 * that says why not: the runtime has no WebGPU / WebGL; the backend's package was not imported; no
 * WebGPU adapter; or WebGL would compute in half precision and `allowHalfPrecision` is false.
 * `builtIn` are the backends that need no import ('wasm', 'cpu'), named as alternatives.
 */
export async function checkGpuBackend(
  name: GpuBackendName,
  allowHalfPrecision: boolean,
  builtIn: readonly string[],
): Promise<void> {
  const fail = (why: string): Error =>
    new Error(
      `initBackend: the '${name}' backend cannot start: ${why}. The alternatives are ${gpuAlternatives(name, builtIn)}.`,
    );
  if (name === 'webgpu') {
    const why = await webgpuAdapterProblem();
    if (why != null) throw fail(why);
  }
  if (tf.findBackendFactory(name) == null) {
    // The package registers its kernels on import, and its backend only where it can run.
    if (tf.getKernel('Conv2D', name) != null) {
      throw fail(
        name === 'webgl'
          ? 'this runtime has no WebGL (tfjs-backend-webgl registers only in browsers)'
          : 'this runtime has no WebGPU',
      );
    }
    throw new Error(
      `initBackend: the '${name}' backend is not registered: install and import '${GPU_BACKEND_PACKAGES[name]}' ` +
        `before initBackend('${name}'), or use ${builtIn.map((n) => `'${n}'`).join(' or ')}.`,
    );
  }
  if (name === 'webgl') {
    const env = tf.env();
    if (flag(() => env.getNumber('WEBGL_VERSION')) === 0) throw fail('this browser has no WebGL (WEBGL_VERSION is 0)');
    if (!allowHalfPrecision && flag(() => env.getBool('WEBGL_RENDER_FLOAT32_ENABLED')) === false) {
      const forced = flag(() => env.getBool('WEBGL_FORCE_F16_TEXTURES')) === true;
      throw new Error(
        `initBackend: the 'webgl' backend would compute in half precision here (${forced ? 'WEBGL_FORCE_F16_TEXTURES is set' : 'this GPU cannot render to float32 textures'}): ` +
          'float16 keeps about 3 significant digits and overflows above 65504, which breaks the norms and training. ' +
          `Pass { allowHalfPrecision: true } to use it anyway, or use ${gpuAlternatives('webgl', builtIn)}.`,
      );
    }
  }
}

/** Why the registered GPU backend `name` failed to start, when this module can tell; else null. */
export async function gpuStartProblem(name: GpuBackendName): Promise<string | null> {
  return name === 'webgpu' ? webgpuAdapterProblem() : null;
}

/** A tfjs flag's value, or undefined when the flag is not registered or cannot be evaluated. */
function flag<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * Why WebGPU cannot start here, when that is the reason: no `navigator.gpu` (the runtime has no
 * WebGPU, e.g. Node or an insecure page), or `requestAdapter()` gives no adapter (no usable GPU
 * or driver). Null when an adapter is there.
 */
async function webgpuAdapterProblem(): Promise<string | null> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter?(): Promise<unknown> } } }).navigator?.gpu;
  if (gpu == null || typeof gpu.requestAdapter !== 'function')
    return 'this runtime has no WebGPU (navigator.gpu is missing)';
  try {
    if ((await gpu.requestAdapter()) == null) return 'no WebGPU adapter (navigator.gpu.requestAdapter() returned null)';
  } catch (e) {
    return `no WebGPU adapter (navigator.gpu.requestAdapter() failed: ${describeValue(e instanceof Error ? e.message : String(e))})`;
  }
  return null;
}
