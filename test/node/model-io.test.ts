import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { instanceNormalization, reflectionPadding2d } from '../../src/layers/index';
import { loadModel, loadOptimizer, loadVariables, saveModel, saveOptimizer, saveVariables } from '../../src/node/index';
import { describeBackends } from '../harness/backends';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfjs-synth-model-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function smallModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3] });
  let x = tfl.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization().apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2dTranspose({ filters: 2, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh' })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x });
}

/** Weight values as flat arrays (copies). */
function weightValues(vars: tf.Variable[]): number[][] {
  return vars.map((v) => Array.from(v.dataSync()));
}

describeBackends('saveModel / loadModel', (backend) => {
  it('reloads a model with identical predictions', async () => {
    const model = smallModel();
    // Move BatchNorm's moving statistics off their defaults so non-trainable weights matter too.
    const bn = model.layers[2]!;
    bn.setWeights(
      bn
        .getWeights()
        .map((w, i) => tf.tidy(() => tf.add(tf.mul(tf.randomUniform(w.shape, 0, 1, 'float32', 3 + i), 0.5), 0.5))),
    );
    const path = join(dir, `model-${backend}`);
    const info = await saveModel(model, path);
    expect(info.weightDataBytes).toBeGreaterThan(0);
    const json = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    expect((await readFile(join(path, 'weights.bin'))).byteLength).toBe(info.weightDataBytes);

    const loaded = await loadModel(path);
    const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 7);
    const y0 = model.predict(x) as tf.Tensor;
    const y1 = loaded.predict(x) as tf.Tensor;
    expect(y1.shape).toEqual([2, 16, 16, 2]);
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y0.dataSync()));
    // BatchNorm's non-trainable weights came back too.
    expect(loaded.getWeights().length).toBe(model.getWeights().length);
    tf.dispose([x, y0, y1]);
    model.dispose();
    loaded.dispose();
  });

  it('reloads library layers (ReflectionPadding2D, InstanceNormalization) without extra calls', async () => {
    const input = tfl.input({ shape: [6, 6, 2] });
    let x = reflectionPadding2d({ padding: 1 }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 3, kernelSize: 3 }).apply(x) as tfl.SymbolicTensor;
    x = instanceNormalization({ center: true, scale: true }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: x });
    // Non-default affine weights, so a reload that silently re-initialised them would differ.
    const norm = model.layers[3]!;
    norm.setWeights(
      norm.getWeights().map((w, i) => tf.tidy(() => tf.randomUniform(w.shape, 0.5, 1.5, 'float32', 11 + i))),
    );
    const path = join(dir, `library-${backend}`);
    await saveModel(model, path);
    const loaded = await loadModel(path);
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    const xin = tf.randomUniform([1, 6, 6, 2], -1, 1, 'float32', 5);
    const y0 = model.predict(xin) as tf.Tensor;
    const y1 = loaded.predict(xin) as tf.Tensor;
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y0.dataSync()));
    tf.dispose([xin, y0, y1]);
    model.dispose();
    loaded.dispose();
  });

  it('loads weights sharded over several files, in manifest order', async () => {
    const model = smallModel();
    const path = join(dir, `sharded-${backend}`);
    await saveModel(model, path);
    const bytes = await readFile(join(path, 'weights.bin'));
    const cut = Math.floor(bytes.byteLength / 3);
    await writeFile(join(path, 'group1-shard1of2.bin'), bytes.subarray(0, cut));
    await writeFile(join(path, 'group1-shard2of2.bin'), bytes.subarray(cut));
    await rm(join(path, 'weights.bin'));
    const json = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    await writeFile(join(path, 'model.json'), JSON.stringify(json));
    const loaded = await loadModel(path);
    const x = tf.randomUniform([1, 8, 8, 3], -1, 1, 'float32', 2);
    const y0 = model.predict(x) as tf.Tensor;
    const y1 = loaded.predict(x) as tf.Tensor;
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y0.dataSync()));
    tf.dispose([x, y0, y1]);
    model.dispose();
    loaded.dispose();
  });

  it('does not leak tensors', async () => {
    const model = smallModel();
    const path = join(dir, `leak-${backend}`);
    const before = tf.memory().numTensors;
    await saveModel(model, path);
    expect(tf.memory().numTensors).toBe(before);
    const loaded = await loadModel(path);
    const afterLoad = tf.memory().numTensors;
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(afterLoad).toBeGreaterThan(before);
    model.dispose();
  });

  it('reports missing and malformed files by path', async () => {
    await expect(loadModel(join(dir, 'missing'))).rejects.toThrow(/loadModel: cannot read ".*missing[\\/]model\.json"/);
    const bad = join(dir, `bad-${backend}`);
    const model = smallModel();
    await saveModel(model, bad);
    model.dispose();
    await rm(join(bad, 'weights.bin'));
    await expect(loadModel(bad)).rejects.toThrow(/loadModel: cannot read ".*weights\.bin"/);
    await writeFile(join(bad, 'model.json'), '{"modelTopology": ');
    await expect(loadModel(bad)).rejects.toThrow(/loadModel: ".*model\.json" is not valid JSON/);
    const json = { modelTopology: {}, weightsManifest: [{ paths: ['../outside.bin'], weights: [] }] };
    await writeFile(join(bad, 'model.json'), JSON.stringify(json));
    await expect(loadModel(bad)).rejects.toThrow(
      /loadModel: the file "\.\.\/outside\.bin" .* points outside the folder/,
    );
  });
});

