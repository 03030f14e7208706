/**
 * Per-kernel profile of a computation on one backend: every kernel registered for the backend is
 * wrapped so that each call's wall time and CPU time (`process.cpuUsage`) are recorded,
 * exclusive of the kernels it runs itself (this library's wasm kernels run the backend's), with
 * the multiply-adds of the convolution and matmul kernels (`kernelMacs`). `tf.profile` gives
 * only wall time and counts a nested kernel twice; this gives CPU time, which a shared machine
 * does not inflate, and the time spent outside kernels (tfjs bookkeeping, gradient tape, JS).
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { DILATION_AWARE_FILTER_GRADIENTS } from '../src/core/kernel-capabilities';

/** The kernels whose multiply-adds {@link kernelMacs} counts. */
export const COUNTED_KERNELS = [
  'Conv2D',
  'FusedConv2D',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'BatchMatMul',
  '_FusedMatMul',
];

/** Multiply-adds of one call of a convolution or matmul kernel, from its inputs and attributes. */
export function kernelMacs(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): number {
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const shape = (k: string) => (inputs[k] as tf.TensorInfo).shape;
  const a = attrs as Record<string, never>;
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D':
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D': {
      // Per output pixel, every filter weight once (a depthwise filter is [kh, kw, in, multiplier]).
      const info = tf.backend_util.computeConv2DInfo(
        shape('x') as [number, number, number, number],
        shape('filter') as [number, number, number, number],
        a.strides,
        a.dilations,
        a.pad,
        a.dimRoundingMode,
        name.includes('Depthwise'),
      );
      return size(info.outShape.slice(0, 3)) * size(shape('filter'));
    }
    case 'Conv2DBackpropInput':
      return size(shape('dy').slice(0, 3)) * size(shape('filter'));
    case 'Conv2DBackpropFilter':
      return size(shape('dy').slice(0, 3)) * size(a.filterShape as unknown as number[]);
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const sa = shape('a');
      const sb = shape('b');
      const batch = Math.max(size(sa.slice(0, -2)), size(sb.slice(0, -2)));
      const m = a.transposeA ? sa.at(-1)! : sa.at(-2)!;
      const k = a.transposeA ? sa.at(-2)! : sa.at(-1)!;
      const n = a.transposeB ? sb.at(-2)! : sb.at(-1)!;
      return batch * m * k * n;
    }
    default:
      return 0;
  }
}

/** One kernel's (or one kernel-and-shape's) totals. */
export interface KernelEntry {
  name: string;
  calls: number;
  /** Wall time, exclusive of nested kernel calls. */
  wallMs: number;
  /** CPU time of the process, exclusive of nested kernel calls. */
  cpuMs: number;
  /** Multiply-adds (convolution and matmul kernels only; nested calls not counted again). */
  macs: number;
}

