import { describe, expect, it } from 'vitest';
import { io } from '../../src/index';

describe('io namespace', () => {
  it('exports the readers, writers, loader and exporter from the package root', () => {
    expect(Object.keys(io).sort()).toEqual(
      [
        'TORCH_KEY_MAP_PRESETS',
        'exportTorchStateDict',
        'loadTorchStateDict',
        'readSafetensors',
        'readTorchCheckpoint',
        'writeSafetensors',
      ].sort(),
    );
  });

  it('round-trips a state dict through writeSafetensors and readSafetensors', () => {
    const sd: io.StateDict = new Map([
      ['fc.bias', { dtype: 'float32', shape: [2], data: new Float32Array([0.5, -1]) }],
    ]);
    expect(io.readSafetensors(io.writeSafetensors(sd))).toEqual(sd);
  });
});
