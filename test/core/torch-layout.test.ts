import { describe, expect, it } from 'vitest';
import {
  SPECTRAL_NORM_CLASSES,
  TORCH_LAYOUT,
  spectralNormMatrixPerm,
  tfjsToTorch,
  torchLayout,
} from '../../src/core/torch-layout';

const permute = (shape: readonly number[], perm: readonly number[]): number[] => perm.map((p) => shape[p]!);

describe('torch layout table', () => {
  it('every row is a permutation and tfjsToTorch is its inverse', () => {
    for (const [cls, layout] of Object.entries(TORCH_LAYOUT)) {
      const n = layout.torchToTfjs.length;
      expect([...layout.torchToTfjs].sort(), cls).toEqual([...Array(n).keys()]);
      const shape = [...Array(n).keys()].map((i) => 10 + i);
      expect(permute(permute(shape, layout.torchToTfjs), tfjsToTorch(layout)), cls).toEqual(shape);
    }
  });

  it("puts torch's weight shape back from the tfjs kernel shape", () => {
    const [kh, kw, cin, cout] = [2, 4, 3, 5];
    // Conv2d (out, in, kh, kw); ConvTranspose2d (in, out, kh, kw); Linear (out, in).
    expect(permute([kh, kw, cin, cout], tfjsToTorch(TORCH_LAYOUT['Conv2D']!))).toEqual([cout, cin, kh, kw]);
    expect(permute([kh, kw, cout, cin], tfjsToTorch(TORCH_LAYOUT['Conv2DTranspose']!))).toEqual([cin, cout, kh, kw]);
    expect(permute([cin, cout], tfjsToTorch(TORCH_LAYOUT['Dense']!))).toEqual([cout, cin]);
  });

  it("orders the spectral-norm matrix as torch's spectral_norm: output channels first", () => {
    const [kh, kw, cin, cout] = [2, 4, 3, 5];
    for (const cls of ['Conv2D', 'GatedConv2D', 'GatedUpsample2D']) {
      expect(permute([kh, kw, cin, cout], spectralNormMatrixPerm(cls)!), cls).toEqual([cout, cin, kh, kw]);
    }
    // dim=1 of (in, out, kh, kw): the output channels lead.
    expect(permute([kh, kw, cout, cin], spectralNormMatrixPerm('Conv2DTranspose')!)).toEqual([cout, cin, kh, kw]);
    expect(permute([cin, cout], spectralNormMatrixPerm('Dense')!)).toEqual([cout, cin]);
  });

  it('lists the classes SpectralNormalization wraps, and nothing for unknown names', () => {
    expect(SPECTRAL_NORM_CLASSES).toEqual(['Conv2D', 'GatedConv2D', 'GatedUpsample2D', 'Conv2DTranspose', 'Dense']);
    expect(spectralNormMatrixPerm('PartialConv2D')).toBeUndefined();
    expect(torchLayout('PartialConv2D')?.torchToTfjs).toEqual([2, 3, 1, 0]);
    for (const name of ['Conv1D', 'toString', 'constructor', '__proto__']) {
      expect(torchLayout(name), name).toBeUndefined();
      expect(spectralNormMatrixPerm(name), name).toBeUndefined();
    }
  });
});