/** The profile of one call of the profiled function. */
export interface KernelProfile {
  wallMs: number;
  cpuMs: number;
  /** By kernel name, largest CPU time first. */
  kernels: KernelEntry[];
  /** By kernel name and input shapes, largest CPU time first. */
  calls: KernelEntry[];
  /**
   * Outermost kernel calls by kernel name and input shapes, their times inclusive of the kernels
   * they run, largest CPU time first: the rate of a whole convolution, routes included.
   */
  outer: KernelEntry[];
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/**
 * Runs `fn` once with every kernel of `backend` wrapped, and returns where the time went.
 * Outermost kernels count their multiply-adds; all wrappers are removed afterwards.
 */
export async function profileKernels(fn: () => Promise<void> | void, backend = 'wasm'): Promise<KernelProfile> {
  const byName = new Map<string, KernelEntry>();
  const byCall = new Map<string, KernelEntry>();
  const byOuter = new Map<string, KernelEntry>();
  // Each open call's child time, to make the times exclusive.
  const stack: Array<{ childWall: number; childCpu: number }> = [];
  const configs = tf.getKernelsForBackend(backend);
  const add = (map: Map<string, KernelEntry>, key: string, name: string, wall: number, cpu: number, macs: number) => {
    let e = map.get(key);
    if (e == null) {
      e = { name: key === name ? name : key, calls: 0, wallMs: 0, cpuMs: 0, macs: 0 };
      map.set(key, e);
    }
    e.calls++;
    e.wallMs += wall;
    e.cpuMs += cpu;
    e.macs += macs;
  };
  for (const k of configs) {
    tf.unregisterKernel(k.kernelName, backend);
    const kernelFunc: tf.KernelFunc = (args) => {
      const macs = stack.length === 0 ? kernelMacs(k.kernelName, args.inputs, args.attrs ?? {}) : 0;
      const shapes = Object.entries(args.inputs)
        .map(([n, t]) => `${n}[${(t as tf.TensorInfo | undefined)?.shape.join(',') ?? ''}]`)
        .join(' ');
      stack.push({ childWall: 0, childCpu: 0 });
      const w0 = performance.now();
      const c0 = cpuNow();
      try {
        return k.kernelFunc(args);
      } finally {
        const wall = performance.now() - w0;
        const cpu = cpuNow() - c0;
        const me = stack.pop()!;
        const parent = stack.at(-1);
        if (parent != null) {
          parent.childWall += wall;
          parent.childCpu += cpu;
        }
        add(byName, k.kernelName, k.kernelName, wall - me.childWall, cpu - me.childCpu, macs);
        add(byCall, `${k.kernelName} ${shapes}`, k.kernelName, wall - me.childWall, cpu - me.childCpu, macs);
        if (parent == null) add(byOuter, `${k.kernelName} ${shapes}`, k.kernelName, wall, cpu, macs);
      }
    };
    // The wrapper can do what the kernel can (ops.dilatedConv2d asks).
    if (DILATION_AWARE_FILTER_GRADIENTS.has(k.kernelFunc)) DILATION_AWARE_FILTER_GRADIENTS.add(kernelFunc);
    tf.registerKernel({ ...k, kernelFunc });
  }
  const w0 = performance.now();
  const c0 = cpuNow();
  try {
    await fn();
  } finally {
    for (const k of configs) {
      tf.unregisterKernel(k.kernelName, backend);
      tf.registerKernel(k);
    }
  }
  const wallMs = performance.now() - w0;
  const cpuMs = cpuNow() - c0;
  const sort = (m: Map<string, KernelEntry>) => [...m.values()].sort((a, b) => b.cpuMs - a.cpuMs);
  return { wallMs, cpuMs, kernels: sort(byName), calls: sort(byCall), outer: sort(byOuter) };
}

/**
 * Prints a profile: totals, kernels by CPU time, the `topCalls` largest kernel-and-shape entries
 * (exclusive times), then the `topCalls` largest outermost calls (inclusive times, with their
 * multiply-add rate).
 */
export function printProfile(title: string, p: KernelProfile, topCalls = 25): void {
  const inKernels = p.kernels.reduce((s, e) => s + e.cpuMs, 0);
  const pct = (x: number) => `${((100 * x) / p.cpuMs).toFixed(1)}%`;
  const rate = (e: KernelEntry) => (e.macs > 0 && e.cpuMs > 0 ? ` ${(e.macs / e.cpuMs / 1e6).toFixed(1)} GMAC/s` : '');
  console.log(
    `\n  ${title}: wall ${p.wallMs.toFixed(0)} ms, CPU ${p.cpuMs.toFixed(0)} ms; in kernels ${pct(inKernels)}, ` +
      `outside kernels ${(p.cpuMs - inKernels).toFixed(0)} ms (${pct(p.cpuMs - inKernels)})`,
  );
  for (const e of p.kernels) {
    if (e.cpuMs < p.cpuMs * 0.002) continue;
    console.log(
      `    ${e.name.padEnd(28)} ${String(e.calls).padStart(5)} calls ${e.cpuMs.toFixed(1).padStart(9)} ms CPU ${pct(e.cpuMs).padStart(6)}${rate(e)}`,
    );
  }
  console.log(`    largest kernel calls by shape:`);
  for (const e of p.calls.slice(0, topCalls)) {
    console.log(
      `    ${e.cpuMs.toFixed(1).padStart(9)} ms ${pct(e.cpuMs).padStart(6)} ${String(e.calls).padStart(4)}x ${e.name}${rate(e)}`,
    );
  }
  const convMacs = p.outer.reduce((s, e) => s + e.macs, 0);
  const convCpu = p.outer.filter((e) => e.macs > 0).reduce((s, e) => s + e.cpuMs, 0);
  console.log(
    `    outermost calls, inclusive of the kernels they run (convolution and matmul calls: ` +
      `${pct(convCpu)} of the CPU time, ${(convMacs / 1e9).toFixed(2)} GMAC at ${(convMacs / convCpu / 1e6).toFixed(1)} GMAC/s):`,
  );
  for (const e of p.outer.slice(0, topCalls)) {
    console.log(
      `    ${e.cpuMs.toFixed(1).padStart(9)} ms ${pct(e.cpuMs).padStart(6)} ${String(e.calls).padStart(4)}x ${e.name}${rate(e)}`,
    );
  }
}
