import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { registerLayers } from '../../src/register';
import { loadModel, saveModel } from '../../src/node/index';
import { describeBackends } from '../harness/backends';

// Wrap registerLayers in a spy so the test sees whether loadModel calls it.
vi.mock('../../src/register', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/register')>();
  return { ...original, registerLayers: vi.fn(original.registerLayers) };
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfjs-synth-register-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeBackends('loadModel registration', (backend) => {
  it('registers the library layer classes before loading', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
    const path = join(dir, backend);
    await saveModel(model, path);
    vi.mocked(registerLayers).mockClear();
    const loaded = await loadModel(path);
    expect(vi.mocked(registerLayers)).toHaveBeenCalledTimes(1);
    model.dispose();
    loaded.dispose();
  });
});