describeBackends('saveVariables / loadVariables', (backend) => {
  it('round-trips named tensors of several dtypes', async () => {
    const tensors = {
      w: tf.tensor2d([
        [1.5, -2],
        [3, 4e-8],
      ]),
      '10': tf.tensor1d([7, 8, 9], 'int32'),
      '2': tf.tensor1d([true, false], 'bool'),
      s: tf.scalar(0.25),
    };
    await saveVariables(join(dir, `vars-${backend}`), 'state', tensors);
    const before = tf.memory().numTensors;
    const back = await loadVariables(join(dir, `vars-${backend}`), 'state');
    expect(Object.keys(back).sort()).toEqual(['10', '2', 's', 'w']);
    for (const [k, t] of Object.entries(tensors)) {
      expect(back[k]!.dtype).toBe(t.dtype);
      expect(back[k]!.shape).toEqual(t.shape);
      expect(Array.from(back[k]!.dataSync())).toEqual(Array.from(t.dataSync()));
    }
    tf.dispose(Object.values(back));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(tensors));
  });

  it('rejects bad names and truncated data', async () => {
    const t = tf.ones([2]);
    await expect(saveVariables(dir, '../x', { t })).rejects.toThrow(
      /saveVariables: name must be a non-empty file name without folders, got "\.\.\/x"/,
    );
    await expect(
      saveVariables(dir, 'dup', [
        { name: 'a', tensor: t },
        { name: 'a', tensor: t },
      ]),
    ).rejects.toThrow(/saveVariables: duplicate tensor name "a"/);
    const d = join(dir, `trunc-${backend}`);
    await saveVariables(d, 'v', { t });
    await writeFile(join(d, 'v.bin'), new Uint8Array(4));
    await expect(loadVariables(d, 'v')).rejects.toThrow(/loadVariables: "v\.bin" has 4 bytes but its specs need 8/);
    await expect(loadVariables(d, 'nothing')).rejects.toThrow(/loadVariables: cannot read ".*nothing\.json"/);
    t.dispose();
  });
});

