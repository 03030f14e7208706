// DeepFill v2 against the PyTorch port that carries the public trained weights
// (nipponjo/deepfillv2-pytorch, model/networks_tf.py): its checkpoints load strictly through the
// 'deepfillv2-pytorch-tf' key map, and with the port's attention settings the coarse and refined
// outputs match the port's own forward pass. Fixtures and the script that made them (from the
// port's code at a recorded upstream commit, random weights) are in
// test/fixtures/models/deepfillv2_pytorch/.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { initBackend } from '../../src/backend/init-backend';
import * as ioApi from '../../src/io/index';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import type { StateDict } from '../../src/io/state-dict';
import {
  gatedInpaintingGenerator,
  type GatedInpaintingAttentionArgs,
} from '../../src/models/gated-inpainting-generator';
import * as models from '../../src/models/index';
import * as ops from '../../src/ops/index';
import { contextualPatchAttention } from '../../src/ops/contextual-patch-attention';
import { alignCornersSourceIndices, resizeNearestAlignCorners } from '../../src/ops/resize-nearest-align-corners';
import { describeBackends } from '../harness/backends';

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`../fixtures/models/deepfillv2_pytorch/${name}`, import.meta.url)));
const fixtureJson = <T>(name: string): T => JSON.parse(new TextDecoder().decode(fixture(name))) as T;

const PORT: GatedInpaintingAttentionArgs = { fuse: false, maskResize: 'direct' };
const checkpoint = fixture('generator_cnum8.pth');
const io = readSafetensors(fixture('generator_cnum8.io.safetensors'));
const tensor = (name: string): tf.Tensor4D => {
  const t = io.get(name)!;
  return tf.tensor4d(t.data as Float32Array, t.shape as [number, number, number, number]);
};

async function maxAbsDiff(a: tf.Tensor, name: string): Promise<number> {
  const want = io.get(name)!.data as Float32Array;
  const got = await a.data();
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst;
}

describeBackends('gatedInpaintingGenerator against deepfillv2-pytorch networks_tf.py', (backend) => {
  it('loads the port checkpoint strictly with the preset and matches its coarse and refined outputs within 1e-4', async () => {
    const results: string[] = [];
    for (const [attention, refinedName] of [
      [PORT, 'refined'],
      [{ ...PORT, fuse: true }, 'refined_fuse'],
    ] as const) {
      const g = gatedInpaintingGenerator({ cnum: 8, contextualAttention: attention });
      const report = loadTorchStateDict(g, checkpoint, { stateDictKey: 'G', keyMap: 'deepfillv2-pytorch-tf' });
      expect(report.unexpected).toEqual([]);
      expect(report.missing).toEqual([]);
      expect(report.loaded.length).toBe(2 * 42); // 42 convolutions, kernel and bias each
      const image = tensor('image');
      const mask = tensor('mask');
      const before = tf.memory().numTensors;
      const [coarse, refined] = g.predict([image, mask]) as tf.Tensor[];
      const dc = await maxAbsDiff(coarse!, 'coarse');
      const dr = await maxAbsDiff(refined!, refinedName);
      results.push(`${refinedName}: coarse ${dc.toExponential(2)}, refined ${dr.toExponential(2)}`);
      expect(dc).toBeLessThanOrEqual(1e-4);
      expect(dr).toBeLessThanOrEqual(1e-4);
      tf.dispose([coarse!, refined!]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([image, mask]);
      g.dispose();
    }
    console.log(`[${backend}] max abs difference to the port: ${results.join('; ')}`);
  });

  it("needs the port's attention settings: the TF original's fuse and two-step mask resize miss its refined output", async () => {
    // Guards the fixture's power to tell the settings apart (its mask makes the two resizes differ).
    const misses: string[] = [];
    for (const [attention, refinedName] of [
      [{ fuse: true, maskResize: 'two-step' }, 'refined_fuse'],
      [{ fuse: false, maskResize: 'two-step' }, 'refined'],
      [{ fuse: true, maskResize: 'direct' }, 'refined'],
    ] as const) {
      const g = gatedInpaintingGenerator({ cnum: 8, contextualAttention: attention });
      loadTorchStateDict(g, checkpoint, { stateDictKey: 'G', keyMap: 'deepfillv2-pytorch-tf' });
      const image = tensor('image');
      const mask = tensor('mask');
      const [coarse, refined] = g.predict([image, mask]) as tf.Tensor[];
      const d = await maxAbsDiff(refined!, refinedName);
      misses.push(`${JSON.stringify(attention)} vs ${refinedName}: ${d.toExponential(2)}`);
      expect(d).toBeGreaterThan(1e-2);
      tf.dispose([image, mask, coarse!, refined!]);
      g.dispose();
    }
    console.log(`[${backend}] ${misses.join('; ')}`);
  });

  it('loads the layout of the published cnum-48 checkpoints strictly (keys and shapes from the port)', () => {
    const { keys } = fixtureJson<{ keys: Record<string, number[]> }>('generator_cnum48_keys.json');
    const dict: StateDict = new Map(
      Object.entries(keys).map(([k, shape]) => {
        const size = shape.reduce((a, b) => a * b, 1);
        return [k, { dtype: 'float32', shape, data: new Float32Array(size).fill(0.25) }] as const;
      }),
    );
    const g = gatedInpaintingGenerator({ cnum: 48, contextualAttention: PORT });
    const report = loadTorchStateDict(g, dict, { keyMap: 'deepfillv2-pytorch-tf' });
    expect(report.unexpected).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.loaded.length).toBe(Object.keys(keys).length);
    expect(report.loaded).toContain('conv13_upsample.weight'); // from conv13_upsample.conv.conv.weight
    expect(Array.from(g.getLayer('allconv17').getWeights()[1]!.dataSync())).toEqual([0.25, 0.25, 0.25]);
    // Without the preset nothing matches, and nothing is written.
    const fresh = gatedInpaintingGenerator({ cnum: 48, contextualAttention: PORT, seed: 3 });
    const bias = Array.from(fresh.getLayer('conv1').getWeights()[1]!.dataSync());
    expect(() => loadTorchStateDict(fresh, dict)).toThrow(/unexpected keys:\n {2}conv1\.conv\.weight/);
    expect(Array.from(fresh.getLayer('conv1').getWeights()[1]!.dataSync())).toEqual(bias);
    g.dispose();
    fresh.dispose();
  });
});

