// Generative-prior editing (Bau et al. 2019) on a tiny 16x16 DCGAN generator: inversion of an
// image the generator made, image-specific adaptation of a copy's last layers, unit edits inside
// a mask, leaks, abort and argument checks.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { dcganGenerator } from '../../src/models/dcgan-generator';
import { adaptGenerator, editUnits, invertGenerator, layerActivations } from '../../src/training/generative-prior';
import { describeBackends } from '../harness/backends';

const NZ = 8;
/**
 * A tiny DCGAN generator with its conv kernels scaled by 20 (std 0.4 instead of DCGAN's 0.02):
 * untrained and in inference mode, DCGAN's own initialisation gives near-constant images (output
 * std 1e-4), which would make every test below trivial; scaled, the outputs have std 0.55.
 */
function gen(): tfl.LayersModel {
  const g = dcganGenerator({ nz: NZ, ngf: 4, imageSize: 16, seed: 21 });
  for (const layer of g.layers) {
    for (const w of layer.weights) if (w.name.includes('kernel')) w.write(tf.tidy(() => tf.mul(w.read(), 20)));
  }
  return g;
}

async function weightsOf(m: tfl.LayersModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const layer of m.layers) {
    layer.weights.forEach((w, i) => out.set(`${layer.name}/${i}`, w.read().dataSync() as Float32Array));
  }
  return out;
}

const equalArrays = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);

/** A "real photo" the generator did not make: smooth colour ramps in [-0.8, 0.8]. */
function photo(): tf.Tensor4D {
  return tf.tidy(() => {
    const ramp = tf.linspace(-0.8, 0.8, 16);
    const x = tf.tile(tf.reshape(ramp, [1, 1, 16, 1]), [1, 16, 1, 1]);
    const y = tf.tile(tf.reshape(ramp, [1, 16, 1, 1]), [1, 1, 16, 1]);
    return tf.concat([x, y, tf.mul(tf.sin(tf.mul(tf.add(x, y), 3)), 0.8)], 3) as tf.Tensor4D;
  });
}

