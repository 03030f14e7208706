// The default SPADE / GauGAN configurations have the upstream code's parameter counts
// (test/fixtures/models/spade/spade.json 'reference', computed by generate_spade.py from
// NVlabs/SPADE's own modules). Every weight starts as zeros here (test/harness/zero-weights.ts)
// only to keep the ~100M-parameter builds fast; shapes and counts do not depend on the initializer.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { spadeEncoder } from '../../src/models/spade-encoder';
import { spadeGenerator } from '../../src/models/spade-generator';
import { spadeMultiscaleDiscriminator } from '../../src/models/spade-multiscale-discriminator';
import { vgg19Features } from '../../src/models/vgg19-features';
import { describeBackends } from '../harness/backends';
import { withZeroWeights } from '../harness/zero-weights';
import { count } from './helpers';

const REF = (
  JSON.parse(readFileSync(new URL('../fixtures/models/spade/spade.json', import.meta.url), 'utf8')) as {
    reference: Record<
      string,
      { params: number; keys: number; buffers?: number; semanticChannels?: number; inputChannels?: number }
    >;
  }
).reference;

describeBackends('SPADE networks: reference parameter counts', () => {
  it.each([
    ['generator_coco', () => spadeGenerator()],
    ['generator_ade20k', () => spadeGenerator({ semanticChannels: 151 })],
    ['generator_cityscapes', () => spadeGenerator({ semanticChannels: 36, inputShape: [256, 512] })],
    ['generator_vae_coco', () => spadeGenerator({ useVAE: true })],
    ['generator_coco_most', () => spadeGenerator({ numUpsamplingLayers: 'most' })],
    ['discriminator_coco', () => spadeMultiscaleDiscriminator()],
    ['discriminator_cityscapes', () => spadeMultiscaleDiscriminator({ inputChannels: 39 })],
    ['encoder', () => spadeEncoder()],
    ['vgg19_to_relu5_1', () => vgg19Features()],
  ] as const)('%s', (name, make) => {
    const model = withZeroWeights(make);
    expect(count(model.trainableWeights)).toBe(REF[name]!.params);
    const buffers = REF[name]!.buffers;
    if (buffers !== undefined) {
      // SPADE's BatchNorm2d(affine=False) running statistics, besides the spectral norms' u, v.
      const running = model.nonTrainableWeights.filter((w) => /running_(mean|var)$/.test(w.originalName));
      expect(count(running)).toBe(buffers);
    }
    model.dispose();
  });
}, ['cpu']);