describeBackends('nearest align-corners resize at exact .5 ties (deepfillv2-pytorch downsampling_nn_tf)', () => {
  interface Ties {
    max_in: number;
    differences: Record<string, [number, number, number][]>;
  }
  const ties = fixtureJson<Ties>('downsampling_ties.json');

  it("agrees with the port's indices everywhere but at the exact ties its float32 linspace rounds down", () => {
    for (const [factor, diffs] of Object.entries(ties.differences)) {
      const n = Number(factor);
      const portDown = new Map(diffs.map(([size, i, port]) => [`${size}:${i}`, port]));
      let compared = 0;
      const wrong: string[] = [];
      for (let size = 2 * n; size <= ties.max_in; size += n) {
        const out = size / n;
        const ours = alignCornersSourceIndices(size, out);
        for (let i = 0; i < out; i++) {
          const port = portDown.get(`${size}:${i}`);
          // Twice the exact source position; odd means an exact .5 tie.
          const twice = (2 * i * (size - 1)) / (out - 1);
          // Where the port differs it is at an exact tie, rounded down: ours rounds it up.
          // Elsewhere the port's index is exact round-half-up (the script asserts it).
          const want = port !== undefined ? port + 1 : Math.floor((twice + 1) / 2);
          const tieOk = port === undefined || (Number.isInteger(twice) && twice % 2 === 1);
          if (ours[i] !== want || !tieOk) wrong.push(`${size}->${out} at ${i}: ${ours[i]} vs port ${port ?? want}`);
          compared++;
        }
      }
      expect(wrong).toEqual([]);
      expect(compared).toBeGreaterThan(10_000);
    }
    expect(ties.differences['2']![0]).toEqual([198, 49, 98]);
  });

  it('resizeNearestAlignCorners and contextual attention use those indices (ties rounded up)', async () => {
    // 198 -> 99: i = 49 maps to 98.5 exactly, taken as row 99.
    const rows = tf.tensor4d(
      Float32Array.from({ length: 198 }, (_, i) => i),
      [1, 198, 1, 1],
    );
    const picked = resizeNearestAlignCorners(rows, [99, 1]);
    const values = await picked.data();
    expect(values[49]).toBe(99);
    expect(Array.from(values)).toEqual(alignCornersSourceIndices(198, 99));
    // Contextual attention picks the same mask rows: a hole only at row 99 of a 198-row mask
    // (rate 2, direct from the mask's size) blocks the background patches around matching row 49.
    const f = tf.randomUniform([1, 198, 2, 4], -1, 1, 'float32', 5) as tf.Tensor4D;
    const maskAtRow = (row: number) =>
      tf.tensor4d(
        Float32Array.from({ length: 198 * 2 }, (_, i) => (Math.floor(i / 2) === row ? 1 : 0)),
        [1, 198, 2, 1],
      );
    const hole = maskAtRow(99);
    const noHole = maskAtRow(98);
    const a = contextualPatchAttention(f, f, hole, { fuse: false });
    const b = contextualPatchAttention(f, f, tf.zerosLike(hole) as tf.Tensor4D, { fuse: false });
    const c = contextualPatchAttention(f, f, noHole, { fuse: false });
    // A hole picked at matching row 49 changes the output; row 98 (never picked) does not.
    const diff = (x: tf.Tensor, y: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]!);
    expect(diff(a, b)).toBeGreaterThan(1e-3);
    expect(diff(c, b)).toBe(0);
    tf.dispose([rows, picked, f, hole, noHole, a, b, c]);
  });
});

