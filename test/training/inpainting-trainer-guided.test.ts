// InpaintingTrainer with guided generators (DeepFill v2's `guided` mode): the guide is the Canny
// edge map of each image masked to the hole, the generator's third input and D's last channel
// (checked against an independent computation); guide functions and per-step guides; bad input.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gatedInpaintingGenerator } from '../../src/models/gated-inpainting-generator';
import { snPatchGANDiscriminator } from '../../src/models/sn-patchgan-discriminator';
import { cannyEdges } from '../../src/ops/canny-edges';
import { InpaintingTrainer } from '../../src/training/inpainting-trainer';
import { describeBackends } from '../harness/backends';
import {
  copyInpaintingNets,
  referenceFirstStep,
  tinyInpaintingDiscriminator,
  tinyInpaintingGenerator,
  tinyInpaintingNets,
} from '../harness/tiny-inpainting-networks';

const S = 16;

const build = () => tinyInpaintingNets({ size: S, guided: true });
const copy = (src: ReturnType<typeof build>) => copyInpaintingNets(src, { size: S, guided: true });

/** Images with blocks (so they have edges) and a square hole. */
function batch(): [tf.Tensor4D, tf.Tensor4D] {
  const v = new Float32Array(2 * S * S * 3);
  for (let b = 0; b < 2; b++)
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++)
        for (let c = 0; c < 3; c++)
          v[((b * S + y) * S + x) * 3 + c] = ((x + 2 * b) >> 2) % 2 === ((y + c) >> 3) % 2 ? 0.8 : -0.6;
  const images = tf.tensor4d(v, [2, S, S, 3]);
  const masks = tf.pad(tf.ones([2, 8, 8, 1]), [
    [0, 0],
    [4, 4],
    [4, 4],
    [0, 0],
  ]) as tf.Tensor4D;
  return [images, masks];
}

