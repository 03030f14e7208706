import {
  _FusedMatMul,
  type _FusedMatMulAttrs,
  type _FusedMatMulInputs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { gemmPassRoute, gemmPassWanted } from './batch-mat-mul';
import { setupStockKernel, stockKernel } from './stock-kernels';

/**
 * `_FusedMatMul` on the wasm backend: a product without bias, activation or transposes whose
 * shape takes the GEMM pass (few rows by a large B, see `batchMatMulPath`) runs as that pass,
 * as `BatchMatMul` does (the im2col convolution of a network's deep layers reaches XNNPACK
 * through this kernel); every other call goes to the backend's kernel unchanged. The same bits
 * either way.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend('wasm'); // registers this kernel
 * const y = tf.fused.matMul({ a: tf.randomNormal([4, 8192]), b: tf.randomNormal([8192, 512]) }); // the pass
 * ```
 * @internal
 */
export function fusedMatMulWasm(args: {
  inputs: _FusedMatMulInputs;
  backend: BackendWasm;
  attrs: _FusedMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const a = inputs.a as TensorInfo;
  const b = inputs.b as TensorInfo;
  const plain =
    inputs.bias == null &&
    inputs.preluActivationWeights == null &&
    (attrs.activation == null || attrs.activation === 'linear') &&
    !attrs.transposeA &&
    !attrs.transposeB &&
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    a.shape.length === 3 &&
    b.shape.length === 3 &&
    a.shape[0] === 1 &&
    b.shape[0] === 1 &&
    a.shape[2] === b.shape[1];
  if (plain) {
    const [m, k, n] = [a.shape[1]!, a.shape[2]!, b.shape[2]!];
    if (gemmPassWanted(m, k, n)) {
      const out = gemmPassRoute(backend, a, b, m, k, n, [1, m, n]);
      if (out !== null) return out;
    }
  }
  return stockKernel(_FusedMatMul).kernelFunc({
    inputs,
    backend,
    attrs: attrs as unknown as NamedAttrMap,
  }) as TensorInfo;
}

/** Registers {@link fusedMatMulWasm} as `_FusedMatMul` for 'wasm' (its setup runs the stock kernel's). */
export const fusedMatMulWasmConfig: KernelConfig = {
  kernelName: _FusedMatMul,
  backendName: 'wasm',
  kernelFunc: fusedMatMulWasm as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(_FusedMatMul, backend),
};
