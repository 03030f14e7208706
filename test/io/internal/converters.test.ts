import { describe, expect, it } from 'vitest';
import { rulesFor, type LayerLike, type ParamRule } from '../../../src/io/internal/converters';

/** A row-major index -> value array where the value encodes the multi-index (digits). */
function indexed(shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let code = 0;
    let scale = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      code += (rem % shape[d]!) * scale;
      rem = Math.floor(rem / shape[d]!);
      scale *= 10;
    }
    out[i] = code;
  }
  return out;
}

/** Value at a multi-index of a row-major array. */
function at(data: Float32Array, shape: number[], idx: number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + idx[d]!;
  return data[flat]!;
}

function layer(cls: string, extra: Partial<LayerLike> = {}): LayerLike {
  return { getClassName: () => cls, ...extra };
}

function rule(l: LayerLike, torch: string): ParamRule {
  const r = rulesFor(l)!.params.find((p) => p.torch === torch);
  if (!r) throw new Error(`no rule ${torch}`);
  return r;
}

describe('layer converters', () => {
  it('Conv2D: torch weight (out,in,kh,kw) becomes kernel (kh,kw,in,out), and back', () => {
    const torchShape = [5, 3, 2, 4]; // out, in, kh, kw
    const w = indexed(torchShape);
    const r = rule(layer('Conv2D'), 'weight');
    expect(r.tfjs).toBe('kernel');
    const tfShape = [2, 4, 3, 5];
    expect(r.torchShape(tfShape)).toEqual(torchShape);
    const k = r.toTfjs({ data: w, shape: torchShape }, tfShape);
    for (const [o, i, y, x] of [
      [0, 0, 0, 0],
      [4, 2, 1, 3],
      [3, 1, 0, 2],
      [1, 2, 1, 0],
    ] as const) {
      expect(at(k, tfShape, [y, x, i, o])).toBe(at(w, torchShape, [o, i, y, x]));
    }
    expect(r.toTorch({ data: k, shape: tfShape })).toEqual({ data: w, shape: torchShape });
  });

  it('gated and partial convolutions share the Conv2D rule', () => {
    for (const cls of ['GatedConv2D', 'GatedUpsample2D', 'PartialConv2D']) {
      expect(rule(layer(cls), 'weight').torchShape([2, 4, 3, 5]), cls).toEqual([5, 3, 2, 4]);
    }
  });

  it('Conv2DTranspose: torch weight (in,out,kh,kw) becomes kernel (kh,kw,out,in) without a spatial flip', () => {
    const torchShape = [3, 5, 2, 4]; // in, out, kh, kw
    const w = indexed(torchShape);
    const r = rule(layer('Conv2DTranspose'), 'weight');
    const tfShape = [2, 4, 5, 3];
    expect(r.torchShape(tfShape)).toEqual(torchShape);
    const k = r.toTfjs({ data: w, shape: torchShape }, tfShape);
    for (const [i, o, y, x] of [
      [2, 4, 1, 3],
      [0, 1, 1, 0],
      [1, 3, 0, 2],
    ] as const) {
      expect(at(k, tfShape, [y, x, o, i])).toBe(at(w, torchShape, [i, o, y, x]));
    }
    expect(r.toTorch({ data: k, shape: tfShape })).toEqual({ data: w, shape: torchShape });
  });

  it('Dense: torch weight (out,in) becomes kernel (in,out)', () => {
    const w = indexed([3, 7]);
    const r = rule(layer('Dense'), 'weight');
    const k = r.toTfjs({ data: w, shape: [3, 7] }, [7, 3]);
    expect(at(k, [7, 3], [6, 2])).toBe(at(w, [3, 7], [2, 6]));
    expect(at(k, [7, 3], [1, 0])).toBe(at(w, [3, 7], [0, 1]));
    expect(r.toTorch({ data: k, shape: [7, 3] }).shape).toEqual([3, 7]);
  });

  it('BatchNormalization(Torch) and InstanceNormalization rename and ignore the right keys', () => {
    for (const cls of ['BatchNormalization', 'BatchNormalizationTorch']) {
      const rules = rulesFor(layer(cls))!;
      expect(rules.params.map((p) => [p.torch, p.tfjs])).toEqual([
        ['weight', 'gamma'],
        ['bias', 'beta'],
        ['running_mean', 'moving_mean'],
        ['running_var', 'moving_variance'],
      ]);
      expect(rules.ignored).toEqual(['num_batches_tracked']);
    }
    const inorm = rulesFor(layer('InstanceNormalization'))!;
    expect(inorm.params.map((p) => [p.torch, p.tfjs])).toEqual([
      ['weight', 'gamma'],
      ['bias', 'beta'],
    ]);
    expect(inorm.ignored).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(rulesFor(layer('Conv1D'))).toBeUndefined();
  });

  it('SpectralNormalization uses the wrapped layer rule for weight_orig and keeps u, v in torch order', () => {
    const sn = layer('SpectralNormalization', { layer: layer('Conv2DTranspose') });
    const r = rule(sn, 'weight_orig');
    expect(r.tfjs).toBe('kernel');
    expect(r.torchShape([4, 4, 8, 6])).toEqual([6, 8, 4, 4]);
    const v = indexed([6 * 4 * 4]);
    const vr = rule(sn, 'weight_v');
    expect(vr.tfjs).toBe('v');
    expect(vr.toTfjs({ data: v, shape: [96] }, [96])).toBe(v);
    // A layer storing u as [1, out] still takes torch's [out].
    expect(rule(sn, 'weight_u').torchShape([1, 8])).toEqual([8]);
    expect(rulesFor(layer('SpectralNormalization', { layer: layer('Conv1D') }))).toBeUndefined();
  });
});
