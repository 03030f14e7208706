import { describe, expect, it, vi } from 'vitest';
import { createPatchMatch } from '../../src/patchmatch/index.js';
import type { PatchMatch } from '../../src/patchmatch/index.js';
import { randomImage } from './helpers.js';

describe('PatchMatch wasm memory', () => {
  it('does not grow over repeated calls of the same size', async () => {
    const pm = await createPatchMatch({ backend: 'wasm' });
    expect(pm.backend).toBe('wasm');
    const t = randomImage(64, 48, 1);
    const s = randomImage(80, 60, 2);
    const hole = { width: 64, height: 48, data: new Uint8Array(64 * 48).fill(1, 64 * 20, 64 * 24) };
    const round = async (engine: PatchMatch, k: number) => {
      const nnf = await engine.nnf(t, s, { iterations: 2, seed: k });
      engine.vote(nnf, s, { weights: Array.from(nnf.distance, (d) => 1 / (1 + d)) });
      await engine.inpaint(t, hole, { emIterations: 1, seed: k });
    };
    await round(pm, 0);
    const after = pm.memoryBytes;
    // At least both images and the field live in linear memory.
    expect(after).toBeGreaterThan(64 * 48 * 4 + 80 * 60 * 4 + 62 * 42 * 12);
    for (let k = 1; k <= 10; k++) await round(pm, k);
    expect(pm.memoryBytes).toBe(after);
  });

  it('reports 0 bytes on the js backend', async () => {
    expect((await createPatchMatch({ backend: 'js' })).memoryBytes).toBe(0);
  });
});

describe('createPatchMatch backend choice', () => {
  it("falls back to 'js' where WebAssembly SIMD is missing", async () => {
    const spy = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    try {
      const pm = await createPatchMatch();
      expect(pm.backend).toBe('js');
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect((await createPatchMatch()).backend).toBe('wasm');
  });
});
