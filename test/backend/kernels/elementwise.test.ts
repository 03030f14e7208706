import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ROW_ROUTE_SINGLE_TASK_SIZE,
  SCALAR_ROUTE_MAX_ROWS,
  SCALAR_ROUTE_MIN_SIZE,
  rowRouteTile,
  scalarRouteRows,
} from '../../../src/backend/kernels/elementwise';
import { initBothBackends, onBackend, seeded } from './compare-backends';

describe('scalarRouteRows', () => {
  it('takes the largest divisor up to the maximum, only for large tensors', () => {
    expect(scalarRouteRows(4 * 4 * 512 * 512)).toBe(SCALAR_ROUTE_MAX_ROWS);
    expect(scalarRouteRows(SCALAR_ROUTE_MIN_SIZE - 1)).toBe(0);
    expect(scalarRouteRows(3 * 7 * 2003)).toBe(21); // 2003 is prime
    expect(scalarRouteRows(65537)).toBe(0); // prime
  });
});

describe('rowRouteTile', () => {
  it('makes small calls one task and large ones at most 64 rows, at least 8', () => {
    expect(rowRouteTile(128 * 128 * 64, 128 * 128)).toBe(256);
    expect(rowRouteTile(ROW_ROUTE_SINGLE_TASK_SIZE - 1, 7)).toBe(7);
    expect(rowRouteTile(64 * 4096, 64)).toBe(0); // already 64 rows
    expect(rowRouteTile(1031 * 40, 1031)).toBe(0); // 1031 is prime: no divisor in [8, 64]
    expect(rowRouteTile(5 * 7 * 1000, 5 * 7)).toBe(0);
    expect(rowRouteTile(100, 1)).toBe(0);
  });
});

describe('Add, Sub, Multiply, RealDiv with a broadcast row on wasm', () => {
  beforeAll(initBothBackends);

  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
  ];
  const shapes: [string, number[], number[]][] = [
    ['small: one task', [1, 8, 8, 24], [24]],
    ['small, row first', [24], [1, 8, 8, 24]],
    ['large: 64 rows of 260 copies', [1, 128, 130, 2], [1, 1, 1, 2]],
    ['large, a two-axis row first', [67, 3], [2, 64, 67, 3]],
    ['large, prime row count (backend kernel)', [1031, 40], [40]],
    ['both broadcast (backend kernel)', [1, 8, 1, 24], [1, 1, 5, 1]],
  ];
  const table = ops.flatMap(([op, f]) => shapes.map(([label, a, b]) => ({ op, f, label, a, b })));

  it.each(table)('$op: $label equals the element-wise definition to the bit', async ({ f, a, b }) => {
    const wasm = await onBackend('wasm', () => f(seeded(a, 1), tf.add(seeded(b, 2), 2)));
    const cpu = await onBackend('cpu', () => f(seeded(a, 1), tf.add(seeded(b, 2), 2)));
    expect(wasm[0]!.length).toBe(cpu[0]!.length);
    expect(Array.from(wasm[0]!)).toEqual(Array.from(cpu[0]!));
  });

  it('keeps the output shape and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = seeded([1, 128, 130, 2], 3);
    const row = seeded([2], 4);
    const before = tf.memory().numTensors;
    const ids = backend.numDataIds();
    const y = tf.sub(row, x);
    expect(y.shape).toEqual([1, 128, 130, 2]);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(backend.numDataIds()).toBe(ids + 1);
    y.dispose();
    tf.dispose([x, row]);
  });
});

describe('Add, Sub, Multiply, RealDiv with a scalar on wasm', () => {
  beforeAll(initBothBackends);

  const SIZE = 3 * 64 * 347; // routed: 64 rows
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
  ];
  const shapes: [string, number[], number[]][] = [
    ['tensor op scalar', [3, 64, 347], []],
    ['scalar op tensor', [], [3, 64, 347]],
    ['tensor op [1, 1]', [SIZE], [1, 1]],
    ['[1, 1, 1] op tensor', [1, 1, 1], [64, 3 * 347]],
  ];
  const table = ops.flatMap(([op, f]) => shapes.map(([label, a, b]) => ({ op, f, label, a, b })));

  it.each(table)('$op: $label equals the element-wise definition to the bit', async ({ f, a, b }) => {
    const wasm = await onBackend('wasm', () => f(seeded(a, 1), tf.add(seeded(b, 2), 2)));
    const cpu = await onBackend('cpu', () => f(seeded(a, 1), tf.add(seeded(b, 2), 2)));
    expect(wasm[0]!.length).toBe(SIZE);
    // One IEEE operation per element: the cpu backend gives the same floats.
    expect(Array.from(wasm[0]!)).toEqual(Array.from(cpu[0]!));
  });

  it('keeps the broadcast output shape and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const x = seeded([2, 1, 64, 347], 3);
    const s = tf.reshape(tf.scalar(0.5), [1, 1, 1, 1]);
    const before = tf.memory().numTensors;
    const y = tf.mul(x, s);
    expect(y.shape).toEqual([2, 1, 64, 347]);
    expect(tf.memory().numTensors).toBe(before + 1);
    y.dispose();
    tf.dispose([x, s]);
  });

  it('is differentiable through tf.grad (the gradient of x * c is c)', async () => {
    await tf.setBackend('wasm');
    const x = seeded([SIZE], 4);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, tf.scalar(3))))(x);
    expect(Array.from(new Set(g.dataSync()))).toEqual([3]);
    tf.dispose([x, g]);
  });
});

describe('Identity on wasm shares data', () => {
  beforeAll(initBothBackends);

  it('tf.clone keeps its values after the original is disposed, and frees them with the last reference', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = seeded([4, 5], 5);
    const values = Array.from(x.dataSync());
    const copy = tf.clone(x);
    expect(copy.dataId).toBe(x.dataId);
    expect(backend.refCount(x.dataId)).toBe(2);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual(values);
    const id = copy.dataId;
    copy.dispose();
    expect(backend.refCount(id)).toBe(0);
  });

  it('a variable snapshot stays unchanged when the variable is assigned', async () => {
    await tf.setBackend('wasm');
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    tf.dispose([v, snapshot]);
  });

  it('string tensors still go through the backend', async () => {
    await tf.setBackend('wasm');
    const s = tf.tensor(['a', 'b']);
    const c = tf.clone(s);
    expect(c.arraySync()).toEqual(['a', 'b']);
    tf.dispose([s, c]);
  });
});
