// pix2pix / CycleGAN checkpoints (pytorch-CycleGAN-and-pix2pix key layout) loaded into the network
// builders through loadTorchStateDict, strictly, and compared with PyTorch's eval-mode outputs.
// Golden values: test/fixtures/io/generate_network_checkpoints.py.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { exportTorchStateDict } from '../../src/io/export-torch-state-dict';
import { loadTorchStateDict } from '../../src/io/load-torch-state-dict';
import { readSafetensors } from '../../src/io/read-safetensors';
import { readTorchCheckpoint } from '../../src/io/read-torch-checkpoint';
import { patchGANDiscriminator } from '../../src/models/patchgan-discriminator';
import { pixelDiscriminator } from '../../src/models/pixel-discriminator';
import { resnetGenerator } from '../../src/models/resnet-generator';
import { unetGenerator } from '../../src/models/unet-generator';
import { describeBackends } from '../harness/backends';
import { fixtureBytes, fixtureJson } from './fixtures';

interface NetworkFixture {
  config: Record<string, number | string>;
  keys: Record<string, number[]>;
  input_nhwc: { shape: number[]; data: number[] };
  output_nhwc: { shape: number[]; data: number[] };
}

type Norm = 'batch' | 'instance' | 'none';

const CASES: { name: string; build: (c: NetworkFixture['config'], size: number) => tfl.LayersModel }[] = [
  {
    name: 'unet_generator',
    build: (c, size) =>
      unetGenerator({
        inputChannels: c.input_nc as number,
        outputChannels: c.output_nc as number,
        numDowns: c.num_downs as number,
        ngf: c.ngf as number,
        norm: c.norm as Norm,
        inputShape: [size, size],
      }),
  },
  {
    name: 'resnet_generator',
    build: (c, size) =>
      resnetGenerator({
        inputChannels: c.input_nc as number,
        outputChannels: c.output_nc as number,
        ngf: c.ngf as number,
        nBlocks: c.n_blocks as number,
        norm: c.norm as Norm,
        inputShape: [size, size],
      }),
  },
  {
    name: 'nlayer_discriminator',
    build: (c, size) =>
      patchGANDiscriminator({
        inputChannels: c.input_nc as number,
        ndf: c.ndf as number,
        nLayers: c.n_layers as number,
        norm: c.norm as Norm,
        inputShape: [size, size],
      }),
  },
  {
    name: 'pixel_discriminator',
    build: (c, size) =>
      pixelDiscriminator({
        inputChannels: c.input_nc as number,
        ndf: c.ndf as number,
        norm: c.norm as Norm,
        inputShape: [size, size],
      }),
  },
];

describeBackends('PyTorch pix2pix/CycleGAN checkpoints in the network builders', () => {
  it('old CycleGAN checkpoints: running stats of the InstanceNorm2d layers are dropped, not unexpected', () => {
    const fixture = fixtureJson<NetworkFixture>('resnet_generator.json');
    const sd = readTorchCheckpoint(fixtureBytes('resnet_generator.pth'));
    // Checkpoints from before pytorch-CycleGAN's __patch_instance_norm_state_dict carry these.
    for (const prefix of ['model.2', 'model.5', 'model.10.conv_block.2', 'model.13']) {
      sd.set(`${prefix}.running_mean`, { dtype: 'float32', shape: [4], data: new Float32Array(4) });
      sd.set(`${prefix}.running_var`, { dtype: 'float32', shape: [4], data: new Float32Array(4).fill(1) });
      sd.set(`${prefix}.num_batches_tracked`, { dtype: 'int64', shape: [], data: new BigInt64Array([10n]) });
    }
    const model = CASES[1]!.build(fixture.config, 16);
    const report = loadTorchStateDict(model, sd);
    expect(report.unexpected).toEqual([]);
    expect(report.loaded).toHaveLength(Object.keys(fixture.keys).length);
    // A key that matches no layer at all is still unexpected.
    sd.set('model.99.running_mean', { dtype: 'float32', shape: [4], data: new Float32Array(4) });
    expect(() => loadTorchStateDict(model, sd)).toThrow(/unexpected keys:\n {2}model\.99\.running_mean/);
    model.dispose();
  });

  for (const { name, build } of CASES) {
    it(`${name}: strict load of the .pth, output matches PyTorch (<= 1e-4), export gives the same state dict`, () => {
      const fixture = fixtureJson<NetworkFixture>(`${name}.json`);
      const model = build(fixture.config, fixture.input_nhwc.shape[1]!);
      const bytes = fixtureBytes(`${name}.pth`);
      const before = tf.memory().numTensors;
      const report = loadTorchStateDict(model, bytes);
      expect(tf.memory().numTensors).toBe(before);
      expect(report.unexpected).toEqual([]);
      expect(report.missing).toEqual([]);

      const x = tf.tensor(fixture.input_nhwc.data, fixture.input_nhwc.shape);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual(fixture.output_nhwc.shape);
      const got = y.dataSync();
      let diff = 0;
      for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i]! - fixture.output_nhwc.data[i]!));
      console.log(`[${tf.getBackend()}] ${name}: max |tfjs - torch| = ${diff}`);
      expect(diff).toBeLessThanOrEqual(1e-4);
      tf.dispose([x, y]);

      const exported = readSafetensors(exportTorchStateDict(model));
      for (const [k, t] of readTorchCheckpoint(bytes)) {
        if (k.endsWith('num_batches_tracked')) expect(exported.has(k), k).toBe(true);
        else expect(exported.get(k), k).toEqual(t);
      }
      expect(exported.size).toBe(Object.keys(fixture.keys).length);
      model.dispose();
    });
  }
});