describeBackends('InpaintingTrainer guides', () => {
  it("first step with 'canny' guides: G gets edges * mask, D gets [image, mask, guide]", async () => {
    const [images, masks] = batch();
    const nets = build();
    const ref = copy(nets);
    const trainer = new InpaintingTrainer(nets); // guides default to 'canny' for a guided generator
    expect(trainer.guides).toBe('canny');
    const got = await trainer.step(images, masks);

    const edges = await cannyEdges(images);
    const guide = tf.mul(edges, masks);
    const guideSum = (await tf.sum(guide).data())[0]!;
    expect(guideSum).toBeGreaterThan(0); // edges inside the hole exist
    const want = referenceFirstStep(ref, images, masks, guide as tf.Tensor4D);
    expect(got.lossD).toBeCloseTo(want.lossD, 5);
    expect(got.lossGGan).toBeCloseTo(want.lossGGan, 5);
    expect(got.lossL1Coarse).toBeCloseTo(want.lossL1Coarse, 5);
    trainer.dispose();
    for (const m of [nets.generator, nets.discriminator, ref.generator, ref.discriminator]) m.dispose();
    tf.dispose([images, masks, edges, guide]);
  });

  it('a guide function or a per-step guide gives the same step as the same guide from canny; another guide differs', async () => {
    const [images, masks] = batch();
    const a = build();
    const b = copy(a);
    const c = copy(a);
    const d = copy(a);
    let calls = 0;
    const ta = new InpaintingTrainer({ ...a, guides: 'canny' });
    const tb = new InpaintingTrainer({
      ...b,
      guides: (x) => {
        calls++;
        return cannyEdges(x);
      },
    });
    const tc = new InpaintingTrainer({ ...c, guides: (x) => tf.zeros([x.shape[0], S, S, 1]) as tf.Tensor4D });
    const td = new InpaintingTrainer({ ...d });
    const before = tf.memory().numTensors;
    const la = await ta.step(images, masks);
    const lb = await tb.step(images, masks);
    const lc = await tc.step(images, masks);
    const edges = await cannyEdges(images);
    const ld = await td.step(images, masks, edges);
    expect(calls).toBe(1);
    expect(lb).toEqual(la);
    expect(ld).toEqual(la);
    expect(lc.lossD).not.toBe(la.lossD);
    edges.dispose();
    for (const t of [ta, tb, tc, td]) t.dispose();
    // Nothing but the trainers' own state (disposed above) remains.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    for (const n of [a, b, c, d]) {
      n.generator.dispose();
      n.discriminator.dispose();
    }
    tf.dispose([images, masks]);
  });

  it('rejects guides that do not match the generator, with Errors naming the argument', async () => {
    const guidedG = tinyInpaintingGenerator({ size: S, guided: true });
    const plainG = tinyInpaintingGenerator({ size: S });
    const d5 = tinyInpaintingDiscriminator(5, { size: S });
    const d4 = tinyInpaintingDiscriminator(4, { size: S });
    expect(() => new InpaintingTrainer({ generator: guidedG, discriminator: d5, guides: 'none' })).toThrow(
      /InpaintingTrainer: guides is 'none' but the generator takes a guide/,
    );
    expect(() => new InpaintingTrainer({ generator: plainG, discriminator: d4, guides: 'canny' })).toThrow(
      /InpaintingTrainer: guides is given but the generator takes no guide/,
    );
    expect(
      () => new InpaintingTrainer({ generator: guidedG, discriminator: d5, guides: 'hed' as unknown as 'canny' }),
    ).toThrow(/InpaintingTrainer: guides must be 'none', 'canny' or a function, got "hed"/);
    expect(
      () => new InpaintingTrainer({ generator: guidedG, discriminator: d5, edgeOptions: 3 as unknown as object }),
    ).toThrow(/InpaintingTrainer: edgeOptions must be an options object/);
    const [images, masks] = batch();
    const guide3 = tf.zeros([2, S, S, 3]) as tf.Tensor4D;
    const guide1 = tf.zeros([2, S, S, 1]) as tf.Tensor4D;
    const plain = new InpaintingTrainer({ generator: plainG, discriminator: d4 });
    await expect(plain.step(images, masks, guide1)).rejects.toThrow(
      /InpaintingTrainer\.step: guides given but the generator takes no guide/,
    );
    const guided = new InpaintingTrainer({ generator: guidedG, discriminator: d5 });
    await expect(guided.step(images, masks, guide3)).rejects.toThrow(
      /InpaintingTrainer\.step: guides must have 1 channel/,
    );
    const wrongD = new InpaintingTrainer({ generator: guidedG, discriminator: d4 });
    await expect(wrongD.step(images, masks)).rejects.toThrow(
      /InpaintingTrainer\.step: discriminator must take 5 channels \(image, mask, guide\), has 4/,
    );
    const badFn = new InpaintingTrainer({
      generator: guidedG,
      discriminator: d5,
      guides: () => tf.zeros([2, S, S, 2]) as tf.Tensor4D,
    });
    const before = tf.memory().numTensors;
    await expect(badFn.step(images, masks)).rejects.toThrow(
      /InpaintingTrainer\.step: the guides function result must have 1 channel/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect([plain.steps, guided.steps, wrongD.steps, badFn.steps]).toEqual([0, 0, 0, 0]);
    for (const t of [plain, guided, wrongD, badFn]) t.dispose();
    for (const m of [guidedG, plainG, d5, d4]) m.dispose();
    tf.dispose([images, masks, guide3, guide1]);
  });
});

describeBackends('InpaintingTrainer guides (DeepFill v2)', () => {
  it('trains guided DeepFill v2 (cnum 4, 32x32) with canny guides: finite losses, no tensor growth', async () => {
    const generator = gatedInpaintingGenerator({ cnum: 4, inputShape: [32, 32], guide: true, seed: 1 });
    const discriminator = snPatchGANDiscriminator({ ndf: 4, inputChannels: 5, inputShape: [32, 32], seed: 2 });
    const trainer = new InpaintingTrainer({ generator, discriminator, guides: 'canny' });
    const images = tf.tidy(() =>
      tf.tile(tf.slice(batch()[0], [0, 0, 0, 0], [1, -1, -1, -1]), [1, 2, 2, 1]),
    ) as tf.Tensor4D;
    const masks = tf.pad(tf.ones([1, 16, 16, 1]), [
      [0, 0],
      [8, 8],
      [8, 8],
      [0, 0],
    ]) as tf.Tensor4D;
    let afterFirst = 0;
    for (let i = 0; i < 2; i++) {
      const l = await trainer.step(images, masks);
      for (const v of Object.values(l)) expect(Number.isFinite(v)).toBe(true);
      if (i === 0) afterFirst = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(afterFirst);
    }
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
    tf.dispose([images, masks]);
  });
}, ['wasm']);
