// examples/cyclegan-from-pytorch.ts run end to end: a checkpoint file in, a translated PNG out,
// compared with the same generator's prediction made here.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { main } from '../../examples/cyclegan-from-pytorch';
import { exportTorchStateDict } from '../../src/io/export-torch-state-dict';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { resnetGenerator } from '../../src/models/resnet-generator';
import { imageToTensor, readImage, tensorToImage, writePng, type RgbaImage } from '../../src/node/index';
import { describeBackends } from '../harness/backends';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfjs-synth-cyclegan-example-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A 16x12 RGB picture with smooth gradients and a square, so no resize happens at --size 16. */
function testImage(): RgbaImage<Uint8Array> {
  const [width, height] = [16, 12];
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inSquare = x > 4 && x < 10 && y > 3 && y < 9;
      data.set([x * 15, y * 20, inSquare ? 250 : 30, 255], 4 * (y * width + x));
    }
  }
  return { width, height, data };
}

/** The example's output PNG against the generator's own prediction on the same pixels. */
async function expectTranslation(generator: tfl.LayersModel, checkpoint: string, backend: string): Promise<void> {
  const input = join(dir, 'input.png');
  const out = join(dir, `out-${backend}.png`);
  await writePng(input, testImage());
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const tensorsBefore = tf.memory().numTensors;
  const code = await main([checkpoint, input, '-o', out, '--size', '16', '--backend', backend]);
  log.mockRestore();
  expect(code).toBe(0);
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  const got = await readImage(out);
  const prediction = tf.tidy(() => generator.predict(imageToTensor(testImage())) as tf.Tensor);
  const expected = tensorToImage(prediction);
  prediction.dispose();
  expect([got.width, got.height]).toEqual([16, 12]);
  let maxDiff = 0;
  for (let i = 0; i < got.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.data[i]! - expected.data[i]!));
  expect(maxDiff).toBeLessThanOrEqual(1);
  // A translation, not a copy of the input.
  let changed = 0;
  for (let i = 0; i < got.data.length; i++) if (Math.abs(got.data[i]! - testImage().data[i]!) > 8) changed++;
  expect(changed).toBeGreaterThan(got.data.length / 4);
}

describeBackends('examples/cyclegan-from-pytorch', (backend) => {
  it('translates with a safetensors export of a resnetGenerator (architecture read from the keys)', async () => {
    const generator = resnetGenerator({ ngf: 4, nBlocks: 1 });
    const file = join(dir, `g-${backend}.safetensors`);
    await writeFile(file, exportTorchStateDict(generator));
    await expectTranslation(generator, file, backend);
    generator.dispose();
  });

  it('translates with a PyTorch .pth ResnetGenerator checkpoint (ngf 4, 2 blocks)', async () => {
    const file = new URL('../fixtures/io/resnet_generator.pth', import.meta.url).pathname;
    const generator = resnetGenerator({ ngf: 4, nBlocks: 2 });
    loadTorchStateDict(generator, new Uint8Array(await readFile(file)));
    await expectTranslation(generator, file, backend);
    generator.dispose();
  });

  it('without a checkpoint says where to get one and returns 1', async () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
    expect(await main([])).toBe(1);
    spy.mockRestore();
    expect(errors.join('\n')).toContain('scripts/download_cyclegan_model.sh');
  });
});
