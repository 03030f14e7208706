// Every example program runs end to end on tiny inputs (its main() with CLI arguments), on the
// wasm backend the examples default to; outputs are checked for the properties each one promises.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main as adain } from '../../examples/adain-style-transfer';
import { main as cycleganFromPytorch } from '../../examples/cyclegan-from-pytorch';
import { main as cycleganTrain } from '../../examples/cyclegan-train';
import { main as dcganTrain } from '../../examples/dcgan-train';
import { main as gatys } from '../../examples/gatys-texture';
import { main as generativePrior } from '../../examples/generative-prior-edit';
import { main as inpaint } from '../../examples/patchmatch-inpaint';
import { main as photoStyle } from '../../examples/photo-style-transfer';
import { main as pix2pixTrain } from '../../examples/pix2pix-train';
import { main as pix2pixhdTrain } from '../../examples/pix2pixhd-train';
import { main as snPatchGAN } from '../../examples/sn-patchgan-hinge';
import { initBackend } from '../../src/backend/init-backend';
import { exportTorchStateDict } from '../../src/io/export-torch-state-dict';
import { adainDecoder } from '../../src/models/adain-decoder';
import { adainEncoder } from '../../src/models/adain-encoder';
import { readImage, writePng, type RgbaImage } from '../../src/node/index';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfjs-synth-examples-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs an example's main with console output captured; fails when it leaves tensors behind. */
async function run(
  main: (argv: string[]) => Promise<number>,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  await initBackend('wasm');
  const tensorsBefore = tf.memory().numTensors;
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  let code: number;
  try {
    code = await main(argv);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  expect(tf.memory().numTensors, `tensors left by ${argv.join(' ')}`).toBe(tensorsBefore);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function gradientImage(width: number, height: number): RgbaImage<Uint8Array> {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data.set([(x * 255) / width, (y * 255) / height, ((x ^ y) & 7) * 30, 255], 4 * (y * width + x));
  return { width, height, data };
}

const ALL = {
  adain,
  cycleganFromPytorch,
  cycleganTrain,
  dcganTrain,
  gatys,
  generativePrior,
  inpaint,
  photoStyle,
  pix2pixTrain,
  pix2pixhdTrain,
  snPatchGAN,
};

describe('example programs', () => {
  for (const [name, main] of Object.entries(ALL)) {
    it(`${name} --help prints a usage line and returns 0`, async () => {
      const { code, out } = await run(main, ['--help']);
      expect(code).toBe(0);
      expect(out).toMatch(/^Usage: npx tsx examples\//);
    });
  }

  it('every example that writes files defaults to the git-ignored output/ folder', async () => {
    const writers = {
      adain,
      cycleganFromPytorch,
      cycleganTrain,
      dcganTrain,
      gatys,
      generativePrior,
      inpaint,
      photoStyle,
      pix2pixTrain,
      pix2pixhdTrain,
    };
    for (const [name, main] of Object.entries(writers)) {
      const { out } = await run(main, ['--help']);
      const defaults = [...out.matchAll(/--out <(?:file|dir)>.*\(default ([^)]+)\)/g)].map((m) => m[1]);
      expect(defaults, name).toHaveLength(1);
      expect(defaults[0], name).toMatch(/^output\/[\w.-]+$/);
    }
  });

  it('patchmatch-inpaint without arguments writes output/inpainted.png under the working folder, nothing beside it', async () => {
    const cwd = process.cwd();
    const work = join(dir, 'cwd');
    await rm(work, { recursive: true, force: true });
    await mkdir(work);
    process.chdir(work);
    try {
      const { code } = await run(inpaint, ['--patch-size', '5']);
      expect(code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(await readdir(work)).toEqual(['output']);
    expect(await readdir(join(work, 'output'))).toEqual(['inpainted.png']);
    const grid = await readImage(join(work, 'output', 'inpainted.png'));
    expect(grid.width).toBeGreaterThan(2 * 400);
  });

  it('patchmatch-inpaint fills the mask and leaves every other pixel unchanged', async () => {
    const image = gradientImage(48, 36);
    const maskImage = { width: 48, height: 36, data: new Uint8Array(48 * 36 * 4).fill(255) };
    for (let i = 0; i < 48 * 36; i++) {
      const [x, y] = [i % 48, Math.floor(i / 48)];
      if (!(x >= 20 && x < 28 && y >= 14 && y < 22)) maskImage.data.fill(0, 4 * i, 4 * i + 3);
    }
    await writePng(join(dir, 'in.png'), image);
    await writePng(join(dir, 'mask.png'), maskImage);
    const { code } = await run(inpaint, [
      join(dir, 'in.png'),
      join(dir, 'mask.png'),
      '-o',
      join(dir, 'filled.png'),
      '--patch-size',
      '5',
    ]);
    expect(code).toBe(0);
    const filled = await readImage(join(dir, 'filled.png'));
    let changedOutside = 0;
    let changedInside = 0;
    for (let i = 0; i < 48 * 36; i++) {
      const same = [0, 1, 2].every((c) => filled.data[4 * i + c] === image.data[4 * i + c]);
      if (maskImage.data[4 * i]) changedInside += same ? 0 : 1;
      else changedOutside += same ? 0 : 1;
    }
    expect(changedOutside).toBe(0);
    expect(changedInside).toBeGreaterThan(0);
  });

  it('adain-style-transfer runs with exported weights at alpha 1 and 0; missing weights say where to get them', async () => {
    await initBackend('wasm');
    const vgg = join(dir, 'vgg.safetensors');
    const decoder = join(dir, 'decoder.safetensors');
    const [e, d] = [adainEncoder(), adainDecoder()];
    await writeFile(vgg, exportTorchStateDict(e));
    await writeFile(decoder, exportTorchStateDict(d));
    e.dispose();
    d.dispose();
    await writePng(join(dir, 'content.png'), gradientImage(24, 16));
    await writePng(join(dir, 'style.png'), gradientImage(16, 16));
    const outputs: RgbaImage<Uint8Array>[] = [];
    for (const alpha of ['1', '0']) {
      const out = join(dir, `stylised-${alpha}.png`);
      const r = await run(adain, [
        join(dir, 'content.png'),
        join(dir, 'style.png'),
        '--vgg',
        vgg,
        '--decoder',
        decoder,
        '--size',
        '16',
        '--alpha',
        alpha,
        '-o',
        out,
      ]);
      expect(r.code).toBe(0);
      outputs.push(await readImage(out));
    }
    // Random decoder weights clip most pixels to 0 or 1, so only the geometry is checked here.
    for (const o of outputs) expect([o.width, o.height]).toEqual([24, 16]);
    const missing = await run(adain, ['--vgg', join(dir, 'nope.pth')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('naoto0804/pytorch-AdaIN');
  });

  it('pix2pixhd-train trains on tiny synthetic scenes (with and without the encoder) and writes a sample grid', async () => {
    for (const extra of [[], ['--instance-feat']]) {
      const out = join(dir, `pix2pixhd${extra.length}`);
      const args = ['--steps', '2', '--size', '16', '--down', '2', '--ngf', '2', '--ndf', '2', '--out', out, ...extra];
      const { code, out: log } = await run(pix2pixhdTrain, args);
      expect(code).toBe(0);
      expect(log).toMatch(/final losses: G \d+\.\d{4}, D \d+\.\d{4}/);
      const grid = await readImage(join(out, 'sample-000002.png'));
      // Four 16x16 cells in a row with 2-pixel padding.
      expect([grid.width, grid.height]).toEqual([4 * 16 + 5 * 2, 16 + 2 * 2]);
    }
    const bad = await run(pix2pixhdTrain, ['--size', '20', '--down', '3', '--steps', '1', '--out', join(dir, 'bad')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/globalGenerator: input height and width must be multiples of 8 \(2\^nDownsampling\)/);
  });

  it('sn-patchgan-hinge prints losses and the spectral norms of all six layers', async () => {
    const { code, out } = await run(snPatchGAN, ['--steps', '2', '--size', '32', '--ndf', '4', '--batch', '1']);
    expect(code).toBe(0);
    expect(out).toMatch(/step +2 +hinge D loss \d/);
    expect(out.match(/sigma\(u,v\)/g)).toHaveLength(12);
  });

  it('generative-prior-edit trains a DCGAN, inverts and adapts to a crop, and edits units mostly inside the box', async () => {
    const out = join(dir, 'prior.png');
    const r = await run(generativePrior, [
      '--train-steps',
      '2',
      '--invert-steps',
      '5',
      '--adapt-steps',
      '5',
      '--size',
      '16',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    const inversion = Number(/inversion MSE (\d+\.\d+)/.exec(r.out)![1]);
    const adapted = Number(/adapted MSE (\d+\.\d+)/.exec(r.out)![1]);
    expect(adapted).toBeLessThan(inversion); // measured 0.1184 against 0.1551
    const ratio = Number(/inside \/ outside the box: (\d+\.\d+)/.exec(r.out)![1]);
    expect(ratio).toBeGreaterThan(3); // measured 9.67
    const image = await readImage(out);
    // One row of five 16x16 images with 2-pixel padding.
    expect([image.width, image.height]).toEqual([5 * 16 + 6 * 2, 16 + 2 * 2]);
    const bad = await run(generativePrior, ['--size', '24']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--size must be 16, 32 or 64/);
  });

  it('dcgan-train trains on crops of the sample photos (bce and wgan) and writes samples and a slerp walk', async () => {
    const out = join(dir, 'dcgan.png');
    const bce = await run(dcganTrain, [
      '--steps',
      '2',
      '--size',
      '16',
      '--batch',
      '2',
      '--ngf',
      '2',
      '--ndf',
      '2',
      '--eval',
      '34',
      '--out',
      out,
    ]);
    expect(bce.code).toBe(0);
    expect(bce.out).toMatch(/step +2 +lossD \d+\.\d{4} +lossG \d/);
    // FID and KID of 34 samples against 34 real crops, with the examples' stated features.
    const quality = bce.out.match(
      /FID (\S+), KID (\S+) ± (\S+) over 34 generated and 34 real images \(.*not Inception/,
    );
    expect(quality, bce.out).not.toBeNull();
    const [fid, kidMean, kidStd] = quality!.slice(1).map(Number);
    expect(fid).toBeGreaterThan(0);
    expect(Number.isFinite(kidMean) && kidStd! >= 0).toBe(true);
    const image = await readImage(out);
    // Two rows of eight 16x16 images with 2-pixel padding.
    expect([image.width, image.height]).toEqual([8 * 16 + 9 * 2, 2 * 16 + 3 * 2]);
    const wgan = await run(dcganTrain, [
      '--steps',
      '5',
      '--size',
      '16',
      '--batch',
      '2',
      '--ngf',
      '2',
      '--ndf',
      '2',
      '--loss',
      'wgan',
      '--eval',
      '0',
      '--out',
      out,
    ]);
    expect(wgan.code).toBe(0);
    expect(wgan.out).not.toContain('FID');
    expect(wgan.out).toMatch(/step +4 +lossD -?\d+\.\d{4} +\(no G update this step\)/);
    expect(wgan.out).toMatch(/step +5 +lossD -?\d+\.\d{4} +lossG -?\d/);
    const bad = await run(dcganTrain, ['--size', '24']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--size must be 16, 32 or 64');
    const fewForFid = await run(dcganTrain, ['--eval', '32']);
    expect(fewForFid.code).toBe(1);
    expect(fewForFid.err).toContain('--eval must be 0 or more than 32 (FID needs more images than features), got 32');
  });

  it('gatys-texture writes sample | result', async () => {
    const out = join(dir, 'texture.png');
    const { code } = await run(gatys, ['gravel.png', '--size', '48', '--steps', '3', '--filters', '4', '-o', out]);
    expect(code).toBe(0);
    const image = await readImage(out);
    expect(image.width).toBeGreaterThanOrEqual(96);
    expect(image.height).toBeGreaterThanOrEqual(48);
  });

  it('photo-style-transfer: both stages lower their loss, and the photorealism stage lowers the photorealism cost', async () => {
    const out = join(dir, 'photo-style.png');
    const r = await run(photoStyle, ['--size', '24', '--steps', '6', '--filters', '4', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const runs = [...r.out.matchAll(/stage \d, .*: loss (\S+) -> (\S+) in 6 steps .*photorealism cost (\S+)/g)].map(
      (m) => m.slice(1).map(Number),
    );
    expect(runs, r.out).toHaveLength(2);
    // Stage 2 starts from stage 1's result, so its cost is stage 1's until the term acts.
    const [[first0, last0, cost0], [first1, last1, cost1]] = runs as [number[], number[]];
    expect(last0).toBeLessThan(first0!);
    expect(last1).toBeLessThan(first1!);
    expect(cost1).toBeLessThan(cost0!);
    const image = await readImage(out);
    // content | style | stage 1 | stage 2: four 24x16 cells with 2-pixel padding.
    expect([image.width, image.height]).toEqual([4 * 24 + 5 * 2, 16 + 2 * 2]);
    const bad = await run(photoStyle, ['--lambda=-1']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--lambda must be a non-negative number');
    const many = await run(photoStyle, ['--regions', '99']);
    expect(many.code).toBe(1);
    expect(many.err).toContain('--regions must be at most 16, got 99');
  });

  it('pix2pix-train trains on --demo-data, writes checkpoint and samples, and resumes', async () => {
    const out = join(dir, 'pix2pix');
    const args = ['--demo-data', '--size', '32', '--ngf', '4', '--ndf', '4', '--save-every', '1', '--out', out];
    expect((await run(pix2pixTrain, [...args, '--steps', '2', '--eval', '0'])).code).toBe(0);
    expect(existsSync(join(out, 'checkpoint', 'trainer.json'))).toBe(true);
    expect(existsSync(join(out, 'sample-000002.png'))).toBe(true);
    const resumed = await run(pix2pixTrain, [...args, '--steps', '3', '--resume', '--eval', '34']);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('resumed at step 2');
    const quality = resumed.out.match(
      /FID (\S+), KID \S+ ± \S+ over 34 generated and 34 real images \(.*not Inception/,
    );
    expect(quality, resumed.out).not.toBeNull();
    expect(Number(quality![1])).toBeGreaterThan(0);
    expect(existsSync(join(out, 'sample-000003.png'))).toBe(true);
  });

  it('cyclegan-train trains on --demo-data, writes a sample grid and prints FID and KID', async () => {
    const out = join(dir, 'cyclegan');
    const { code, out: cycleOut } = await run(cycleganTrain, [
      '--demo-data',
      '--steps',
      '1',
      '--size',
      '24',
      '--ngf',
      '4',
      '--ndf',
      '4',
      '--blocks',
      '1',
      '--eval',
      '34',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    expect(cycleOut).toMatch(/FID \S+, KID \S+ ± \S+ over 34 generated and 34 real images \(.*not Inception/);
    expect(existsSync(join(out, 'sample-000001.png'))).toBe(true);
    expect(existsSync(join(out, 'checkpoint', 'trainer.json'))).toBe(true);
  });
});
