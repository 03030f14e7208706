/**
 * Element type of a tensor as it was stored in the source file (PyTorch names, lower case).
 *
 * The in-memory arrays are widened: every floating type is decoded to `Float32Array`, `int64` to
 * `BigInt64Array`, the narrower signed integers to `Int32Array`, and `uint8`/`bool` to `Uint8Array`.
 */
export type TorchDType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** The in-memory element arrays a {@link StateDictTensor} can hold. */
export type StateDictData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

/**
 * One tensor of a {@link StateDict}: always contiguous, row-major (C order) in PyTorch's layout
 * (e.g. a Conv2d weight is `[out, in, kh, kw]`).
 */
export interface StateDictTensor {
  /** The dtype the tensor had in the file (see {@link TorchDType} for how it is widened). */
  dtype: TorchDType;
  /** Shape; `[]` for a scalar. `data.length` is the product of the shape. */
  shape: number[];
  /** Elements in row-major order. */
  data: StateDictData;
}

/**
 * A PyTorch-style state dict: parameter/buffer names (`'model.1.weight'`) mapped to tensors, in
 * file order. Produced by {@link readSafetensors} and {@link readTorchCheckpoint}, consumed by
 * {@link loadTorchStateDict} and {@link writeSafetensors}.
 *
 * @example
 * ```ts
 * import { io } from 'tfjs-synth';
 * const sd: io.StateDict = new Map([
 *   ['fc.bias', { dtype: 'float32', shape: [2], data: new Float32Array([0.5, -1]) }],
 * ]);
 * const bytes = io.writeSafetensors(sd);
 * ```
 */
export type StateDict = Map<string, StateDictTensor>;
