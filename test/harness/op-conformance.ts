/**
 * The shared conformance test for the functions of src/ops (the op counterpart of
 * layer-conformance.ts).
 *
 * - {@link runOpGoldens} defines one `it` per fixture case (written by
 *   test/fixtures/ops/make_ops.py with PyTorch): every output within a tolerance of the golden
 *   values, no tensor left behind but the outputs, and, where the case holds them, the
 *   gradients of `sum(firstOutput * w)` within a tolerance of torch autograd's.
 * - {@link expectOnlyOutputsRemain} is the leak check on its own: a call adds exactly its
 *   outputs to `tf.memory().numTensors`, and disposing them returns to the count before.
 * - {@link expectOpFiniteDifferences} checks the gradients of an op against central
 *   differences where no autograd golden exists (finite-differences.ts does the sampling).
 *
 * Call them inside a `describeBackends` block so each runs on cpu and wasm. With the
 * environment variable OP_CONFORMANCE_LOG set, every measured max error is printed as a line
 * `op-conformance <op> <case> <what> <error>`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { expectScaledClose, maxAbsDiff } from './compare';
import { expectFiniteDifferences, type FiniteDifferenceOptions } from './finite-differences';

/** A tensor in a fixture: shape and flat row-major values (tfjs layout). */
export interface FixtureTensor {
  shape: number[];
  values: number[];
}

/** One case of an op fixture (see make_ops.py for how each part is computed). */
export interface OpFixtureCase {
  name: string;
  /** The op's options for this case, as the fixture script passed them to the reference. */
  options: Record<string, unknown>;
  /** Named inputs; null where the op gets null (e.g. no bias). */
  inputs: Record<string, FixtureTensor | null>;
  /** Named outputs; the first one drives the gradients. */
  outputs: Record<string, FixtureTensor>;
  /** Gradients of sum(firstOutput * lossWeights) per input name, from torch autograd. */
  grads?: Record<string, FixtureTensor>;
}

/** An op fixture file: its cases plus any extra top-level entries the script wrote. */
export interface OpFixture {
  cases: OpFixtureCase[];
  [extra: string]: unknown;
}

