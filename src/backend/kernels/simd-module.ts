import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * A few bytes of WebAssembly, assembled here: small SIMD loops that run on tfjs-backend-wasm's
 * own memory, so kernels can work on tensors in place where the backend has no fast kernel.
 * Each module imports `env.memory` (shared in the threaded build) and exports one function.
 */

/** Bytes of a LEB128-encoded unsigned integer. */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    const byte = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? byte : byte | 0x80);
  } while (n !== 0);
  return out;
}

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** `local.get i`, `local.set i`, `local.tee i`. */
export const get = (i: number): number[] => [0x20, ...leb(i)];
export const set = (i: number): number[] => [0x21, ...leb(i)];
export const tee = (i: number): number[] => [0x22, ...leb(i)];
/** `i32.const n` (n below 2^31). */
export const i32 = (n: number): number[] => {
  // The opcode, then n in signed LEB128.
  const out: number[] = [0x41];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
export const I32_ADD = 0x6a;
export const I32_LT_U = 0x49;
/** `select`: [a, b, condition] -> condition ? a : b. */
export const SELECT = 0x1b;
export const I32_MUL = 0x6c;
export const I32_GE_U = 0x4f;
/** A SIMD instruction by its opcode. */
export const simd = (op: number): number[] => [0xfd, ...leb(op)];
/** `v128.load` / `v128.store` with a byte offset, 4-byte alignment. */
export const v128Load = (offset = 0): number[] => [...simd(V128_LOAD), 0x02, ...leb(offset)];
export const v128Store = (offset = 0): number[] => [...simd(V128_STORE), 0x02, ...leb(offset)];
/** `v128.load32_splat`: one float to all four lanes. */
export const load32Splat = (offset = 0): number[] => [...simd(0x09), 0x02, ...leb(offset)];
/** The `simd` opcodes of `v128.load` / `v128.store` (each followed by its alignment and offset). */
export const V128_LOAD = 0x00;
export const V128_STORE = 0x0b;
export const F32X4_ADD = 0xe4;
export const F32X4_DIV = 0xe7;
export const F32X4_SQRT = 0xe3;
export const F32X4_LT = 0x43;
export const F32X4_SPLAT = 0x13;
export const V128_BITSELECT = 0x52;
/** `f32.reinterpret_i32`: an i32 parameter's bits as a float. */
export const F32_REINTERPRET_I32 = 0xbe;
export const F32X4_MUL = 0xe6;
/** `v128.const` of zeros. */
export const V128_ZERO = [...simd(0x0c), ...Array(16).fill(0)];

/**
 * `while (counter < limit) { body; counter += step }` over i32 locals (the check first).
 * The body may not branch out of the loop.
 */
export function loop(counter: number, limit: number, step: number, body: number[]): number[] {
  // biome-ignore format: one line per instruction group
  return [
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(counter), ...get(limit), I32_GE_U, 0x0d, 1, // if counter >= limit: break
    ...body,
    ...get(counter), ...i32(step), I32_ADD, ...set(counter),
    0x0c, 0, 0x0b, 0x0b, // continue; end loop; end block
  ];
}

/**
 * `while (counter < limit) { body; increment }` over i32 locals (the check first), for steps
 * that are not constants. The body may not branch out of the loop.
 */
export function loopWith(counter: number, limit: number, body: number[], increment: number[]): number[] {
  // biome-ignore format: one line per instruction group
  return [
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(counter), ...get(limit), I32_GE_U, 0x0d, 1, // if counter >= limit: break
    ...body,
    ...increment,
    0x0c, 0, 0x0b, 0x0b, // continue; end loop; end block
  ];
}

const section = (id: number, bytes: number[]): number[] => [id, ...leb(bytes.length), ...bytes];
const name = (text: string): number[] => [...leb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];

/**
 * A module of one exported function (`exportName`, default `f`) with no result, importing the
 * memory (`shared`: the threaded build's). `params` is a count of i32 parameters or their value
 * types; `locals` are the extra locals as `[count, type]` groups; `body` comes without the final
 * `end`.
 */
export function moduleBytes(
  params: number | readonly number[],
  locals: readonly (readonly [number, number])[],
  body: number[],
  shared: boolean,
  exportName = 'f',
): Uint8Array<ArrayBuffer> {
  const types = typeof params === 'number' ? Array<number>(params).fill(I32) : params;
  const code = [...leb(locals.length), ...locals.flatMap(([n, t]) => [...leb(n), t]), ...body, 0x0b];
  const limits = shared ? [0x03, 0x00, ...leb(65536)] : [0x00, 0x00];
  // biome-ignore format: one line per section
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    ...section(1, [1, 0x60, ...leb(types.length), ...types, 0]), // type: (params) -> ()
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...limits]), // import env.memory
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(7, [1, ...name(exportName), 0x00, 0]), // export it
    ...section(10, [1, ...leb(code.length), ...code]), // its code
  ]);
}

/**
 * The wasm backend's heap: the single-threaded builds export their `WebAssembly.Memory`, the
 * threaded build keeps it on the Emscripten module. Null when it is not reachable (a disposed
 * backend has no module left).
 * @internal
 */
export function wasmMemoryOf(backend: BackendWasm): WebAssembly.Memory | null {
  const module = backend.wasm as unknown as { asm?: { memory?: unknown }; wasmMemory?: unknown } | null;
  const memory = module?.asm?.memory ?? module?.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** True when `memory` is a shared memory (the threaded build's heap). @internal */
export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** A compiled function taking byte offsets and counts into the backend's memory. */
export type SimdFunction = (...args: number[]) => void;

/**
 * The function of a module made by `build(shared)`, instantiated once per wasm memory (the
 * single-threaded and threaded builds each have their own), or null where the engine lacks
 * WebAssembly SIMD or the backend's memory cannot be reached: callers then run their
 * JavaScript loop.
 */
export function simdFunction(
  cache: WeakMap<object, SimdFunction | null>,
  backend: BackendWasm,
  build: (shared: boolean) => Uint8Array,
): SimdFunction | null {
  const memory = wasmMemoryOf(backend);
  if (memory === null) return null;
  let fn = cache.get(memory);
  if (fn === undefined) {
    try {
      const bytes = build(isSharedMemory(memory));
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {
        env: { memory },
      });
      fn = instance.exports.f as SimdFunction;
    } catch {
      fn = null;
    }
    cache.set(memory, fn);
  }
  return fn;
}