describeBackends('saveOptimizer / loadOptimizer', (backend) => {
  // A tiny regression problem: two variables, a loss that keeps gradients non-trivial.
  const xs = () =>
    tf.tensor2d([
      [1, 2],
      [3, -1],
      [0.5, 0.25],
    ]);
  const ys = () => tf.tensor2d([[1], [-2], [0.5]]);
  function lossOf(w: tf.Variable, b: tf.Variable): () => tf.Scalar {
    return () =>
      tf.tidy(() => {
        const x = xs();
        const pred = tf.add(tf.matMul(x, w), b);
        return tf.mean(tf.square(tf.sub(pred, ys())));
      });
  }
  function step(opt: tf.Optimizer, w: tf.Variable, b: tf.Variable): void {
    const cost = opt.minimize(lossOf(w, b), true, [w, b]);
    cost?.dispose();
  }

  it('an Adam step after reload equals the step without stopping', async () => {
    const w = tf.variable(tf.tensor2d([[0.3], [-0.2]]));
    const b = tf.variable(tf.tensor1d([0.1]));
    const opt = tf.train.adam(0.05, 0.5, 0.999);
    for (let i = 0; i < 3; i++) step(opt, w, b);
    const path = join(dir, `opt-${backend}`);
    await saveOptimizer(opt, path, 'adam_G');
    await saveVariables(path, 'params', { w, b });

    // Uninterrupted run: two more steps.
    for (let i = 0; i < 2; i++) step(opt, w, b);
    const reference = weightValues([w, b]);

    // Resumed run: fresh variables and optimizer from disk.
    const before = tf.memory().numTensors;
    const saved = await loadVariables(path, 'params');
    const w2 = tf.variable(saved['w']!);
    const b2 = tf.variable(saved['b']!);
    tf.dispose(Object.values(saved));
    const opt2 = await loadOptimizer(path, 'adam_G', { varList: [w2, b2] });
    expect(opt2.getClassName()).toBe('Adam');
    expect(opt2.getConfig()).toEqual(opt.getConfig());
    expect(opt2.iterations).toBe(3);
    for (let i = 0; i < 2; i++) step(opt2, w2, b2);
    expect(weightValues([w2, b2])).toEqual(reference);

    // Control: a fresh Adam (state lost) ends elsewhere, so the comparison above has teeth.
    const fresh = await loadVariables(path, 'params');
    const w3 = tf.variable(fresh['w']!);
    const b3 = tf.variable(fresh['b']!);
    tf.dispose(Object.values(fresh));
    const opt3 = tf.train.adam(0.05, 0.5, 0.999);
    for (let i = 0; i < 2; i++) step(opt3, w3, b3);
    expect(weightValues([w3, b3])).not.toEqual(reference);

    opt2.dispose();
    opt3.dispose();
    tf.dispose([w2, b2, w3, b3]);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([w, b]);
  });

  for (const [label, make] of [
    ['momentum', () => tf.train.momentum(0.05, 0.9, true)],
    ['rmsprop (centered)', () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-6, true)],
    ['adagrad', () => tf.train.adagrad(0.1)],
    ['adadelta', () => tf.train.adadelta(1, 0.9)],
  ] as const) {
    it(`resumes ${label} exactly too`, async () => {
      const w = tf.variable(tf.tensor2d([[0.3], [-0.2]]));
      const b = tf.variable(tf.tensor1d([0.1]));
      const opt = make();
      for (let i = 0; i < 3; i++) step(opt, w, b);
      const path = join(dir, `opt-${label}-${backend}`);
      await saveOptimizer(opt, path);
      await saveVariables(path, 'params', { w, b });
      for (let i = 0; i < 2; i++) step(opt, w, b);
      const saved = await loadVariables(path, 'params');
      const w2 = tf.variable(saved['w']!);
      const b2 = tf.variable(saved['b']!);
      tf.dispose(Object.values(saved));
      const opt2 = await loadOptimizer(path, 'optimizer', { varList: [w2, b2] });
      expect(opt2.getClassName()).toBe(opt.getClassName());
      for (let i = 0; i < 2; i++) step(opt2, w2, b2);
      expect(weightValues([w2, b2])).toEqual(weightValues([w, b]));
      tf.dispose([w, b, w2, b2]);
      opt.dispose();
      opt2.dispose();
    });
  }

  it('names optimizers whose state tfjs cannot export', async () => {
    const opt = tf.train.adamax(0.02);
    await expect(saveOptimizer(opt, join(dir, `adamax-${backend}`))).rejects.toThrow(
      /saveOptimizer: Adamax cannot export its state in tfjs/,
    );
    opt.dispose();
  });

  it('saving does not leak or disturb the optimizer', async () => {
    const w = tf.variable(tf.tensor2d([[0.3], [-0.2]]));
    const b = tf.variable(tf.tensor1d([0.1]));
    const opt = tf.train.adam(0.01);
    step(opt, w, b);
    const before = tf.memory().numTensors;
    await saveOptimizer(opt, join(dir, `opt2-${backend}`));
    expect(tf.memory().numTensors).toBe(before);
    step(opt, w, b); // moments still alive
    opt.dispose();
    tf.dispose([w, b]);
  });

  it('checks slot shapes against varList and names unknown classes', async () => {
    const w = tf.variable(tf.tensor2d([[0.3], [-0.2]]));
    const b = tf.variable(tf.tensor1d([0.1]));
    const opt = tf.train.adam(0.01);
    step(opt, w, b);
    const path = join(dir, `opt3-${backend}`);
    await saveOptimizer(opt, path);
    const wrong = tf.variable(tf.zeros([3, 1]));
    const before = tf.memory().numTensors;
    await expect(loadOptimizer(path, 'optimizer', { varList: [wrong, b] })).rejects.toThrow(
      /loadOptimizer: saved slot ".*\/m" has shape \[2, 1\] but varList\[0\] .* has shape \[3, 1\]/,
    );
    await expect(loadOptimizer(path, 'optimizer', { varList: [w, b, wrong] })).rejects.toThrow(
      /4 saved slots do not divide among 3 variables/,
    );
    expect(tf.memory().numTensors).toBe(before);
    const header = JSON.parse(await readFile(join(path, 'optimizer.json'), 'utf8'));
    header.metadata.className = 'NoSuchOptimizer';
    await writeFile(join(path, 'optimizer.json'), JSON.stringify(header));
    await expect(loadOptimizer(path)).rejects.toThrow(
      /loadOptimizer: "optimizer" in ".*" names an unknown optimizer class "NoSuchOptimizer"/,
    );
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([w, b, wrong]);
  });
});