/** Reads test/fixtures/ops/<fileName>. */
export function loadOpFixture(fileName: string): OpFixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/ops/${fileName}`, import.meta.url), 'utf8')) as OpFixture;
}

/** A float32 tensor from a fixture tensor. */
export function fixtureTensor(t: FixtureTensor): tf.Tensor {
  return tf.tensor(t.values, t.shape, 'float32');
}

/** The loss weights of make_ops.py: w[i] = 0.5 + ((37 i) mod 101) / 101 over the flat index. */
export function lossWeights(shape: readonly number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: size }, (_, i) => 0.5 + ((i * 37) % 101) / 101),
    [...shape],
  );
}

/** What an op call may return: one tensor, a list, or named tensors. */
export type OpResult = tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;

function resultTensors(r: OpResult): tf.Tensor[] {
  if (r instanceof tf.Tensor) return [r];
  return Array.isArray(r) ? r : Object.values(r);
}

/** The outputs of a result by name: a single tensor or a list is named after `names` in order. */
function namedOutputs(r: OpResult, names: string[]): Record<string, tf.Tensor> {
  if (r instanceof tf.Tensor) return { [names[0]!]: r };
  if (Array.isArray(r)) return Object.fromEntries(r.map((t, i) => [names[i]!, t]));
  return r;
}

/** Prints a measured error when OP_CONFORMANCE_LOG is set (for reports; never asserted on). */
export function logError(op: string, label: string, what: string, error: number): void {
  if (process.env.OP_CONFORMANCE_LOG) console.log(`op-conformance ${op} ${label} ${what} ${error.toExponential(2)}`);
}

/**
 * Calls `call` and expects it to add exactly its distinct output tensors to
 * `tf.memory().numTensors` (no intermediate survives), and disposing them to restore the count.
 * Returns nothing: the outputs are disposed.
 */
export function expectOnlyOutputsRemain(call: () => OpResult, label = ''): void {
  const before = tf.memory().numTensors;
  const outputs = [...new Set(resultTensors(call()))];
  expect(tf.memory().numTensors - before, `${label} tensors left besides the outputs`).toBe(outputs.length);
  tf.dispose(outputs);
  expect(tf.memory().numTensors, `${label} tensors after disposing the outputs`).toBe(before);
}

/** How {@link runOpGoldens} calls an op and how close it must come. */
export interface OpGoldenSpec {
  /** The op's name, for labels. */
  op: string;
  cases: OpFixtureCase[];
  /**
   * Calls the op on the case's inputs (tensors built from the fixture; null stays null) and
   * returns its outputs: named as in the fixture, or a tensor / list in the fixture's order.
   * Inputs named in the case's `grads` are `tf.Variable`s during the gradient check.
   */
  call: (inputs: Record<string, tf.Tensor | null>, c: OpFixtureCase) => OpResult;
  /** Max abs error allowed on every output. */
  tolerance: number;
  /**
   * Max error allowed on the gradients, relative to max(1, max |expected|) (gradients sum many
   * float32 products, see compare.ts). Default 1e-5.
   */
  gradientTolerance?: number;
}

function buildInputs(c: OpFixtureCase, asVariables: readonly string[]): Record<string, tf.Tensor | null> {
  return Object.fromEntries(
    Object.entries(c.inputs).map(([k, v]) => {
      if (v === null) return [k, null];
      const t = fixtureTensor(v);
      if (!asVariables.includes(k)) return [k, t];
      const variable = tf.variable(t);
      t.dispose();
      return [k, variable];
    }),
  );
}

/**
 * Defines one `it` per case, running {@link checkOpGolden}. Use inside `describeBackends`.
 */
export function runOpGoldens(spec: OpGoldenSpec): void {
  it(`${spec.op}: the fixture has cases`, () => {
    expect(spec.cases.length).toBeGreaterThan(0);
  });
  for (const c of spec.cases) {
    it(`${spec.op} golden '${c.name}': outputs, no leaks${c.grads ? ', gradients' : ''}`, () => checkOpGolden(spec, c));
  }
}

/**
 * Checks one case: every output against the golden values, that the call leaves only its
 * outputs, and the gradients against torch autograd when the case holds them (the gradient pass
 * must leave no tensor either). Rejects with the failed expectation.
 */
export async function checkOpGolden(spec: OpGoldenSpec, c: OpFixtureCase): Promise<void> {
  const outputNames = Object.keys(c.outputs);
  const inputs = buildInputs(c, []);
  const before = tf.memory().numTensors;
  const result = spec.call(inputs, c);
  const outputs = namedOutputs(result, outputNames);
  expect(Object.keys(outputs).sort(), `${c.name}: output names`).toEqual([...outputNames].sort());
  for (const name of outputNames) {
    const expected = c.outputs[name]!;
    const err = await maxAbsDiff(outputs[name]!, expected.values, expected.shape);
    logError(spec.op, c.name, name, err);
    expect(err, `${spec.op} '${c.name}' output ${name}`).toBeLessThanOrEqual(spec.tolerance);
  }
  const distinct = new Set(resultTensors(result));
  expect(tf.memory().numTensors - before, `${c.name}: tensors left besides the outputs`).toBe(distinct.size);
  tf.dispose([...distinct]);
  expect(tf.memory().numTensors, `${c.name}: tensors after disposing the outputs`).toBe(before);
  tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== null));
  if (c.grads) await expectGoldenGradients(spec, c, outputNames[0]!);
}

async function expectGoldenGradients(spec: OpGoldenSpec, c: OpFixtureCase, first: string): Promise<void> {
  const wrt = Object.keys(c.grads!);
  const inputs = buildInputs(c, wrt);
  const vars = wrt.map((k) => inputs[k] as tf.Variable);
  const w = lossWeights(c.outputs[first]!.shape);
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => {
    const out = namedOutputs(spec.call(inputs, c), Object.keys(c.outputs));
    return tf.sum(tf.mul(out[first]!, w)) as tf.Scalar;
  }, vars);
  const tolerance = spec.gradientTolerance ?? 1e-5;
  for (const [i, k] of wrt.entries()) {
    const expected = c.grads![k]!;
    const g = grads[vars[i]!.name]!;
    const scale = Math.max(1, ...expected.values.map(Math.abs));
    logError(spec.op, c.name, `d/d${k} (relative)`, (await maxAbsDiff(g, expected.values, expected.shape)) / scale);
    await expectScaledClose(g, expected.values, tolerance, `${spec.op} '${c.name}' gradient d/d${k}`);
  }
  tf.dispose([value, ...Object.values(grads)]);
  expect(tf.memory().numTensors, `${c.name}: tensors left by the gradient pass`).toBe(before);
  tf.dispose([w, ...Object.values(inputs).filter((t): t is tf.Tensor => t !== null)]);
}

/**
 * Central-difference check of an op's gradients with respect to `targets` (variables made
 * from the given tensors, which the caller keeps), for the loss `sum(call(vars) * w)` with the
 * fixture loss weights, or `sum(call(vars)^2 * w)` with `square` (a non-linear loss, for ops
 * whose linear loss has a trivial gradient). Also expects the gradient pass to leave no tensor.
 * Relative tolerance as in finite-differences.ts (2e-2 suits float32 with h = 1e-2).
 */
export async function expectOpFiniteDifferences(
  op: string,
  targets: tf.Tensor[],
  call: (vars: tf.Variable[]) => tf.Tensor,
  tolerance: number,
  options: FiniteDifferenceOptions & { square?: boolean } = {},
): Promise<void> {
  const vars = targets.map((t) => tf.variable(t));
  const shape = tf.tidy(() => call(vars).shape);
  const w = lossWeights(shape);
  const loss = (): tf.Scalar =>
    tf.tidy(() => {
      const y = call(vars);
      return tf.sum(tf.mul(options.square ? tf.square(y) : y, w)) as tf.Scalar;
    });
  const before = tf.memory().numTensors;
  const results = await expectFiniteDifferences(loss, vars, tolerance, options, `${op} `);
  expect(tf.memory().numTensors, `${op}: tensors left by the finite-difference check`).toBe(before);
  for (const [i, r] of results.entries()) logError(op, 'finite-differences', `d/dtarget${i} (relative)`, r.maxRelError);
  tf.dispose([w, ...vars]);
}