describeBackends('gatedInpaintingGenerator contextualAttention argument', () => {
  it('gatedInpaintingGenerator validates contextualAttention: a boolean or { fuse?: boolean, maskResize? }', () => {
    const build = (contextualAttention: unknown) => () =>
      gatedInpaintingGenerator({ cnum: 4, contextualAttention } as never).dispose();
    const owner = 'gatedInpaintingGenerator: contextualAttention';
    expect(build(null)).toThrow(
      new RegExp(`${owner} must be a boolean or an object \\{ fuse\\?, maskResize\\? \\}, got null`),
    );
    expect(build('direct')).toThrow(new RegExp(`${owner} must be a boolean or an object .*, got "direct"`));
    expect(build([false])).toThrow(/got an array/);
    expect(build({ fuse: 'no' })).toThrow(new RegExp(`${owner}.fuse must be a boolean, got "no"`));
    expect(build({ fuse: null })).toThrow(/contextualAttention.fuse must be a boolean, got null/);
    expect(build({ maskResize: 'one-step' })).toThrow(
      new RegExp(`${owner}.maskResize must be one of 'two-step', 'direct', got "one-step"`),
    );
    expect(build({ fuse: false, mask: 'direct' })).toThrow(
      /contextualAttention has no option "mask" \(fuse, maskResize\)/,
    );
    // Valid forms; 'direct' feeds the input mask to the attention (no mask_s layer).
    for (const ok of [true, false, {}, { fuse: false }, { maskResize: 'direct' }, PORT])
      expect(build(ok)).not.toThrow();
    const direct = gatedInpaintingGenerator({ cnum: 4, contextualAttention: PORT });
    expect(direct.layers.some((l) => l.name === 'mask_s')).toBe(false);
    expect(direct.getLayer('contextual_attention').getConfig().fuse).toBe(false);
    direct.dispose();
  });
}, ['cpu']);

it('the loading snippet of docs/networks.md runs on the fixture checkpoint (cnum 8 for 48)', async () => {
  const doc = readFileSync(new URL('../../docs/networks.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## The public trained weights'));
  const snippet = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  expect(snippet).toContain("readFileSync('states_tf_places2.pth')");
  // The snippet as written, but reading the fixture (the same layout at cnum 8); its imports are
  // passed in as the package's modules.
  const body = snippet
    .replace(/^import .*$/gm, '')
    .replace('cnum: 48', 'cnum: 8')
    .replace("'states_tf_places2.pth'", 'checkpointPath');
  const js = ts.transpileModule(`${body}\nreturn { report, coarse, refined, completed };`, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None },
  }).outputText;
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (...a: unknown[]) => Promise<unknown>;
  const run = new AsyncFunction('readFileSync', 'tf', 'initBackend', 'io', 'models', 'ops', 'checkpointPath', js);
  const path = new URL('../fixtures/models/deepfillv2_pytorch/generator_cnum8.pth', import.meta.url);
  const out = (await run(readFileSync, tf, initBackend, ioApi, models, ops, path)) as Record<string, tf.Tensor> & {
    report: ioApi.LoadTorchStateDictReport;
  };
  expect(tf.getBackend()).toBe('wasm');
  expect(out.report.unexpected).toEqual([]);
  expect(out.report.missing).toEqual([]);
  expect(out.report.loaded.length).toBe(84);
  expect(out.completed!.shape).toEqual([1, 256, 256, 3]);
  expect(Number.isFinite(tf.tidy(() => tf.sum(out.completed!).dataSync()[0]!))).toBe(true);
  tf.dispose([out.coarse!, out.refined!, out.completed!]);
});
