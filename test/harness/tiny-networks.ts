/**
 * The smallest CycleGAN networks the trainer tests run (ResNet generators with one block,
 * two-layer instance-norm PatchGAN discriminators), for tests that need real training steps
 * (required kernels, memory per step) rather than any particular result.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { patchGANDiscriminator } from '../../src/models/patchgan-discriminator';
import { resnetGenerator } from '../../src/models/resnet-generator';

/**
 * Two generators and two discriminators for `new CycleGANTrainer({ ...nets, ... })`, `ngf` (and
 * `ndf`) wide (default 4); the caller disposes them.
 */
export function tinyCycleGANNets(ngf = 4): {
  gA: tfl.LayersModel;
  gB: tfl.LayersModel;
  dA: tfl.LayersModel;
  dB: tfl.LayersModel;
} {
  return {
    gA: resnetGenerator({ ngf, nBlocks: 1 }),
    gB: resnetGenerator({ ngf, nBlocks: 1 }),
    dA: patchGANDiscriminator({ ndf: ngf, nLayers: 2, norm: 'instance' }),
    dB: patchGANDiscriminator({ ndf: ngf, nLayers: 2, norm: 'instance' }),
  };
}