describeBackends('generative prior', () => {
  it('invertGenerator recovers an image the generator made from a known latent (MSE < 1e-6) and changes nothing else', async () => {
    const g = gen();
    const before = await weightsOf(g);
    const z0 = tf.randomNormal([1, NZ], 0, 1, 'float32', 5);
    const target = g.predict(z0) as tf.Tensor4D;
    const tensors = tf.memory().numTensors;
    const losses: number[] = [];
    const inv = await invertGenerator(g, target, { steps: 200, lr: 0.05, seed: 7, onStep: (_s, l) => losses.push(l) });
    expect(losses).toHaveLength(200);
    expect(losses[0]).toBeGreaterThan(0.1); // measured 0.438
    expect(inv.loss).toBeLessThan(1e-6); // measured 7.6e-10 (cpu and wasm)
    const mse = tf.tidy(() => tf.mean(tf.squaredDifference(g.predict(inv.latent) as tf.Tensor, target)).dataSync()[0]!);
    expect(mse).toBeCloseTo(inv.loss, 6);
    expect(inv.latent.shape).toEqual([1, NZ]);
    tf.dispose([inv.latent, inv.reconstruction]);
    expect(tf.memory().numTensors).toBe(tensors);
    const after = await weightsOf(g);
    for (const [k, v] of before) expect(equalArrays(v, after.get(k)!), k).toBe(true);
    tf.dispose([z0, target]);
    g.dispose();
  });

  it('invertGenerator starts from an encoder or init and accepts a loss function', async () => {
    const g = gen();
    const image = photo();
    const encoder = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [16, 16, 3] }),
        tfl.layers.dense({ units: NZ, kernelInitializer: 'zeros' }),
      ],
    });
    const viaEncoder = await invertGenerator(g, image, { steps: 0, encoder });
    expect(Array.from(viaEncoder.latent.dataSync())).toEqual(new Array(NZ).fill(0)); // a zero encoder: the zero start
    const seeded = [
      await invertGenerator(g, image, { steps: 0, seed: 4 }),
      await invertGenerator(g, image, { steps: 0, seed: 4 }),
    ];
    expect(equalArrays(seeded[0]!.latent.dataSync(), seeded[1]!.latent.dataSync())).toBe(true);
    const init = tf.randomNormal([1, NZ], 0, 1, 'float32', 9);
    const fromInit = await invertGenerator(g, image, { steps: 0, init });
    expect(equalArrays(fromInit.latent.dataSync(), init.dataSync())).toBe(true);
    const l1 = await invertGenerator(g, image, {
      steps: 5,
      seed: 1,
      loss: (a, b) => tf.mean(tf.abs(tf.sub(a, b))) as tf.Scalar,
    });
    const l1Direct = tf.tidy(() => tf.mean(tf.abs(tf.sub(l1.reconstruction, image))).dataSync()[0]!);
    expect(l1.loss).toBeCloseTo(l1Direct, 6);
    for (const r of [viaEncoder, ...seeded, fromInit, l1]) tf.dispose([r.latent, r.reconstruction]);
    tf.dispose([image, init]);
    encoder.dispose();
    g.dispose();
  });

  it('adaptGenerator lowers the reconstruction error of a real image further, on a copy, in the chosen layers only', async () => {
    const g = gen();
    const image = photo();
    const before = await weightsOf(g);
    const inv = await invertGenerator(g, image, { steps: 100, lr: 0.05, seed: 7 });
    const tensors = tf.memory().numTensors;
    const adapted = await adaptGenerator(g, inv.latent, image, { steps: 60, lr: 0.03 });
    expect(adapted.layers).toEqual(['main.4', 'main.6']); // the last two layers with trainable weights
    expect(adapted.generator).not.toBe(g);
    // measured on cpu and wasm: inversion MSE 0.2629, adapted 0.1247
    expect(adapted.loss).toBeLessThan(0.75 * inv.loss);
    const changed = await weightsOf(adapted.generator);
    const tuned = new Set(
      ['main.4', 'main.6'].flatMap((n) => {
        const l = g.getLayer(n);
        return l.trainableWeights.map((w) => `${n}/${l.weights.indexOf(w)}`);
      }),
    );
    for (const [k, v] of before) {
      expect(equalArrays(v, changed.get(k)!), k).toBe(!tuned.has(k));
    }
    const original = await weightsOf(g);
    for (const [k, v] of before) expect(equalArrays(v, original.get(k)!), k).toBe(true);
    adapted.generator.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    // anchor keeps the copy nearer the original weights
    const free = await adaptGenerator(g, inv.latent, image, { steps: 20, lr: 0.03, layers: ['main.6'] });
    const held = await adaptGenerator(g, inv.latent, image, { steps: 20, lr: 0.03, layers: ['main.6'], anchor: 100 });
    const dist = (m: tfl.LayersModel) =>
      tf.tidy(
        () =>
          tf
            .sum(tf.abs(tf.sub(m.getLayer('main.6').getWeights()[0]!, g.getLayer('main.6').getWeights()[0]!)))
            .dataSync()[0]!,
      );
    expect(dist(held.generator)).toBeLessThan(dist(free.generator));
    free.generator.dispose();
    held.generator.dispose();
    tf.dispose([inv.latent, inv.reconstruction, image]);
    g.dispose();
  });

  it('editUnits changes the image mostly inside the mask; scale 1 or an empty mask leave it bitwise unchanged', () => {
    const g = gen();
    const z = tf.randomNormal([2, NZ], 0, 1, 'float32', 5);
    const plain = g.predict(z) as tf.Tensor4D;
    const empty = tf.zeros([16, 16]);
    // right half of the image; the layer is 8x8, so the mask is resized to it
    const mask = tf.tidy(() => tf.concat([tf.zeros([16, 8]), tf.ones([16, 8])], 1));
    const m4 = tf.tidy(() => tf.concat([tf.zeros([1, 8, 8, 1]), tf.ones([1, 8, 8, 1])], 0));
    const tensors = tf.memory().numTensors;
    const same = editUnits(g, z, { layer: 'main.5_relu', units: [0, 1, 2, 3], scale: 1 });
    expect(equalArrays(same.dataSync(), plain.dataSync())).toBe(true);
    const none = editUnits(g, z, { layer: 'main.2_relu', units: [1], value: 5, mask: empty });
    expect(equalArrays(none.dataSync(), plain.dataSync())).toBe(true);
    const edited = editUnits(g, z, { layer: 'main.5_relu', units: [0, 1, 2], value: 3, mask });
    const d = tf.tidy(() => tf.abs(tf.sub(edited, plain)).dataSync());
    let inside = 0;
    let outside = 0;
    for (let i = 0; i < d.length; i++) {
      if (Math.floor(i / 3) % 16 >= 8) inside += d[i]!;
      else outside += d[i]!;
    }
    expect(inside / outside).toBeGreaterThan(5); // measured 9.63 (cpu and wasm)
    // per-unit values and a per-image mask [n, h, w, 1] at the layer's size
    const perImage = editUnits(g, z, { layer: 'main.5_relu', units: [0, 3], scale: [2, 0], mask: m4 });
    const [a, b] = tf.split(perImage, 2, 0);
    const [pa, pb] = tf.split(plain, 2, 0);
    expect(equalArrays(a!.dataSync(), pa!.dataSync())).toBe(true);
    expect(equalArrays(b!.dataSync(), pb!.dataSync())).toBe(false);
    tf.dispose([same, none, edited, perImage, a!, b!, pa!, pb!]);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([z, plain, empty, mask, m4]);
    g.dispose();
  });

  it('layerActivations gives the layer output that editUnits edits', () => {
    const g = gen();
    const z = tf.randomNormal([2, NZ], 0, 1, 'float32', 5);
    const tensors = tf.memory().numTensors;
    const features = layerActivations(g, z, 'main.5_relu');
    expect(features.shape).toEqual([2, 8, 8, 4]);
    // Setting every unit to 0 everywhere decodes what the layers after it give for a zero feature map.
    const zero = editUnits(g, z, { layer: 'main.5_relu', units: [0, 1, 2, 3], value: 0 });
    const zeroFeatures = tf.zeros([2, 8, 8, 4]);
    const tail = tf.tidy(() => tf.tanh(g.getLayer('main.6').apply(zeroFeatures) as tf.Tensor));
    expect(equalArrays(zero.dataSync(), tail.dataSync())).toBe(true);
    const min = tf.tidy(() => tf.min(features).dataSync()[0]!);
    expect(min).toBeGreaterThanOrEqual(0); // a ReLU output
    tf.dispose([features, zero, zeroFeatures, tail]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(() => layerActivations(g, z, 'main.7_tanh')).toThrow(
      /layerActivations: layer must be an intermediate layer/,
    );
    z.dispose();
    g.dispose();
  });

  it('an aborted signal stops inversion and adaptation between steps, leaving nothing behind', async () => {
    const g = gen();
    const image = photo();
    const z = tf.zeros([1, NZ]);
    const tensors = tf.memory().numTensors;
    const controller = new AbortController();
    let seen = 0;
    const onStep = (step: number) => {
      seen = step;
      if (step === 3) controller.abort(new Error('stop'));
    };
    await expect(invertGenerator(g, image, { steps: 50, signal: controller.signal, onStep })).rejects.toThrow('stop');
    expect(seen).toBe(3);
    const c2 = new AbortController();
    c2.abort(new Error('stop now'));
    await expect(adaptGenerator(g, z, image, { steps: 5, signal: c2.signal })).rejects.toThrow('stop now');
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([image, z]);
    g.dispose();
  });

  it('validates every argument before allocating', async () => {
    const g = gen();
    const image = photo();
    const z = tf.zeros([1, NZ]);
    const tensors = tf.memory().numTensors;
    const bad: [() => unknown, RegExp][] = [
      [() => invertGenerator(null as never, image), /invertGenerator: generator must be a tfjs-layers LayersModel/],
      [
        () => invertGenerator(g, tf.zeros([1, 8, 8, 3]) as tf.Tensor4D),
        /invertGenerator: image must be float32 \[n, 16, 16, 3\]/,
      ],
      [() => invertGenerator(g, image, { steps: 1e9 }), /invertGenerator: steps must be an integer in \[0, 100000\]/],
      [() => invertGenerator(g, image, { steps: 1.5 }), /steps must be an integer/],
      [() => invertGenerator(g, image, { lr: Number.NaN }), /invertGenerator: lr must be a finite number/],
      [() => invertGenerator(g, image, { loss: 'l1' as never }), /invertGenerator: loss must be one of 'l2'/],
      [() => invertGenerator(g, image, { init: tf.zeros([1, 3]) }), /invertGenerator: init must be float32 \[1, 8\]/],
      [() => invertGenerator(g, image, { signal: {} as never }), /signal must be an AbortSignal/],
      [() => invertGenerator(g, image, { onStep: 3 as never }), /onStep must be a function/],
      [() => invertGenerator(g, image, { init: z, encoder: g }), /pass init or encoder, not both/],
      [() => adaptGenerator(g, tf.zeros([2, NZ]), image), /adaptGenerator: latent must be float32 \[1, 8\]/],
      [
        () => adaptGenerator(g, z, image, { layers: ['nope'] }),
        /adaptGenerator: layers must be names of the generator's layers, got "nope"/,
      ],
      [() => adaptGenerator(g, z, image, { layers: ['main.2_relu'] }), /layers must be layers with trainable weights/],
      [() => adaptGenerator(g, z, image, { layers: ['main.6', 'main.6'] }), /distinct layer names/],
      [() => adaptGenerator(g, z, image, { layers: [] }), /layers must be an array of 1 to/],
      [() => adaptGenerator(g, z, image, { anchor: -1 }), /anchor must be a finite number in \[0, /],
      [() => editUnits(g, z, undefined as never), /editUnits: options must be an options object/],
      [() => editUnits(g, z, { layer: 'x', units: [0], value: 1 }), /editUnits: layer must be the name of one of/],
      [() => editUnits(g, z, { layer: 'main.7_tanh', units: [0], value: 1 }), /layer must be an intermediate layer/],
      [
        () => editUnits(g, z, { layer: 'main.5_relu', units: [4], value: 1 }),
        /units must be an integer in \[0, 3\], got 4/,
      ],
      [
        () => editUnits(g, z, { layer: 'main.5_relu', units: [1, 1], value: 1 }),
        /units must be distinct channel indices/,
      ],
      [() => editUnits(g, z, { layer: 'main.5_relu', units: [], value: 1 }), /units must be an array of 1 to 4/],
      [() => editUnits(g, z, { layer: 'main.5_relu', units: [0] }), /pass exactly one of value and scale/],
      [
        () => editUnits(g, z, { layer: 'main.5_relu', units: [0], value: 1, scale: 2 }),
        /pass exactly one of value and scale/,
      ],
      [
        () => editUnits(g, z, { layer: 'main.5_relu', units: [0, 1], value: [1] }),
        /value must be a finite number or an array of 2/,
      ],
      [() => editUnits(g, z, { layer: 'main.5_relu', units: [0], value: Infinity }), /value must be a finite number/],
      [
        () => editUnits(g, z, { layer: 'main.5_relu', units: [0], value: 1, mask: tf.zeros([2, 4, 4, 1]) }),
        /mask must be float32/,
      ],
      [
        () => editUnits(g, z, { layer: 'main.5_relu', units: [0], value: 1, mask: tf.fill([4, 4], 2) }),
        /mask values must lie in \[0, 1\]/,
      ],
    ];
    for (const [call, message] of bad) {
      let error: unknown;
      try {
        await call();
      } catch (e) {
        error = e;
      }
      expect(String(error), String(message)).toMatch(message);
    }
    // the bad tensors built inside the list are the only new ones
    expect(tf.memory().numTensors - tensors).toBe(5);
    tf.dispose([image, z]);
    g.dispose();
  });
});
